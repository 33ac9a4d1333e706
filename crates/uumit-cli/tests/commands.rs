//! The everyday commands and `uumit api` against the emulator over a real socket, with
//! stdout and stderr snapshotted apart.

mod support;

use std::process::Command;

use support::{Run, against, filters, run, uumit};
use uumit_mock::{MockConfig, MockServer};

/// An emulator, a config directory, and the binary pointed at both as the demo user.
struct Fixture {
    server: MockServer,
    config: tempfile::TempDir,
}

impl Fixture {
    async fn start() -> Self {
        let server = uumit_mock::start(MockConfig::default()).await.unwrap();
        let config = tempfile::tempdir().unwrap();
        Self { server, config }
    }

    fn command(&self, args: &[&str]) -> Command {
        let demo = self.server.demo_user();
        let mut command = uumit(self.config.path());
        command.args(args);
        against(
            &mut command,
            &self.server.base_url(),
            &demo.api_key,
            &demo.user_id,
        );
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        run(&mut self.command(args))
    }
}

fn snapshot(name: &str, out: &Run) {
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!(format!("{name}_stdout"), out.stdout);
        insta::assert_snapshot!(format!("{name}_stderr"), out.stderr);
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn read_commands_print_aligned_text() {
    let fixture = Fixture::start().await;
    for (name, args) in [
        ("stats", &["stats"][..]),
        ("wallet", &["wallet"][..]),
        (
            "capabilities_list",
            &["capabilities", "list", "--page-size", "3"][..],
        ),
        ("api_list", &["api", "--list"][..]),
        ("feed", &["feed", "--limit", "5", "--page-size", "2"][..]),
        ("tasks_hall", &["tasks", "hall", "--page-size", "3"][..]),
        ("whoami", &["whoami"][..]),
    ] {
        let out = fixture.run(args);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        snapshot(name, &out);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn json_flag_prints_envelope_data() {
    let fixture = Fixture::start().await;
    let out = fixture.run(&["wallet", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let wallet: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(wallet["ut"]["available"], "1500.00");

    let out = fixture.run(&["api", "get_wallet", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let same: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(same, wallet);
}

#[tokio::test(flavor = "multi_thread")]
async fn all_pages_lists_every_capability() {
    let fixture = Fixture::start().await;
    let out = fixture.run(&["caps", "list", "--all", "--page-size", "7", "--json"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let items: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(items.len(), 25);
    assert!(
        out.stderr.is_empty(),
        "progress went to a non-terminal: {}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn transaction_commands_replay_with_one_key() {
    let fixture = Fixture::start().await;
    let page = fixture.run(&["caps", "list", "--page-size", "1", "--json"]);
    let page: serde_json::Value = serde_json::from_str(&page.stdout).unwrap();
    let capability = page["items"][0]["id"].as_str().unwrap().to_owned();

    let create = [
        "tx",
        "create",
        &capability,
        "--idempotency-key",
        "cli-test-1",
    ];
    let first = fixture.run(&create);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    snapshot("tx_create", &first);
    let again = fixture.run(&[&create[..], &["--json"]].concat());
    assert!(
        again.stderr.contains("Idempotency-Key cli-test-1"),
        "the key is missing in JSON mode: {}",
        again.stderr
    );
    let again: serde_json::Value = serde_json::from_str(&again.stdout).unwrap();
    let id = again["id"].as_str().unwrap().to_owned();
    assert!(
        first.stdout.contains(&id),
        "the replay made another transaction"
    );

    let frozen = fixture.run(&["tx", "freeze", &id]);
    assert_eq!(frozen.code, Some(0), "{}", frozen.stderr);
    assert!(frozen.stdout.contains("frozen"), "{}", frozen.stdout);
    let wallet = fixture.run(&["wallet", "--json"]);
    let wallet: serde_json::Value = serde_json::from_str(&wallet.stdout).unwrap();
    assert_eq!(wallet["ut"]["frozen"], "110.00");

    let api = fixture.run(&["api", "get_transaction", "-p", &format!("tx_id={id}")]);
    assert_eq!(api.code, Some(0), "{}", api.stderr);
    assert!(api.stdout.contains("frozen"), "{}", api.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn lost_reply_hint_names_the_key() {
    // The emulator makes every charge, then closes the connection before the reply.
    let config = MockConfig {
        fault: Some("close=after".parse().unwrap()),
        ..MockConfig::default()
    };
    let server = uumit_mock::start(config).await.unwrap();
    let config_dir = tempfile::tempdir().unwrap();
    let demo = server.demo_user();
    let mut command = uumit(config_dir.path());
    let capability = "00000000-0000-4000-8000-000000000000";
    command.args([
        "tx",
        "create",
        capability,
        "--idempotency-key",
        "cli lost; 1",
    ]);
    against(
        &mut command,
        &server.base_url(),
        &demo.api_key,
        &demo.user_id,
    );
    let out = run(&mut command);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    // Quoted, so that the hint can be pasted into a shell as it is.
    let hint = "run the same command with --idempotency-key 'cli lost; 1'";
    assert!(out.stderr.contains(hint), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_name_the_code_and_next_step() {
    let fixture = Fixture::start().await;
    let unknown = "00000000-0000-4000-8000-000000000000";
    let cases = [
        ("tx_get_unknown", vec!["tx", "get", unknown], 1),
        ("api_unknown_operation", vec!["api", "get_walet"], 2),
        ("api_missing_parameter", vec!["api", "get_transaction"], 2),
        (
            "api_unknown_parameter",
            vec!["api", "get_wallet", "-p", "x=1"],
            2,
        ),
        ("bad_body", vec!["caps", "create", "--body", "{"], 2),
    ];
    for (name, args, code) in cases {
        let out = fixture.run(&args);
        assert_eq!(out.code, Some(code), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?} printed {}", out.stdout);
        snapshot(name, &out);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_or_rejected_credentials_exit_3() {
    let fixture = Fixture::start().await;
    let none = run(uumit(fixture.config.path())
        .arg("wallet")
        .env("UUMIT_BASE_URL", fixture.server.base_url()));
    assert_eq!(none.code, Some(3));
    snapshot("no_credentials", &none);

    let demo = fixture.server.demo_user();
    let mut wrong = uumit(fixture.config.path());
    wrong.arg("wallet");
    against(
        &mut wrong,
        &fixture.server.base_url(),
        "wrong-key",
        &demo.user_id,
    );
    let wrong = run(&mut wrong);
    assert_eq!(wrong.code, Some(3), "{}", wrong.stderr);
    assert!(wrong.stderr.contains("uumit login"), "{}", wrong.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a2a_task_cancelled_then_watched() {
    let fixture = Fixture::start().await;
    let page = fixture.run(&["caps", "list", "--page-size", "1", "--json"]);
    let page: serde_json::Value = serde_json::from_str(&page.stdout).unwrap();
    let capability = page["items"][0]["id"].as_str().unwrap().to_owned();

    let sent = fixture.run(&["a2a", "send", &capability, "--json"]);
    assert_eq!(sent.code, Some(0), "{}", sent.stderr);
    assert!(sent.stderr.contains("Idempotency-Key "), "{}", sent.stderr);
    let task: serde_json::Value = serde_json::from_str(&sent.stdout).unwrap();
    assert_eq!(task["state"], "submitted");
    let id = task["id"].as_str().unwrap().to_owned();

    let cancelled = fixture.run(&["a2a", "cancel", &id]);
    assert_eq!(cancelled.code, Some(0), "{}", cancelled.stderr);
    assert!(
        cancelled.stdout.contains("canceled"),
        "{}",
        cancelled.stdout
    );

    let watched = fixture.run(&["a2a", "watch", &id, "--json"]);
    assert_eq!(watched.code, Some(0), "{}", watched.stderr);
    let last: serde_json::Value =
        serde_json::from_str(watched.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["state"], "canceled");

    let rejected = fixture.run(&["a2a", "send", "not-a-uuid"]);
    assert_eq!(rejected.code, Some(1), "{}", rejected.stderr);
    assert!(
        rejected.stderr.contains("(JSON-RPC code -32602)"),
        "{}",
        rejected.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn mcp_tools_listed_and_called() {
    let fixture = Fixture::start().await;
    let tools = fixture.run(&["mcp", "tools"]);
    assert_eq!(tools.code, Some(0), "{}", tools.stderr);
    assert!(tools.stdout.contains("uuagent_search"), "{}", tools.stdout);
    assert_eq!(
        tools.stdout.matches("uuagent_").count(),
        9,
        "{}",
        tools.stdout
    );

    let found = fixture.run(&[
        "mcp",
        "call",
        "uuagent_search",
        "--args",
        r#"{"query": "translation"}"#,
    ]);
    assert_eq!(found.code, Some(0), "{}", found.stderr);
    let page: serde_json::Value = serde_json::from_str(&found.stdout).unwrap();
    assert!(
        page["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty()),
        "{}",
        found.stdout
    );

    let bad = fixture.run(&["mcp", "call", "uuagent_search", "--args", "not json"]);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("invalid --args"), "{}", bad.stderr);
}
