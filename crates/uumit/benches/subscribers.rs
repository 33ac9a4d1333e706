//! The release emulator holding many open agent-runtime streams
//! (`GET /api/v1/agent-runtime/connect`): for 1,000 and then 10,000 subscribers, the
//! time to open them, the emulator's RSS and the CPU it spends while they sit idle.
//!
//! Needs a file-descriptor limit above 10,000 for this process and the emulator:
//! `bench/subscribers.sh` raises it and runs `cargo bench -p uumit --bench subscribers`.

mod support;

use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use support::{
    Emulator, established_to, pin_to_cpu, port_of, process_cpu_seconds, start_emulator, status_kib,
};

const STEPS: [usize; 2] = [1_000, 10_000];
const HOLD: Duration = Duration::from_secs(10);
const OPENING_AT_ONCE: usize = 200;

fn main() {
    if !support::under_cargo_bench("subscribers") {
        return;
    }
    pin_to_cpu(std::process::id(), 0);
    let server = start_emulator();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut streams = Vec::new();
        println!("emulator RSS before: {} KiB", emulator_rss(&server));
        for target in STEPS {
            let started = Instant::now();
            let opened = open(&server, target - streams.len()).await;
            streams.extend(opened);
            let took = started.elapsed().as_secs_f64();
            hold(&server, streams.len(), took).await;
        }
        drop(streams);
    });
}

/// Opens `count` streams, `OPENING_AT_ONCE` at a time, each read up to its response
/// head.
async fn open(server: &Emulator, count: usize) -> Vec<TcpStream> {
    let request = format!(
        "GET /api/v1/agent-runtime/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\nX-Api-Key: {}\r\nX-Platform-User-Id: {}\r\n\r\n",
        server.api_key, server.user_id
    );
    let address = server.base_url.trim_start_matches("http://").to_owned();
    futures::stream::iter(0..count)
        .map(|_| subscribe(&address, &request))
        .buffer_unordered(OPENING_AT_ONCE)
        .collect()
        .await
}

async fn subscribe(address: &str, request: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.expect("read");
        assert!(
            read > 0,
            "the emulator closed a stream before its response head"
        );
        head.extend_from_slice(&buffer[..read]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    stream
}

/// Holds the open streams idle for `HOLD` and reports the emulator's RSS and CPU.
async fn hold(server: &Emulator, open: usize, took: f64) {
    let pid = server.child.id();
    let cpu_before = process_cpu_seconds(pid);
    tokio::time::sleep(HOLD).await;
    let cpu = (process_cpu_seconds(pid) - cpu_before) / HOLD.as_secs_f64();
    let established = established_to(port_of(&server.base_url));
    println!(
        "{open} open streams (opened in {took:.1} s; {established} established): emulator RSS {} KiB, emulator CPU while idle {:.0}% of one core",
        emulator_rss(server),
        cpu * 100.0
    );
}

fn emulator_rss(server: &Emulator) -> u64 {
    status_kib(&format!("/proc/{}/status", server.child.id()), "VmRSS:")
}
