//! The incremental event-stream parser of the WHATWG HTML standard ("Server-sent events",
//! section "Parsing an event stream").

use std::time::Duration;

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The event type: the last `event:` field, or `message` when there was none.
    pub event: String,
    /// The `data:` fields joined with line feeds.
    pub data: String,
    /// The stream's last event id when the event was dispatched: set by the last `id:`
    /// field of this or an earlier event, `None` while it is empty.
    pub id: Option<String>,
}

/// A stream that breaks the decoder's memory limits.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// A line longer than the limit, in bytes, arrived without its line end.
    LineTooLong {
        /// The limit, from [`Decoder::with_limits`].
        limit: usize,
    },
    /// The `data` of one event grew beyond the limit, in bytes.
    EventTooLarge {
        /// The limit, from [`Decoder::with_limits`].
        limit: usize,
    },
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LineTooLong { limit } => write!(
                f,
                "an event-stream line exceeds {limit} bytes; raise the decoder's line limit if the server sends longer lines"
            ),
            Self::EventTooLarge { limit } => write!(
                f,
                "an event's data exceeds {limit} bytes; raise the decoder's event limit if the server sends larger events"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Default longest line, in bytes: 1 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;
/// Default largest event data, in bytes: 8 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 8 << 20;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Progress through the optional byte-order mark at the start of the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bom {
    /// This many bytes of the mark matched so far.
    Matching(usize),
    /// The mark was skipped or is absent.
    Done,
}

/// An incremental event-stream decoder.
///
/// Feed it the bytes of a `text/event-stream` body in chunks of any size with
/// [`push`](Self::push); it returns the events completed by each chunk. It follows the
/// WHATWG parsing rules. Lines end in LF, CR or CRLF, also split across chunks. One
/// leading UTF-8 byte-order mark is skipped, and comment lines are ignored. The fields
/// are `event`, `data`, `id` and `retry`. Lines are decoded as UTF-8, with invalid bytes
/// replaced by U+FFFD. Memory is bounded by a maximum line length and event size.
///
/// ```
/// let mut decoder = uumit::sse::Decoder::new();
/// let mut events = decoder.push(b"event: delta\ndata: {\"content\":\"he").unwrap();
/// assert!(events.is_empty());
/// events = decoder.push(b"llo\"}\nid: 7\n\n").unwrap();
/// assert_eq!(events[0].event, "delta");
/// assert_eq!(events[0].data, r#"{"content":"hello"}"#);
/// assert_eq!(decoder.last_event_id(), "7");
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    /// Bytes of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// The previous chunk ended in CR, so an LF at the start of the next one is part of
    /// the same line end.
    after_cr: bool,
    bom: Bom,
    event_type: String,
    data: String,
    /// Whether any field of the event in progress has been read.
    in_event: bool,
    id_buffer: String,
    last_event_id: String,
    retry: Option<Duration>,
    max_line: usize,
    max_event: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// Creates a decoder with the default limits ([`DEFAULT_MAX_LINE_BYTES`],
    /// [`DEFAULT_MAX_EVENT_BYTES`]).
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_EVENT_BYTES)
    }

    /// Creates a decoder that fails on a line longer than `max_line_bytes` or an event whose
    /// data exceeds `max_event_bytes`.
    pub fn with_limits(max_line_bytes: usize, max_event_bytes: usize) -> Self {
        Self {
            partial: Vec::new(),
            after_cr: false,
            bom: Bom::Matching(0),
            event_type: String::new(),
            data: String::new(),
            in_event: false,
            id_buffer: String::new(),
            last_event_id: String::new(),
            retry: None,
            max_line: max_line_bytes,
            max_event: max_event_bytes,
        }
    }

    /// Sets the last event id the stream starts with, for a stream resumed after `id`.
    pub fn resuming_after(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = id.into();
        self.id_buffer.clone_from(&self.last_event_id);
        self
    }

    /// Keeps the reconnection time of an earlier decoder of the same stream.
    pub(crate) fn with_retry(mut self, retry: Option<Duration>) -> Self {
        self.retry = retry;
        self
    }

    /// Returns the last event id of the stream: set when an event is dispatched, kept across
    /// events, and empty until an `id:` field arrives. Send it back in `Last-Event-ID`
    /// when reconnecting.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// Returns the reconnection time the server asked for with the last valid `retry:` field.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Reports whether the stream stopped inside an event: a line without its end, or fields
    /// not yet followed by the blank line that dispatches them. Such an event is
    /// discarded at the end of the stream.
    pub fn is_mid_event(&self) -> bool {
        !self.partial.is_empty() || self.in_event
    }

    /// Decodes the next chunk of the stream and returns the events it completed.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when a line or an event exceeds its limit. The stream cannot
    /// be decoded further after that.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Event>, DecodeError> {
        let mut events = Vec::new();
        self.push_into(chunk, &mut events)?;
        Ok(events)
    }

    /// Decodes the next chunk of the stream and appends the events it completed to
    /// `events`.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push).
    pub fn push_into(&mut self, chunk: &[u8], events: &mut Vec<Event>) -> Result<(), DecodeError> {
        let chunk = self.skip_bom(chunk, events)?;
        self.split_lines(chunk, events)
    }

    /// Consumes the byte-order mark, even one split across chunks. Bytes that began
    /// like the mark but diverged are decoded as ordinary input.
    fn skip_bom<'c>(
        &mut self,
        chunk: &'c [u8],
        events: &mut Vec<Event>,
    ) -> Result<&'c [u8], DecodeError> {
        let Bom::Matching(mut matched) = self.bom else {
            return Ok(chunk);
        };
        let mut rest = chunk;
        while let Some((&byte, tail)) = rest.split_first() {
            if byte != BOM[matched] {
                self.bom = Bom::Done;
                self.split_lines(&BOM[..matched], events)?;
                return Ok(rest);
            }
            matched += 1;
            rest = tail;
            if matched == BOM.len() {
                self.bom = Bom::Done;
                return Ok(rest);
            }
        }
        self.bom = Bom::Matching(matched);
        Ok(rest)
    }

    fn split_lines(
        &mut self,
        mut chunk: &[u8],
        events: &mut Vec<Event>,
    ) -> Result<(), DecodeError> {
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
        }
        if !self.partial.is_empty() {
            let Some(end) = memchr::memchr2(b'\n', b'\r', chunk) else {
                self.check_line_length(chunk.len())?;
                self.partial.extend_from_slice(chunk);
                return Ok(());
            };
            self.check_line_length(end)?;
            let mut line = std::mem::take(&mut self.partial);
            line.extend_from_slice(&chunk[..end]);
            self.process_line(&String::from_utf8_lossy(&line), events)?;
            line.clear();
            self.partial = line;
            chunk = self.after_line_end(chunk, end);
        }
        chunk = self.split_text_lines(chunk, events)?;
        self.split_byte_lines(chunk, events)
    }

    /// Decodes the whole lines at the start of `chunk` that are valid UTF-8, validating
    /// them in one pass; returns the rest.
    fn split_text_lines<'c>(
        &mut self,
        chunk: &'c [u8],
        events: &mut Vec<Event>,
    ) -> Result<&'c [u8], DecodeError> {
        let text = match simdutf8::compat::from_utf8(chunk) {
            Ok(text) => text,
            Err(error) => {
                simdutf8::basic::from_utf8(&chunk[..error.valid_up_to()]).unwrap_or_default()
            }
        };
        let valid = text.len();
        // Most streams end lines in LF alone, and one pass over the text for one byte
        // is faster than a search for either of two per line.
        if memchr::memchr(b'\r', text.as_bytes()).is_none() {
            let mut start = 0;
            for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
                self.process_line(&text[start..end], events)?;
                start = end + 1;
            }
            return Ok(&chunk[start..]);
        }
        let mut start = 0;
        while let Some(end) = memchr::memchr2(b'\n', b'\r', &text.as_bytes()[start..]) {
            let end = start + end;
            self.process_line(&text[start..end], events)?;
            let rest = self.after_line_end(chunk, end);
            start = chunk.len() - rest.len();
            if start > valid {
                break;
            }
        }
        Ok(&chunk[start.min(chunk.len())..])
    }

    /// Decodes the lines of `chunk` one by one, replacing invalid UTF-8, and keeps an
    /// unfinished last line for the next chunk.
    fn split_byte_lines(
        &mut self,
        mut chunk: &[u8],
        events: &mut Vec<Event>,
    ) -> Result<(), DecodeError> {
        while let Some(end) = memchr::memchr2(b'\n', b'\r', chunk) {
            self.process_line(&String::from_utf8_lossy(&chunk[..end]), events)?;
            chunk = self.after_line_end(chunk, end);
        }
        if !chunk.is_empty() {
            self.check_line_length(chunk.len())?;
            self.partial.extend_from_slice(chunk);
        }
        Ok(())
    }

    /// Returns what follows the line end at `end`: one byte, or two for CRLF. A CR at
    /// the very end of the chunk leaves an LF at the start of the next to skip.
    fn after_line_end<'c>(&mut self, chunk: &'c [u8], end: usize) -> &'c [u8] {
        let rest = &chunk[end + 1..];
        if chunk[end] != b'\r' {
            return rest;
        }
        match rest.first() {
            Some(b'\n') => &rest[1..],
            Some(_) => rest,
            None => {
                self.after_cr = true;
                rest
            }
        }
    }

    fn check_line_length(&self, more: usize) -> Result<(), DecodeError> {
        if self.partial.len() + more > self.max_line {
            return Err(DecodeError::LineTooLong {
                limit: self.max_line,
            });
        }
        Ok(())
    }

    fn process_line(&mut self, line: &str, events: &mut Vec<Event>) -> Result<(), DecodeError> {
        if line.len() > self.max_line {
            return Err(DecodeError::LineTooLong {
                limit: self.max_line,
            });
        }
        if line.is_empty() {
            self.dispatch(events);
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(());
        }
        let (name, value) = match memchr::memchr(b':', line.as_bytes()) {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(' ').unwrap_or(value))
            }
            None => (line, ""),
        };
        self.in_event = true;
        self.process_field(name, value)
    }

    fn process_field(&mut self, name: &str, value: &str) -> Result<(), DecodeError> {
        match name {
            "data" => {
                if self.data.len() + value.len() + 1 > self.max_event {
                    return Err(DecodeError::EventTooLarge {
                        limit: self.max_event,
                    });
                }
                // One reservation for the value and its line feed, so the buffer
                // grows once per line instead of twice.
                self.data.reserve(value.len() + 1);
                self.data.push_str(value);
                self.data.push('\n');
            }
            "event" => {
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            "id" if !value.contains('\0') => {
                self.id_buffer.clear();
                self.id_buffer.push_str(value);
            }
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry = Some(parse_millis(value.as_bytes()));
            }
            _ => {}
        }
        Ok(())
    }

    /// Dispatches the event in progress, on a blank line.
    fn dispatch(&mut self, events: &mut Vec<Event>) {
        self.in_event = false;
        if self.last_event_id != self.id_buffer {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        self.data.pop();
        let event = if self.event_type.is_empty() {
            "message".to_owned()
        } else {
            std::mem::take(&mut self.event_type)
        };
        let id = (!self.last_event_id.is_empty()).then(|| self.last_event_id.clone());
        events.push(Event {
            event,
            data: std::mem::take(&mut self.data),
            id,
        });
    }
}

/// Reads ASCII digits as milliseconds, saturating at `u64::MAX`.
fn parse_millis(digits: &[u8]) -> Duration {
    let millis = digits.iter().fold(0u64, |total, digit| {
        total
            .saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    });
    Duration::from_millis(millis)
}

#[cfg(test)]
#[path = "decoder_tests.rs"]
mod tests;
