//! Client CPU per request of this SDK against httpx, the client the platform's Python guide
//! recommends, on the same workload against the same release emulator.
//!
//! The emulator runs pinned to CPU 1; this process and the Python child run pinned to
//! CPU 0. The two clients take turns in rounds, and the report is the median of the
//! per-round ratios. Python's side is `bench/httpx_rounds.py`, run by `BENCH_PYTHON`
//! (default `target/bench-venv/bin/python`, made by `bench/vs-httpx.sh`).
//!
//! `bench/vs-httpx.sh` (see bench/README.md)

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use cpu_time::ProcessTime;
use futures::StreamExt;
use uumit::prelude::*;

use support::{Emulator, pin_to_cpu, start_emulator, summary};

const ROUNDS: usize = 11;
const WORKLOADS: [(&str, usize, usize); 4] = [
    ("stats", 1, 400),
    ("stats", 32, 2000),
    ("page", 1, 400),
    ("page", 32, 2000),
];

fn main() {
    if !support::under_cargo_bench("vs_httpx") {
        return;
    }
    pin_to_cpu(std::process::id(), 0);
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    let server = start_emulator();
    let mut python = Python::start(&server);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let client = uumit::Client::builder()
        .base_url(&server.base_url)
        .credentials(&server.api_key, &server.user_id)
        .build()
        .expect("client");
    for (operation, width, calls) in WORKLOADS {
        python.round(operation, width, calls.min(400));
        runtime.block_on(measure(&client, operation, width, calls.min(400)));
        let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let peer = python.round(operation, width, calls);
            let own = runtime.block_on(measure(&client, operation, width, calls));
            ratios.push(own / peer);
            ours.push(own);
            theirs.push(peer);
        }
        report(operation, width, calls, &mut ours, &mut theirs, &mut ratios);
    }
    drop(python);
    drop(server);
}

/// CPU time of this process per call, in microseconds, over one round.
async fn measure(client: &uumit::Client, operation: &str, width: usize, calls: usize) -> f64 {
    let started = ProcessTime::now();
    futures::stream::iter(0..calls)
        .for_each_concurrent(width, |_| call(client, operation))
        .await;
    started.elapsed().as_secs_f64() * 1e6 / calls as f64
}

async fn call(client: &uumit::Client, operation: &str) {
    if operation == "stats" {
        let stats = client.get_community_stats().call().await.expect("stats");
        std::hint::black_box(stats);
    } else {
        let page = client
            .list_capabilities()
            .page(1)
            .page_size(20)
            .call()
            .await
            .expect("page");
        std::hint::black_box(page);
    }
}

fn report(
    operation: &str,
    width: usize,
    calls: usize,
    ours: &mut [f64],
    theirs: &mut [f64],
    ratios: &mut [f64],
) {
    let rounds = ratios.len();
    let (own, own_min, own_max) = summary(ours);
    let (peer, peer_min, peer_max) = summary(theirs);
    let (ratio, low, high) = summary(ratios);
    println!(
        "{operation} concurrency {width:>2}: uumit {own:.1} µs CPU/call ({own_min:.1}–{own_max:.1}), httpx {peer:.1} µs ({peer_min:.1}–{peer_max:.1}); ratio median {ratio:.4} (min {low:.4}, max {high:.4}) over {rounds} paired rounds of {calls} calls"
    );
}

/// The httpx side in a child process that runs one round per line on its stdin.
struct Python {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Python {
    fn start(server: &Emulator) -> Self {
        let python = std::env::var("BENCH_PYTHON").unwrap_or_else(|_| {
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../target/bench-venv/bin/python"
            )
            .into()
        });
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../bench/httpx_rounds.py");
        let mut child = Command::new(&python)
            .arg(script)
            .env("UUMIT_BASE_URL", &server.base_url)
            .env("UUMIT_API_KEY", &server.api_key)
            .env("UUMIT_USER_ID", &server.user_id)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python}: {e}; run bench/vs-httpx.sh"));
        pin_to_cpu(child.id(), 0);
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Self {
            child,
            stdin,
            stdout,
        }
    }

    /// Runs one round in the child and returns its CPU time per call in microseconds.
    fn round(&mut self, operation: &str, width: usize, calls: usize) -> f64 {
        writeln!(self.stdin, "{operation} {width} {calls}").expect("write to python");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read from python");
        line.trim()
            .parse()
            .unwrap_or_else(|_| panic!("python round failed: {line:?}"))
    }
}

impl Drop for Python {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
