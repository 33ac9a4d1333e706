//! Client CPU per request of this SDK against httpx, the client the platform's Python guide
//! recommends, on the same workload against the same release emulator.
//!
//! The emulator runs pinned to CPU 1; this process and the Python child run pinned to
//! CPU 0. The two clients take turns in rounds, and the report is the median of the
//! per-round ratios. Each round runs the Python side once and this SDK once on each
//! runtime of [`support::runtimes`], and each runtime's ratio is to the same Python
//! round. Python's side is `bench/httpx_rounds.py`, run by `BENCH_PYTHON` (default
//! `target/bench-venv/bin/python`, made by `bench/vs-httpx.sh`).
//!
//! Each runtime also runs a bare reqwest + serde client on the same calls (the typed
//! envelope, decoded from the body), which shows what reqwest and serde cost alone
//! against the same Python round.
//!
//! `bench/vs-httpx.sh` (see bench/README.md)

mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use cpu_time::ProcessTime;
use futures::StreamExt;
use uumit::prelude::*;

use support::{Emulator, pin_to_cpu, runtimes, start_emulator, summary};

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
    // Clients per runtime: a pooled connection belongs to the runtime that opened it.
    let runtimes = runtimes().map(|(flavor, runtime)| {
        let clients = runtime.block_on(async {
            let facade = uumit::Client::builder()
                .base_url(&server.base_url)
                .credentials(&server.api_key, &server.user_id)
                .build()
                .expect("client");
            (facade, Bare::new(&server))
        });
        (flavor, runtime, clients)
    });
    for (operation, width, calls) in WORKLOADS {
        python.round(operation, width, calls.min(400));
        for (_, runtime, (facade, bare)) in &runtimes {
            runtime.block_on(measure(operation, width, calls.min(400), |op| {
                call(facade, op)
            }));
            runtime.block_on(measure(operation, width, calls.min(400), |op| {
                bare.call(op)
            }));
        }
        let mut theirs = Vec::new();
        // Per runtime: the facade's and the bare client's costs and ratios.
        let mut ours = vec![[Vec::new(), Vec::new()]; runtimes.len()];
        let mut ratios = vec![[Vec::new(), Vec::new()]; runtimes.len()];
        for _ in 0..rounds {
            let peer = python.round(operation, width, calls);
            theirs.push(peer);
            for (index, (_, runtime, (facade, bare))) in runtimes.iter().enumerate() {
                let own = runtime.block_on(measure(operation, width, calls, |op| call(facade, op)));
                let plain = runtime.block_on(measure(operation, width, calls, |op| bare.call(op)));
                for (side, cost) in [own, plain].into_iter().enumerate() {
                    ratios[index][side].push(cost / peer);
                    ours[index][side].push(cost);
                }
            }
        }
        for (index, (flavor, _, _)) in runtimes.iter().enumerate() {
            for (side, client) in ["uumit", "bare reqwest + serde"].into_iter().enumerate() {
                let sample = Sample {
                    client,
                    flavor,
                    operation,
                    width,
                    calls,
                };
                report(
                    &sample,
                    &mut ours[index][side],
                    &mut theirs.clone(),
                    &mut ratios[index][side],
                );
            }
        }
    }
    drop(python);
    drop(server);
}

/// CPU time of this process per call, in microseconds, over one round.
async fn measure<'a, F, Fut>(operation: &'a str, width: usize, calls: usize, call: F) -> f64
where
    F: Fn(&'a str) -> Fut,
    Fut: Future<Output = ()>,
{
    let started = ProcessTime::now();
    futures::stream::iter(0..calls)
        .for_each_concurrent(width, |_| call(operation))
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

/// A Rust client that skips the facade: GET with the credentials, read the body, decode
/// the typed envelope, check the code.
struct Bare {
    client: reqwest::Client,
    stats_url: String,
    page_url: String,
    api_key: String,
    user_id: String,
}

impl Bare {
    fn new(server: &Emulator) -> Self {
        let client = support::bare_client();
        Self {
            client,
            stats_url: format!("{}/api/v1/public/community-stats", server.base_url),
            page_url: format!(
                "{}/api/v1/capabilities?page=1&page_size=20",
                server.base_url
            ),
            api_key: server.api_key.clone(),
            user_id: server.user_id.clone(),
        }
    }

    async fn call(&self, operation: &str) {
        if operation == "stats" {
            let bytes = self.get(&self.stats_url).await;
            let envelope: uumit::types::CommunityStatsResponse =
                serde_json::from_slice(&bytes).expect("decode stats");
            assert_eq!(envelope.code, 0);
            std::hint::black_box(envelope.data);
        } else {
            let bytes = self.get(&self.page_url).await;
            let envelope: uumit::types::CapabilityOutPageResponse =
                serde_json::from_slice(&bytes).expect("decode page");
            assert_eq!(envelope.code, 0);
            std::hint::black_box(envelope.data);
        }
    }

    async fn get(&self, url: &str) -> bytes::Bytes {
        self.client
            .get(url)
            .header("x-api-key", &self.api_key)
            .header("x-platform-user-id", &self.user_id)
            .send()
            .await
            .expect("send")
            .bytes()
            .await
            .expect("body")
    }
}

/// One line of the report: which client and runtime, operation, concurrency and round size.
struct Sample<'a> {
    client: &'a str,
    flavor: &'a str,
    operation: &'a str,
    width: usize,
    calls: usize,
}

fn report(sample: &Sample<'_>, ours: &mut [f64], theirs: &mut [f64], ratios: &mut [f64]) {
    let Sample {
        client,
        flavor,
        operation,
        width,
        calls,
    } = sample;
    let rounds = ratios.len();
    let (own, own_min, own_max) = summary(ours);
    let (peer, peer_min, peer_max) = summary(theirs);
    let (ratio, low, high) = summary(ratios);
    println!(
        "{operation} concurrency {width:>2}, {flavor}: {client} {own:.1} µs CPU/call ({own_min:.1}–{own_max:.1}), httpx {peer:.1} µs ({peer_min:.1}–{peer_max:.1}); ratio median {ratio:.4} (min {low:.4}, max {high:.4}) over {rounds} paired rounds of {calls} calls"
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
