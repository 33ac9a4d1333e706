//! Device authorization: start, poll, the approval page, the emulator-only shortcut and
//! expiry, over a loopback socket.

mod common;

use std::time::Duration;

use common::{Emulator, Who};
use reqwest::Method;
use serde_json::{Value, json};

async fn start(emulator: &Emulator) -> Value {
    let request = emulator
        .http
        .post(emulator.url("/api/v1/auth/device-auth"))
        .json(&json!({"agent_platform_type": "claude_desktop"}));
    let (status, body) = emulator.send(request).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    body["data"].clone()
}

async fn poll(emulator: &Emulator, grant: &Value) -> Value {
    let request = emulator
        .http
        .post(emulator.url("/api/v1/auth/device-auth/poll"))
        .json(&json!({"device_code": grant["device_code"]}));
    emulator.send(request).await.1["data"].clone()
}

#[tokio::test]
async fn start_returns_code_and_page() {
    let emulator = Emulator::start().await;
    let grant = start(&emulator).await;
    let user_code = grant["user_code"].as_str().unwrap();
    assert_eq!(user_code.len(), 8);
    assert!(
        user_code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    );
    assert_eq!(grant["verification_url"], emulator.url("/link"));
    assert_eq!(
        (grant["expires_in"].as_i64(), grant["interval"].as_i64()),
        (Some(600), Some(5))
    );
    assert_eq!(grant["agent_platform_type"], "claude_desktop");
    assert_eq!(poll(&emulator, &grant).await["status"], "pending");
}

#[tokio::test]
async fn approval_issues_working_key() {
    let emulator = Emulator::start().await;
    let grant = start(&emulator).await;
    emulator
        .server
        .approve_device(&grant["user_code"].as_str().unwrap().to_lowercase())
        .unwrap();
    let approved = poll(&emulator, &grant).await;
    assert_eq!(approved["status"], "approved");
    let who = Who {
        api_key: approved["api_key"].as_str().unwrap().to_owned(),
        user_id: approved["user_id"].as_str().unwrap().to_owned(),
    };
    assert_ne!(who.user_id, emulator.demo().user_id);
    let wallet = emulator.get(&who, "/api/v1/wallet").await;
    assert_eq!(wallet["ut"]["available"], "1000.00");
    assert_eq!(
        poll(&emulator, &grant).await["api_key"],
        approved["api_key"]
    );
    let again = emulator
        .server
        .approve_device(grant["user_code"].as_str().unwrap());
    assert!(again.unwrap_err().contains("already decided"));
}

#[tokio::test]
async fn page_form_approves_and_denies() {
    let emulator = Emulator::start().await;
    let page = emulator
        .http
        .get(emulator.url("/link?user_code=AB<CD"))
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\" action=\"/link\">"));
    assert!(html.contains("AB&lt;CD"));
    for (decision, status) in [("deny", "denied"), ("approve", "approved")] {
        let grant = start(&emulator).await;
        let form = format!(
            "user_code={}&decision={decision}",
            grant["user_code"].as_str().unwrap()
        );
        let response = emulator
            .http
            .post(emulator.url("/link"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(response.text().await.unwrap().contains(status));
        assert_eq!(poll(&emulator, &grant).await["status"], status);
    }
    let unknown = emulator
        .http
        .post(emulator.url("/link"))
        .body("user_code=ZZZZZZZZ&decision=approve")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
}

#[tokio::test]
async fn mock_endpoint_decides() {
    let emulator = Emulator::start().await;
    let grant = start(&emulator).await;
    let request = emulator
        .http
        .post(emulator.url("/_mock/device-auth/deny"))
        .json(&json!({"user_code": grant["user_code"]}));
    let (status, body) = emulator.send(request).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)));
    assert_eq!(poll(&emulator, &grant).await["status"], "denied");
    let request = emulator
        .http
        .post(emulator.url("/_mock/device-auth/approve"))
        .json(&json!({"user_code": grant["user_code"]}));
    assert_eq!(emulator.send(request).await.1["code"], 4501);
}

#[tokio::test]
async fn codes_expire() {
    let config = uumit_mock::MockConfig {
        device_code_ttl: Duration::from_millis(50),
        ..Default::default()
    };
    let emulator = Emulator::with(config).await;
    let grant = start(&emulator).await;
    assert_eq!(grant["expires_in"], 0);
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(poll(&emulator, &grant).await["status"], "expired");
    let late = emulator
        .server
        .approve_device(grant["user_code"].as_str().unwrap());
    assert!(late.unwrap_err().contains("expired"));
}

#[tokio::test]
async fn bad_requests_are_rejected() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let request = emulator
        .request(&demo, Method::POST, "/api/v1/auth/device-auth")
        .json(&json!({"agent_platform_type": "vim"}));
    let (status, body) = emulator.send(request).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "enum");
    let request = emulator
        .http
        .post(emulator.url("/api/v1/auth/device-auth/poll"))
        .json(&json!({"device_code": "unknown"}));
    let (status, body) = emulator.send(request).await;
    assert_eq!((status, &body["code"]), (404, &json!(1004)));
}
