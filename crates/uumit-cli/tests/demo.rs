//! Runs `uumit demo` against the emulator over a real socket.

mod support;

use support::{against, filters, run, uumit};

#[test]
fn demo_on_embedded_emulator_matches_transcript() {
    let config = tempfile::tempdir().unwrap();
    let out = run(uumit(config.path()).arg("demo"));
    assert_eq!(
        out.code,
        Some(0),
        "demo failed:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        out.stdout
            .contains("debited once for each purchase: 114.00 UT in all"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("available 1386.00 UT (was 1500.00), frozen 0.00 UT"),
        "{}",
        out.stdout
    );
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("demo_stdout", out.stdout);
        insta::assert_snapshot!("demo_stderr", out.stderr);
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_against_server_cancels_and_refunds() {
    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .unwrap();
    let demo = server.demo_user();
    let config = tempfile::tempdir().unwrap();
    let mut command = uumit(config.path());
    command.args(["demo", "--spend"]);
    against(
        &mut command,
        &server.base_url(),
        &demo.api_key,
        &demo.user_id,
    );
    let out = run(&mut command);
    assert_eq!(
        out.code,
        Some(0),
        "demo failed:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(out.stdout.contains("cancelled_by_buyer"), "{}", out.stdout);

    let client = uumit::Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()
        .unwrap();
    let wallet = uumit::Call::call(client.get_wallet()).await.unwrap();
    assert_eq!(
        wallet.ut.available.to_string(),
        "1496.00",
        "the refund is missing or the invocation charged twice"
    );
    assert_eq!(wallet.ut.frozen.to_string(), "0.00");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_without_spend_skips_spending() {
    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .unwrap();
    let demo = server.demo_user();
    let config = tempfile::tempdir().unwrap();
    let mut command = uumit(config.path());
    command.arg("demo");
    against(
        &mut command,
        &server.base_url(),
        &demo.api_key,
        &demo.user_id,
    );
    let out = run(&mut command);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("Skipped the steps that spend UT"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("Create a transaction"),
        "{}",
        out.stdout
    );
}

#[test]
fn demo_names_failing_step() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let config = tempfile::tempdir().unwrap();
    let mut command = uumit(config.path());
    command.arg("demo");
    against(&mut command, &format!("http://{address}"), "k", "u");
    let out = run(&mut command);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("step 1 (Community stats) failed"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("could not connect"), "{}", out.stderr);
}

#[test]
fn demo_with_base_url_needs_credentials() {
    let config = tempfile::tempdir().unwrap();
    let out = run(uumit(config.path())
        .arg("demo")
        .env("UUMIT_BASE_URL", "http://127.0.0.1:9"));
    assert_eq!(out.code, Some(3));
    assert!(out.stderr.contains("UUMIT_API_KEY"), "{}", out.stderr);
}
