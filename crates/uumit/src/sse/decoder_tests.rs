use super::*;
use proptest::prelude::*;

struct Case {
    name: &'static str,
    input: &'static [u8],
    /// (event type, data, id) of each dispatched event.
    events: &'static [(&'static str, &'static str, Option<&'static str>)],
    last_event_id: &'static str,
    retry_ms: Option<u64>,
}

const CASES: &[Case] = &[
    Case {
        name: "lf line ends",
        input: b"data: a\n\ndata: b\n\n",
        events: &[("message", "a", None), ("message", "b", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "cr line ends",
        input: b"data: a\r\rdata: b\r\r",
        events: &[("message", "a", None), ("message", "b", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "crlf line ends",
        input: b"event: x\r\ndata: a\r\n\r\n",
        events: &[("x", "a", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "mixed line ends",
        input: b"data: a\rdata: b\r\ndata: c\n\r\ndata: d\n\r",
        events: &[("message", "a\nb\nc", None), ("message", "d", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "cr then lf is one line end",
        input: b"data: a\r\n\r\n",
        events: &[("message", "a", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "lf then cr is two line ends",
        input: b"data: a\n\rdata: b\n\n",
        events: &[("message", "a", None), ("message", "b", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "leading bom skipped",
        input: b"\xEF\xBB\xBFdata: a\n\n",
        events: &[("message", "a", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "second bom kept in field name",
        input: b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n",
        events: &[("message", "b", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "partial bom is ordinary input",
        input: b"\xEF\xBBdata: a\n\ndata: b\n\n",
        events: &[("message", "b", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "comments ignored",
        input: b": ping\n:\ndata: a\n: between\n\n",
        events: &[("message", "a", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "comment alone dispatches nothing",
        input: b": keep-alive\n\n",
        events: &[],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "multi-line data joined with lf",
        input: b"data: one\ndata: two\ndata: three\n\n",
        events: &[("message", "one\ntwo\nthree", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "only one leading space removed",
        input: b"data:  two spaces\ndata:none\n\n",
        events: &[("message", " two spaces\nnone", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "empty data line keeps a line",
        input: b"data\ndata\n\n",
        events: &[("message", "\n", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "data with colons kept whole",
        input: b"data: {\"a\":\"b:c\"}\n\n",
        events: &[("message", "{\"a\":\"b:c\"}", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "event type resets after dispatch",
        input: b"event: first\ndata: a\n\ndata: b\n\n",
        events: &[("first", "a", None), ("message", "b", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "last event type wins",
        input: b"event: a\nevent: b\ndata: x\n\n",
        events: &[("b", "x", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "empty event field means message",
        input: b"event\ndata: x\n\n",
        events: &[("message", "x", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "id persists across events",
        input: b"id: 1\ndata: a\n\ndata: b\n\n",
        events: &[("message", "a", Some("1")), ("message", "b", Some("1"))],
        last_event_id: "1",
        retry_ms: None,
    },
    Case {
        name: "id with nul ignored",
        input: b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        events: &[("message", "a", Some("1")), ("message", "b", Some("1"))],
        last_event_id: "1",
        retry_ms: None,
    },
    Case {
        name: "empty id resets last event id",
        input: b"id: 1\ndata: a\n\nid\ndata: b\n\n",
        events: &[("message", "a", Some("1")), ("message", "b", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "id without data still updates",
        input: b"id: 5\n\n",
        events: &[],
        last_event_id: "5",
        retry_ms: None,
    },
    Case {
        name: "id of unterminated event not committed",
        input: b"id: 1\ndata: a\n\nid: 2\ndata: b\n",
        events: &[("message", "a", Some("1"))],
        last_event_id: "1",
        retry_ms: None,
    },
    Case {
        name: "retry digits honoured",
        input: b"retry: 2500\n\n",
        events: &[],
        last_event_id: "",
        retry_ms: Some(2500),
    },
    Case {
        name: "retry with non-digits ignored",
        input: b"retry: 100\n\nretry: 12a\nretry: -5\nretry: 1.5\nretry:  7\nretry\n\n",
        events: &[],
        last_event_id: "",
        retry_ms: Some(100),
    },
    Case {
        name: "field without colon has empty value",
        input: b"data\n\n",
        events: &[("message", "", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "unknown fields ignored",
        input: b"foo: bar\nData: x\ndata: y\n\n",
        events: &[("message", "y", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "empty data buffer not dispatched",
        input: b"event: x\n\ndata: y\n\n",
        events: &[("message", "y", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "unterminated event discarded",
        input: b"data: a\n\ndata: b\n",
        events: &[("message", "a", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "unterminated line discarded",
        input: b"data: a\n\ndata: b",
        events: &[("message", "a", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "multi-byte utf8 kept",
        input: "data: 数据分析 é 🚀\n\n".as_bytes(),
        events: &[("message", "数据分析 é 🚀", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "invalid utf8 replaced",
        input: b"data: a\xFFb\xE6\x95\n\n",
        events: &[("message", "a\u{FFFD}b\u{FFFD}", None)],
        last_event_id: "",
        retry_ms: None,
    },
    Case {
        name: "leading blank lines harmless",
        input: b"\n\n\r\ndata: a\n\n",
        events: &[("message", "a", None)],
        last_event_id: "",
        retry_ms: None,
    },
];

fn decode_in_chunks(input: &[u8], size: usize) -> (Vec<Event>, Decoder) {
    let mut decoder = Decoder::new();
    let mut events = Vec::new();
    for chunk in input.chunks(size.max(1)) {
        events.extend(decoder.push(chunk).unwrap());
    }
    (events, decoder)
}

fn check_case(case: &Case, chunk_size: usize) {
    let (events, decoder) = decode_in_chunks(case.input, chunk_size);
    let expected: Vec<Event> = case
        .events
        .iter()
        .map(|(event, data, id)| Event {
            event: (*event).to_owned(),
            data: (*data).to_owned(),
            id: id.map(str::to_owned),
        })
        .collect();
    let how = format!("{} (chunks of {chunk_size})", case.name);
    assert_eq!(events, expected, "{how}");
    assert_eq!(decoder.last_event_id(), case.last_event_id, "{how}");
    assert_eq!(
        decoder.retry(),
        case.retry_ms.map(Duration::from_millis),
        "{how}"
    );
}

#[test]
fn rules_hold_for_whole_input() {
    for case in CASES {
        check_case(case, case.input.len());
    }
}

#[test]
fn rules_hold_one_byte_per_chunk() {
    for case in CASES {
        check_case(case, 1);
    }
}

#[test]
fn cr_at_chunk_end_then_lf_is_one_line_end() {
    let mut decoder = Decoder::new();
    assert!(decoder.push(b"data: a\r").unwrap().is_empty());
    assert!(decoder.push(b"\ndata: b\r").unwrap().is_empty());
    let events = decoder.push(b"\n\r\n").unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data, "a\nb");
}

#[test]
fn bom_split_across_chunks_skipped() {
    let mut decoder = Decoder::new();
    decoder.push(b"\xEF").unwrap();
    decoder.push(b"\xBB").unwrap();
    let events = decoder.push(b"\xBFdata: a\n\n").unwrap();
    assert_eq!(events[0].data, "a");
}

#[test]
fn line_over_limit_is_error() {
    let mut decoder = Decoder::with_limits(16, 1024);
    let error = decoder.push(b"data: 0123456789abcdef").unwrap_err();
    assert_eq!(error, DecodeError::LineTooLong { limit: 16 });
    assert!(error.to_string().contains("16 bytes"));

    let mut decoder = Decoder::with_limits(16, 1024);
    decoder.push(b"data: 01234").unwrap();
    let error = decoder.push(b"56789abcdef\n").unwrap_err();
    assert_eq!(error, DecodeError::LineTooLong { limit: 16 });
}

#[test]
fn event_over_limit_is_error() {
    let mut decoder = Decoder::with_limits(64, 9);
    decoder.push(b"data: 1234\n").unwrap();
    let error = decoder.push(b"data: 5678\n").unwrap_err();
    assert_eq!(error, DecodeError::EventTooLarge { limit: 9 });
}

#[test]
fn mid_event_reported() {
    let mut decoder = Decoder::new();
    decoder.push(b"data: a\n\n").unwrap();
    assert!(!decoder.is_mid_event());
    decoder.push(b"id: 2\n").unwrap();
    assert!(decoder.is_mid_event());
    decoder.push(b"\ndata").unwrap();
    assert!(decoder.is_mid_event());
}

#[test]
fn resuming_decoder_keeps_id() {
    let mut decoder = Decoder::new().resuming_after("41");
    let events = decoder.push(b"data: a\n\n").unwrap();
    assert_eq!(events[0].id.as_deref(), Some("41"));
}

#[test]
fn huge_retry_saturates() {
    let mut decoder = Decoder::new();
    decoder
        .push(b"retry: 99999999999999999999999999\n\n")
        .unwrap();
    assert_eq!(decoder.retry(), Some(Duration::from_millis(u64::MAX)));
}

/// A small event-stream alphabet, so random streams hit every rule often.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let pieces = prop::sample::select(vec![
        &b"data: x"[..],
        b"data:",
        b"data",
        b"event: e",
        b"id: 1",
        b"id: 2\x00",
        b"id",
        b"retry: 30",
        b"retry: x",
        b": c",
        b"\n",
        b"\r",
        b"\r\n",
        b"\xEF\xBB\xBF",
        "é数".as_bytes(),
        b"\xE6",
        b"\xFF",
    ]);
    prop::collection::vec(pieces, 0..60).prop_map(|parts| parts.concat())
}

fn decode_split(input: &[u8], cuts: &[usize]) -> (Vec<Event>, String, Option<Duration>) {
    let mut decoder = Decoder::new();
    let mut events = Vec::new();
    let mut start = 0;
    let mut positions: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    positions.sort_unstable();
    for cut in positions.into_iter().chain([input.len()]) {
        events.extend(decoder.push(&input[start..cut]).unwrap());
        start = cut;
    }
    (events, decoder.last_event_id().to_owned(), decoder.retry())
}

proptest! {
    #[test]
    fn any_split_yields_same_events(
        input in stream_bytes(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let whole = decode_split(&input, &[]);
        let split = decode_split(&input, &cuts);
        prop_assert_eq!(whole, split);
    }
}

/// A fixed-budget fuzz loop: arbitrary bytes in arbitrary chunks, under tight limits,
/// must never panic, and every event must satisfy the decoder's own invariants.
#[test]
fn fuzz_arbitrary_bytes_never_panic() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let length = (next() % 256) as usize;
        let input: Vec<u8> = (0..length)
            .map(|_| match next() % 8 {
                0 => b'\n',
                1 => b'\r',
                2 => b':',
                _ => (next() % 256) as u8,
            })
            .collect();
        let mut decoder = Decoder::with_limits(64, 128);
        let mut rest = &input[..];
        while !rest.is_empty() {
            let size = 1 + (next() as usize % rest.len());
            let (chunk, tail) = rest.split_at(size);
            rest = tail;
            match decoder.push(chunk) {
                Ok(events) => {
                    for event in events {
                        assert!(!event.event.is_empty());
                        assert!(event.data.len() <= 128);
                        assert!(!event.id.unwrap_or_default().contains('\0'));
                    }
                }
                Err(_) => break,
            }
        }
    }
}
