//! One `uumit::Client` shared by 1,000 concurrent tasks against the release emulator:
//! throughput, latency percentiles and the most client connections open at once,
//! counted from `/proc/net/tcp` while the load runs.
//!
//! `cargo bench -p uumit --bench scale` (see bench/README.md)

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use uumit::prelude::*;

use support::{established_to, pin_to_cpu, start_emulator};

const TASKS: usize = 1_000;
const CALLS_PER_TASK: usize = 20;

fn main() {
    if !support::under_cargo_bench("scale") {
        return;
    }
    pin_to_cpu(std::process::id(), 0);
    let server = start_emulator();
    let port = support::port_of(&server.base_url);
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
    runtime.block_on(async {
        for _ in 0..100 {
            client.get_community_stats().call().await.expect("warm-up");
        }
    });
    let running = Arc::new(AtomicBool::new(true));
    let most = Arc::new(AtomicUsize::new(0));
    let sampler = {
        let (running, most) = (running.clone(), most.clone());
        std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                most.fetch_max(established_to(port), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let started = Instant::now();
    let mut latencies = runtime.block_on(load(client));
    let elapsed = started.elapsed().as_secs_f64();
    running.store(false, Ordering::Relaxed);
    sampler.join().expect("sampler");
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    let calls = latencies.len();
    println!(
        "{TASKS} tasks x {CALLS_PER_TASK} calls on one client: {calls} calls in {elapsed:.2} s = {:.0} calls/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; at most {} connections open to the emulator",
        calls as f64 / elapsed,
        at(0.5),
        at(0.99),
        at(1.0),
        most.load(Ordering::Relaxed),
    );
    drop(server);
}

/// Runs every task and returns the latency of every call.
async fn load(client: uumit::Client) -> Vec<Duration> {
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(CALLS_PER_TASK);
                for call in 0..CALLS_PER_TASK {
                    let started = Instant::now();
                    if (n + call).is_multiple_of(2) {
                        client.get_community_stats().call().await.expect("stats");
                    } else {
                        let page = client.list_capabilities().page(1).page_size(20);
                        page.call().await.expect("page");
                    }
                    latencies.push(started.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::with_capacity(TASKS * CALLS_PER_TASK);
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    all
}
