//! `uumit login`, `whoami` and `logout` against a small device-authorization server:
//! the profile file's permissions, profiles kept apart, and the stored key in use.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};
use support::{filters, run, uumit};

const USER_ID: &str = "5f0c7c52-9a41-4c0e-8d55-3b1e2a7f6d10";
const API_KEY: &str = "key-from-device-auth";

/// The poll status the server returns once it stops returning `pending`.
#[derive(Clone)]
struct Auth {
    outcome: &'static str,
    polls: Arc<AtomicUsize>,
}

fn envelope(data: Value) -> Json<Value> {
    Json(json!({"code": 0, "message": "success", "data": data, "timestamp": 1_800_000_000}))
}

async fn start_auth() -> Json<Value> {
    envelope(json!({
        "device_code": "device-1",
        "user_code": "ABCD2345",
        "verification_url": "https://uumit.example/activate",
        "expires_in": 600,
        "interval": 0,
    }))
}

async fn poll(State(auth): State<Auth>) -> Json<Value> {
    if auth.polls.fetch_add(1, Ordering::SeqCst) < 2 {
        return envelope(json!({"status": "pending"}));
    }
    match auth.outcome {
        "approved" => {
            envelope(json!({"status": "approved", "api_key": API_KEY, "user_id": USER_ID}))
        }
        other => envelope(json!({"status": other})),
    }
}

async fn me(headers: HeaderMap) -> (StatusCode, Json<Value>) {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let user = headers
        .get("x-platform-user-id")
        .and_then(|v| v.to_str().ok());
    if key != Some(API_KEY) || user != Some(USER_ID) {
        let body =
            json!({"code": 1002, "message": "invalid credentials", "data": null, "timestamp": 1});
        return (StatusCode::UNAUTHORIZED, Json(body));
    }
    let user = json!({"id": USER_ID, "nickname": "Ada", "tags": ["rust"], "city": null});
    (StatusCode::OK, envelope(user))
}

/// Serves device authorization on a loopback port; returns the base URL.
async fn serve(outcome: &'static str) -> String {
    let auth = Auth {
        outcome,
        polls: Arc::new(AtomicUsize::new(0)),
    };
    let app = Router::new()
        .route("/api/v1/auth/device-auth", post(start_auth))
        .route("/api/v1/auth/device-auth/poll", post(poll))
        .route("/api/v1/users/me", get(me))
        .with_state(auth);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test(flavor = "multi_thread")]
async fn login_stores_key_for_owner_only() {
    let base = serve("approved").await;
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("uumit");

    let out = run(uumit(&config).args(["login", "--base-url", &base]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let home_text = home.path().display().to_string();
    let redact = |text: &str| text.replace(&home_text, "[home]");
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("login_stdout", redact(&out.stdout));
        insta::assert_snapshot!("login_stderr", out.stderr);
    });

    let file = config.join("credentials.json");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(API_KEY), "{text}");
    assert!(text.contains(USER_ID), "{text}");
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600, "credentials file is readable by others");
        assert_eq!(mode(&config), 0o700, "config directory is open to others");
    }

    let whoami = run(uumit(&config).arg("whoami"));
    assert_eq!(whoami.code, Some(0), "{}", whoami.stderr);
    assert!(whoami.stdout.contains(USER_ID), "{}", whoami.stdout);
    assert!(whoami.stdout.contains("Ada"), "{}", whoami.stdout);

    let out = run(uumit(&config).arg("logout"));
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(!std::fs::read_to_string(&file).unwrap().contains(API_KEY));
    let whoami = run(uumit(&config).args(["whoami", "--base-url", &base]));
    assert_eq!(whoami.code, Some(3), "{}", whoami.stderr);
    assert!(whoami.stderr.contains("uumit login"), "{}", whoami.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn profiles_are_kept_apart() {
    let base = serve("approved").await;
    let config = tempfile::tempdir().unwrap();
    let out = run(uumit(config.path()).args(["login", "--profile", "work", "--base-url", &base]));
    assert_eq!(out.code, Some(0), "{}", out.stderr);

    let default = run(uumit(config.path()).args(["whoami", "--base-url", &base]));
    assert_eq!(default.code, Some(3), "the default profile has no key");
    let work = run(uumit(config.path()).args(["whoami", "--profile", "work"]));
    assert_eq!(work.code, Some(0), "{}", work.stderr);

    let elsewhere = run(uumit(config.path()).args([
        "whoami",
        "--profile",
        "work",
        "--base-url",
        "http://127.0.0.1:9",
    ]));
    assert_eq!(elsewhere.code, Some(3), "the key went to another server");
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_login_stores_nothing() {
    let base = serve("denied").await;
    let config = tempfile::tempdir().unwrap();
    let out = run(uumit(config.path()).args(["login", "--base-url", &base]));
    assert_eq!(out.code, Some(3));
    assert!(out.stderr.contains("denied"), "{}", out.stderr);
    assert!(out.stderr.contains("uumit login"), "{}", out.stderr);
    assert!(!config.path().join("credentials.json").exists());
}

/// Reads the user code from the line `Open <url> and enter the code <code>`.
fn user_code(stderr: &mut impl std::io::BufRead) -> String {
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 {
        if let Some((_, code)) = line.trim_end().rsplit_once("enter the code ") {
            return code.to_owned();
        }
        line.clear();
    }
    panic!("login printed no user code");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_approved_on_emulator_works() {
    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut child = uumit(config.path())
        .args(["login", "--base-url", &server.base_url()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let code = user_code(&mut stderr);
    server.approve_device(&code).unwrap();

    let status = child.wait().unwrap();
    assert!(status.success(), "login failed");
    let whoami = run(uumit(config.path()).args(["whoami", "--json"]));
    assert_eq!(whoami.code, Some(0), "{}", whoami.stderr);
    let user: Value = serde_json::from_str(&whoami.stdout).unwrap();
    let stored = std::fs::read_to_string(config.path().join("credentials.json")).unwrap();
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(user["id"], stored["profiles"]["default"]["user_id"]);
}
