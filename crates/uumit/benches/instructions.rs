//! A fixed number of calls of one client, to be counted in instructions under callgrind.
//!
//! Timing on these shared virtual machines drifts by more than the facade's overhead, so
//! `bench/instructions.sh` runs this bench under `valgrind --tool=callgrind` at two call
//! counts. It reports the instructions per call as the difference between the two runs
//! divided by the difference in calls, which cancels the start-up work. Callgrind counts
//! user-space instructions only; the kernel's share (socket reads and writes, epoll) is
//! the same for every client and is left out.
//!
//! `BENCH_CLIENT` picks the client: `facade` (`get_community_stats().call()`), `bare`
//! (reqwest + serde on the same operation), `raw` (the generated client alone, with
//! `Inner::direct()`: progenitor's share of the facade's cost) or `page` (the facade
//! reading a page of 20 capabilities). `BENCH_CALLS` is the number of calls, made 32 at a time on a
//! current-thread runtime against the release emulator on CPU 1.
//!
//! `bench/instructions.sh` (see bench/README.md)

mod support;

use futures::StreamExt;
use uumit::prelude::*;

use support::start_emulator;

const CONCURRENCY: usize = 32;

fn main() {
    if !support::under_cargo_bench("instructions") {
        return;
    }
    let client = std::env::var("BENCH_CLIENT").unwrap_or_else(|_| "facade".into());
    let calls: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|calls| calls.parse().ok())
        .unwrap_or(1000);
    let server = start_emulator();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Without credentials, as the bare client sends none; the page needs them.
        let facade = uumit::Client::builder()
            .base_url(&server.base_url)
            .build()
            .expect("client");
        let signed_in = uumit::Client::builder()
            .base_url(&server.base_url)
            .credentials(&server.api_key, &server.user_id)
            .build()
            .expect("client with credentials");
        let bare = support::bare_client();
        let raw = uumit_api::Client::new_with_client(
            &server.base_url,
            bare.clone(),
            uumit_api::Inner::direct(),
        );
        let url = format!("{}/api/v1/public/community-stats", server.base_url);
        futures::stream::iter(0..calls)
            .for_each_concurrent(CONCURRENCY, |_| async {
                match client.as_str() {
                    "bare" => support::bare_stats_call(&bare, &url).await,
                    "raw" => {
                        let reply = raw.get_community_stats().send().await.expect("raw call");
                        let envelope = reply.into_inner();
                        assert_eq!(envelope.code, 0);
                        std::hint::black_box(envelope.data);
                    }
                    "page" => {
                        let page = signed_in.list_capabilities().page_size(20).call().await;
                        std::hint::black_box(page.expect("page"));
                    }
                    _ => {
                        let stats = facade.get_community_stats().call().await;
                        std::hint::black_box(stats.expect("facade call"));
                    }
                }
            })
            .await;
    });
    println!("{client}: {calls} calls");
}
