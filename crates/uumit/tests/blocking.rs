//! The blocking client, run from plain threads.
#![cfg(feature = "blocking")]

use uumit::{CallOptions, ErrorKind};

fn emulator() -> (tokio::runtime::Runtime, uumit_mock::MockServer) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime
        .block_on(uumit_mock::start(uumit_mock::MockConfig::default()))
        .unwrap();
    (runtime, server)
}

fn client(server: &uumit_mock::MockServer) -> uumit::blocking::Client {
    let demo = server.demo_user();
    let inner = uumit::Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()
        .unwrap();
    uumit::blocking::Client::new(inner).unwrap()
}

#[test]
fn blocking_call_returns_data() {
    let (_runtime, server) = emulator();
    let client = client(&server);
    let wallet = client.call(client.get_wallet()).unwrap();
    assert_eq!(wallet.ut.available.to_string(), "1500.00");
    let reply = client
        .call_with(client.get_community_stats(), CallOptions::new())
        .unwrap();
    assert_eq!(reply.attempts, 1);
}

#[test]
fn blocking_items_walk_every_page() {
    let (_runtime, server) = emulator();
    let client = client(&server);
    let items: Vec<_> = client
        .items(client.list_capabilities().page_size(7))
        .collect::<Result<_, _>>()
        .unwrap();
    let total = client.call(client.list_capabilities()).unwrap().total;
    assert_eq!(items.len() as i64, total);
}

#[test]
fn blocking_inside_runtime_is_refused() {
    let (runtime, server) = emulator();
    let client = client(&server);
    let error = runtime
        .block_on(async { client.call(client.get_wallet()) })
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.to_string().contains(".call().await"));
}

#[test]
fn dropping_inside_async_code_is_quiet() {
    let inner = uumit::Client::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let client = uumit::blocking::Client::new(inner).unwrap();
    let clone = client.clone();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Tokio panics when a runtime is dropped inside async code unless it is shut down in
    // the background.
    runtime.block_on(async move {
        drop(client);
        drop(clone);
    });
}
