//! CPU per call of the facade against bare reqwest + serde on the same loopback server.
//!
//! The server is the release emulator in another process, pinned to CPU 1 with `taskset`
//! when it is installed; this process pins itself to CPU 0. The two clients run in
//! alternating rounds, and the report is the median of the per-round ratios, since these
//! virtual machines drift by more than the effect measured. Both runtimes of
//! [`support::runtimes`] are measured, one after the other.
//!
//! `cargo bench -p uumit --bench overhead` (see bench/README.md)

mod support;

use cpu_time::ProcessTime;
use futures::StreamExt;
use uumit::prelude::*;

use support::{median, pin_to_cpu, runtimes, start_emulator};

const ROUNDS: usize = 15;
const CALLS_PER_ROUND: usize = 400;
const CONCURRENCY: usize = 32;

fn main() {
    if !support::under_cargo_bench("overhead") {
        return;
    }
    pin_to_cpu(std::process::id(), 0);
    let server = start_emulator();
    let base_url = server.base_url.clone();
    for (flavor, runtime) in runtimes() {
        // Each runtime gets its own clients: a pooled connection belongs to the runtime
        // that opened it.
        runtime.block_on(compare(flavor, &base_url));
    }
    drop(server);
}

/// Runs the paired rounds at each concurrency on the runtime that polls this future.
async fn compare(flavor: &str, base_url: &str) {
    let facade = uumit::Client::builder()
        .base_url(base_url)
        .build()
        .expect("client");
    let bare = support::bare_client();
    let url = format!("{base_url}/api/v1/public/community-stats");
    warm_up(&facade, &bare, &url).await;
    for concurrency in [1, CONCURRENCY] {
        let mut ratios = Vec::new();
        let (mut facade_costs, mut bare_costs) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let bare_cost = measure(concurrency, || support::bare_stats_call(&bare, &url)).await;
            let facade_cost = measure(concurrency, || facade_call(&facade)).await;
            ratios.push(facade_cost / bare_cost);
            facade_costs.push(facade_cost);
            bare_costs.push(bare_cost);
        }
        report(
            flavor,
            concurrency,
            &mut facade_costs,
            &mut bare_costs,
            &mut ratios,
        );
    }
}

/// CPU time of this process per call, in microseconds, over one round.
async fn measure<F, Fut>(concurrency: usize, call: F) -> f64
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    let started = ProcessTime::now();
    futures::stream::iter(0..CALLS_PER_ROUND)
        .for_each_concurrent(concurrency, |_| call())
        .await;
    started.elapsed().as_secs_f64() * 1e6 / CALLS_PER_ROUND as f64
}

async fn facade_call(client: &uumit::Client) {
    let stats = client
        .get_community_stats()
        .call()
        .await
        .expect("facade call");
    std::hint::black_box(stats);
}

async fn warm_up(facade: &uumit::Client, bare: &reqwest::Client, url: &str) {
    for _ in 0..200 {
        facade_call(facade).await;
        support::bare_stats_call(bare, url).await;
    }
}

fn report(
    flavor: &str,
    concurrency: usize,
    facade: &mut [f64],
    bare: &mut [f64],
    ratios: &mut [f64],
) {
    let (f, b, r) = (median(facade), median(bare), median(ratios));
    let spread =
        ratios.last().copied().unwrap_or_default() - ratios.first().copied().unwrap_or_default();
    println!(
        "{flavor} concurrency {concurrency:>2}: facade {f:.1} µs CPU/call, bare reqwest+serde {b:.1} µs; ratio median {r:.3} (min {:.3}, max {:.3}, spread {spread:.3}) over {ROUNDS} paired rounds of {CALLS_PER_ROUND} calls",
        ratios[0],
        ratios[ratios.len() - 1],
    );
}
