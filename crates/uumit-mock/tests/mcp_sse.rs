//! The MCP server's HTTP+SSE wire format, read byte for byte with a plain HTTP client
//! over loopback.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

async fn emulator(ping: Duration) -> uumit_mock::MockServer {
    let config = uumit_mock::MockConfig {
        mcp_ping_interval: ping,
        ..Default::default()
    };
    uumit_mock::start(config).await.unwrap()
}

/// An open event stream and the text read from it so far.
struct Stream {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    text: String,
}

impl Stream {
    async fn open(server: &uumit_mock::MockServer, query_auth: bool) -> Self {
        let demo = server.demo_user();
        let url = format!("{}/mcp/sse", server.base_url());
        let request = if query_auth {
            reqwest::Client::new()
                .get(url)
                .query(&[("api_key", &demo.api_key), ("user_id", &demo.user_id)])
        } else {
            reqwest::Client::new()
                .get(url)
                .header("X-Api-Key", demo.api_key)
                .header("X-Platform-User-Id", demo.user_id)
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream; charset=utf-8"
        );
        Self {
            body: response.bytes_stream().boxed(),
            text: String::new(),
        }
    }

    /// Reads until the text contains `needle`, for at most 5 s.
    async fn read_until(&mut self, needle: &str) -> &str {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !self.text.contains(needle) {
            let chunk = tokio::time::timeout_at(deadline, self.body.next())
                .await
                .unwrap_or_else(|_| panic!("no {needle:?} in {:?}", self.text))
                .unwrap()
                .unwrap();
            self.text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
        &self.text
    }

    /// Reads the message endpoint from the first event.
    async fn endpoint(&mut self) -> String {
        let text = self.read_until("\r\n\r\n").await;
        let line = text.lines().nth(1).unwrap();
        line.strip_prefix("data: ").unwrap().trim_end().to_owned()
    }
}

fn post(server: &uumit_mock::MockServer, endpoint: &str, body: Value) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{}{endpoint}", server.base_url()))
        .json(&body)
}

#[tokio::test]
async fn stream_opens_with_endpoint_event_in_crlf() {
    let server = emulator(Duration::from_secs(15)).await;
    let mut stream = Stream::open(&server, false).await;

    let text = stream.read_until("\r\n\r\n").await.to_owned();

    let session = text
        .strip_prefix("event: endpoint\r\ndata: /mcp/messages/?session_id=")
        .and_then(|rest| rest.strip_suffix("\r\n\r\n"))
        .unwrap_or_else(|| panic!("unexpected first event {text:?}"));
    assert_eq!(session.len(), 32);
    assert!(
        session.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
        "{session}"
    );
}

#[tokio::test]
async fn stream_sends_ping_comments() {
    let server = emulator(Duration::from_millis(50)).await;
    let mut stream = Stream::open(&server, true).await;

    stream.read_until(": ping - ").await;
    let text = stream.read_until("+00:00\r\n\r\n").await;

    let ping = &text[text.find(": ping - ").unwrap()..];
    assert!(ping.ends_with("+00:00\r\n\r\n"), "{ping:?}");
}

#[tokio::test]
async fn post_is_accepted_and_reply_arrives_as_message() {
    let server = emulator(Duration::from_secs(15)).await;
    let mut stream = Stream::open(&server, false).await;
    let endpoint = stream.endpoint().await;
    let initialize = json!({
        "jsonrpc": "2.0", "id": 7, "method": "initialize",
        "params": {"protocolVersion": "2024-11-05", "capabilities": {},
                   "clientInfo": {"name": "raw", "version": "0"}}
    });

    let response = post(&server, &endpoint, initialize).send().await.unwrap();

    assert_eq!(response.status(), 202);
    assert_eq!(response.text().await.unwrap(), "");
    stream.read_until("event: message\r\n").await;
    let text = stream.read_until("}\r\n\r\n").await;
    let data = text.split("event: message\r\ndata: ").nth(1).unwrap();
    let reply: Value = serde_json::from_str(data.trim_end()).unwrap();
    assert_eq!(reply["id"], 7);
    assert_eq!(reply["result"]["protocolVersion"], "2024-11-05");
    assert_eq!(reply["result"]["serverInfo"]["name"], "uumit-mock");
}

#[tokio::test]
async fn unknown_session_is_404() {
    let server = emulator(Duration::from_secs(15)).await;

    let response = post(
        &server,
        "/mcp/messages/?session_id=0123456789abcdef0123456789abcdef",
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    )
    .send()
    .await
    .unwrap();

    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.unwrap(), "Could not find session");
}

#[tokio::test]
async fn malformed_session_and_message_are_400() {
    let server = emulator(Duration::from_secs(15)).await;
    let mut stream = Stream::open(&server, false).await;
    let endpoint = stream.endpoint().await;

    let missing = post(&server, "/mcp/messages/", json!({}))
        .send()
        .await
        .unwrap();
    let invalid = post(&server, "/mcp/messages/?session_id=xyz", json!({}))
        .send()
        .await
        .unwrap();
    let garbage = post(&server, &endpoint, json!({"not": "json-rpc"}))
        .send()
        .await
        .unwrap();

    assert_eq!(missing.status(), 400);
    assert_eq!(missing.text().await.unwrap(), "session_id is required");
    assert_eq!(invalid.status(), 400);
    assert_eq!(invalid.text().await.unwrap(), "Invalid session ID");
    assert_eq!(garbage.status(), 400);
    assert_eq!(garbage.text().await.unwrap(), "Could not parse message");
}

#[tokio::test]
async fn another_users_post_is_404() {
    let server = emulator(Duration::from_secs(15)).await;
    let mut stream = Stream::open(&server, false).await;
    let endpoint = stream.endpoint().await;
    let seller = uumit_mock::Store::seeded(42).seeded_users()[1].clone();

    let response = post(
        &server,
        &endpoint,
        json!({"jsonrpc": "2.0", "method": "ping", "id": 1}),
    )
    .header("X-Api-Key", seller.api_key)
    .header("X-Platform-User-Id", seller.user_id)
    .send()
    .await
    .unwrap();

    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn stream_without_credentials_is_401() {
    let server = emulator(Duration::from_secs(15)).await;

    let missing = reqwest::get(format!("{}/mcp/sse", server.base_url()))
        .await
        .unwrap();
    let invalid = reqwest::get(format!(
        "{}/mcp/sse?api_key=wrong&user_id={}",
        server.base_url(),
        server.demo_user().user_id
    ))
    .await
    .unwrap();

    assert_eq!(missing.status(), 401);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["code"], 1002);
    assert_eq!(invalid.status(), 401);
    let body: Value = invalid.json().await.unwrap();
    assert_eq!(body["code"], 1006);
}
