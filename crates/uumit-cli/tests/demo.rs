//! Runs the `uumit` binary against the emulator over a real socket.

use std::process::Command;

fn uumit() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_uumit"));
    for name in ["UUMIT_BASE_URL", "UUMIT_API_KEY", "UUMIT_USER_ID"] {
        command.env_remove(name);
    }
    command
}

#[test]
fn demo_runs_on_embedded_emulator() {
    let output = uumit().arg("demo").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("[7/7] Wallet after"), "{stdout}");
    assert!(
        stdout.contains("the platform replayed the first response"),
        "{stdout}"
    );
    assert!(stdout.contains("debited once: 110.00 UT"), "{stdout}");
    assert!(
        stdout.contains("available 1390.00 UT (was 1500.00), frozen 110.00 UT"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_against_server_debits_once() {
    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .unwrap();
    let demo = server.demo_user();
    let output = uumit()
        .args(["demo", "--spend"])
        .env("UUMIT_BASE_URL", server.base_url())
        .env("UUMIT_API_KEY", &demo.api_key)
        .env("UUMIT_USER_ID", &demo.user_id)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let client = uumit::Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()
        .unwrap();
    let wallet = uumit::Call::call(client.get_wallet()).await.unwrap();
    assert_eq!(
        wallet.ut.available.to_string(),
        "1390.00",
        "the wallet moved more than once"
    );
    assert_eq!(wallet.ut.frozen.to_string(), "110.00");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_without_spend_skips_spending() {
    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .unwrap();
    let demo = server.demo_user();
    let output = uumit()
        .arg("demo")
        .env("UUMIT_BASE_URL", server.base_url())
        .env("UUMIT_API_KEY", &demo.api_key)
        .env("UUMIT_USER_ID", &demo.user_id)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        stdout.contains("Skipped the steps that spend UT"),
        "{stdout}"
    );
    assert!(!stdout.contains("Create a transaction"), "{stdout}");
}

#[test]
fn demo_names_failing_step() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let output = uumit()
        .arg("demo")
        .env("UUMIT_BASE_URL", format!("http://{address}"))
        .env("UUMIT_API_KEY", "k")
        .env("UUMIT_USER_ID", "u")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("step 1 (Community stats) failed"),
        "{stderr}"
    );
    assert!(stderr.contains("could not connect"), "{stderr}");
}

#[test]
fn demo_with_base_url_needs_credentials() {
    let output = uumit()
        .arg("demo")
        .env("UUMIT_BASE_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr.contains("UUMIT_API_KEY"), "{stderr}");
}
