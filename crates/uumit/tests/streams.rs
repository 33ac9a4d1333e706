//! The SSE, A2A and agent-runtime clients against the emulator over loopback.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uumit::a2a::{RpcErrorCode, SendParams, TaskState};
use uumit::prelude::*;
use uumit::runtime::RuntimeEvent;
use uumit::sse::{EventStream, StreamOptions, StreamRequest};
use uumit::tasks_stream::DraftEvent;
use uumit::{Client, ErrorKind, Money};
use uumit_mock::{MockConfig, ProtocolConfig, StreamFaults};

struct Setup {
    _server: uumit_mock::MockServer,
    buyer: Client,
    seller: Client,
    capability_id: String,
    price: Money,
}

fn client_for(server: &uumit_mock::MockServer, user: &uumit_mock::DemoUser) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .credentials(user.api_key.clone(), user.user_id.clone())
        .build()
        .unwrap()
}

async fn setup(protocols: ProtocolConfig) -> Setup {
    let config = MockConfig {
        protocols,
        ..MockConfig::default()
    };
    let users = uumit_mock::Store::seeded(config.seed).seeded_users();
    let server = uumit_mock::start(config).await.unwrap();
    let buyer = client_for(&server, &server.demo_user());
    let page = buyer
        .list_capabilities()
        .page_size(100)
        .call()
        .await
        .unwrap();
    let capability = page
        .items
        .into_iter()
        .find(|c| c.pricing_model.as_str() == "per_use")
        .unwrap();
    let seller_id = capability.agent_id.to_string();
    let seller_user = users.iter().find(|u| u.user_id == seller_id).unwrap();
    let seller = client_for(&server, seller_user);
    Setup {
        buyer,
        seller,
        capability_id: capability.id.to_string(),
        price: capability.price_ut,
        _server: server,
    }
}

fn fast_protocols() -> ProtocolConfig {
    ProtocolConfig {
        heartbeat_interval: Duration::from_millis(200),
        poll_interval: Duration::from_millis(10),
        ..ProtocolConfig::default()
    }
}

fn fast_runtime(client: &Client) -> uumit::runtime::RuntimeClient {
    let options = StreamOptions::new()
        .resume(uumit::sse::Resume::Query("last_event_id".into()))
        .initial_delay(Duration::from_millis(20));
    client.runtime().with_options(options)
}

async fn next_job(events: &mut uumit::runtime::RuntimeStream) -> uumit::runtime::JobDispatch {
    loop {
        let received = events.next().await.unwrap().unwrap();
        assert!(received.id.is_some(), "every runtime event has an id");
        if let RuntimeEvent::JobDispatch(job) = received.event {
            return job;
        }
    }
}

async fn available(client: &Client) -> Money {
    client.get_wallet().call().await.unwrap().ut.available
}

#[tokio::test]
async fn a2a_task_completes_with_runtime_seller() {
    let setup = setup(fast_protocols()).await;
    let buyer_before = available(&setup.buyer).await;
    let seller_before = available(&setup.seller).await;
    let seller_runtime = fast_runtime(&setup.seller);
    let mut jobs = seller_runtime.connect().await.unwrap();

    let a2a = setup.buyer.a2a();
    let task = a2a
        .send(SendParams::new(&setup.capability_id).text("please"))
        .await
        .unwrap();
    assert_eq!(task.status.state, TaskState::Submitted);
    assert_eq!(task.transaction_status.as_deref(), Some("pending_freeze"));
    let mut updates = a2a.subscribe(&task.id).await.unwrap();
    let first = updates.next().await.unwrap().unwrap();
    assert_eq!(first.status.state, TaskState::Submitted);

    let tx_id: uuid::Uuid = task.id.parse().unwrap();
    setup
        .buyer
        .freeze_transaction()
        .tx_id(tx_id)
        .call()
        .await
        .unwrap();
    let job = next_job(&mut jobs).await;
    assert_eq!(job.transaction_id, task.id);
    seller_runtime.accept_job(&job.job_id).await.unwrap();
    let result = serde_json::json!({"text": "done"});
    let delivered = seller_runtime
        .deliver_job(&job.job_id, result)
        .await
        .unwrap();
    assert_eq!(delivered.data.status.as_deref(), Some("delivered"));

    loop {
        let task = updates.next().await.unwrap().unwrap();
        if task.status.state == TaskState::InputRequired {
            assert!(task.artifacts.is_some());
            break;
        }
        assert_eq!(task.status.state, TaskState::Working);
    }
    setup
        .buyer
        .confirm_transaction()
        .tx_id(tx_id)
        .call()
        .await
        .unwrap();
    let last = updates.finish().await.unwrap();
    assert_eq!(last.status.state, TaskState::Completed);
    assert_eq!(last.transaction_status.as_deref(), Some("settled"));

    assert_eq!(available(&setup.buyer).await, buyer_before - setup.price);
    assert_eq!(available(&setup.seller).await, seller_before + setup.price);
}

#[tokio::test]
async fn auto_seller_drives_subscription_to_completed() {
    let setup = setup(fast_protocols()).await;
    let before = available(&setup.buyer).await;
    let a2a = setup.buyer.a2a();
    let task = a2a
        .send(SendParams::new(&setup.capability_id))
        .await
        .unwrap();
    let mut states = Vec::new();
    let mut updates = a2a.subscribe(&task.id).await.unwrap();
    while let Some(task) = updates.next().await.unwrap() {
        states.push(task.status.state);
    }
    assert_eq!(states.first(), Some(&TaskState::Submitted));
    assert_eq!(states.last(), Some(&TaskState::Completed));
    assert!(states.contains(&TaskState::InputRequired));
    assert_eq!(available(&setup.buyer).await, before - setup.price);
}

#[tokio::test]
async fn runtime_cut_mid_event_resumes_without_duplicates() {
    let faults = StreamFaults {
        cut_runtime_after_events: Some(1),
        ..StreamFaults::default()
    };
    let setup = setup(ProtocolConfig {
        faults,
        ..fast_protocols()
    })
    .await;
    let mut transactions = Vec::new();
    for _ in 0..3 {
        let body = uumit::types::TransactionCreate::builder()
            .capability_id(setup.capability_id.parse::<uuid::Uuid>().unwrap());
        let created = setup
            .buyer
            .create_transaction()
            .body(body)
            .call()
            .await
            .unwrap();
        setup
            .buyer
            .freeze_transaction()
            .tx_id(created.id)
            .call()
            .await
            .unwrap();
        transactions.push(created.id.to_string());
    }
    let runtime = fast_runtime(&setup.seller);
    let mut events = runtime.connect().await.unwrap();
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(next_job(&mut events).await.transaction_id);
    }
    seen.sort();
    transactions.sort();
    assert_eq!(seen, transactions);
    let extra = tokio::time::timeout(Duration::from_millis(600), next_job(&mut events)).await;
    assert!(extra.is_err(), "a job was delivered twice: {extra:?}");
}

#[tokio::test]
async fn subscription_json_error_is_typed() {
    let faults = StreamFaults {
        subscribe_json_error: true,
        ..StreamFaults::default()
    };
    let setup = setup(ProtocolConfig {
        faults,
        ..fast_protocols()
    })
    .await;
    let a2a = setup.buyer.a2a();
    let task = a2a
        .send(SendParams::new(&setup.capability_id))
        .await
        .unwrap();
    let error = a2a.subscribe(&task.id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::JsonRpc);
    assert_eq!(RpcErrorCode::of(&error), Some(RpcErrorCode::InternalError));
}

#[tokio::test]
async fn subscription_ending_early_is_distinct_error() {
    let faults = StreamFaults {
        subscribe_end_early: true,
        ..StreamFaults::default()
    };
    let setup = setup(ProtocolConfig {
        faults,
        auto_seller: None,
        ..fast_protocols()
    })
    .await;
    let a2a = setup.buyer.a2a();
    let task = a2a
        .send(SendParams::new(&setup.capability_id))
        .await
        .unwrap();
    let updates = a2a.subscribe(&task.id).await.unwrap();
    let error = updates.finish().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::StreamEnded);
    assert!(error.to_string().contains("submitted"), "{error}");
}

#[tokio::test]
async fn a2a_errors_are_typed() {
    let setup = setup(fast_protocols()).await;
    let a2a = setup.buyer.a2a();
    let missing = a2a
        .get(&uuid::Uuid::new_v4().to_string())
        .await
        .unwrap_err();
    assert_eq!(RpcErrorCode::of(&missing), Some(RpcErrorCode::TaskNotFound));
    let bad = a2a.send(SendParams::new("not-a-uuid")).await.unwrap_err();
    assert_eq!(RpcErrorCode::of(&bad), Some(RpcErrorCode::InvalidParams));
    assert!(bad.data().unwrap()["detail"].is_string());

    let task = a2a
        .send(SendParams::new(&setup.capability_id))
        .await
        .unwrap();
    let tx_id: uuid::Uuid = task.id.parse().unwrap();
    setup
        .buyer
        .freeze_transaction()
        .tx_id(tx_id)
        .call()
        .await
        .unwrap();
    setup
        .seller
        .accept_transaction()
        .tx_id(tx_id)
        .call()
        .await
        .unwrap();
    let refused = a2a.cancel(&task.id).await.unwrap_err();
    assert_eq!(
        RpcErrorCode::of(&refused),
        Some(RpcErrorCode::TaskNotCancelable)
    );
    let current = a2a.get(&task.id).await.unwrap();
    assert_eq!(current.status.state, TaskState::Working);

    let other = a2a
        .send(SendParams::new(&setup.capability_id))
        .await
        .unwrap();
    let cancelled = a2a.cancel(&other.id).await.unwrap();
    assert_eq!(cancelled.status.state, TaskState::Canceled);
}

#[tokio::test]
async fn a2a_send_replays_same_idempotency_key() {
    let setup = setup(fast_protocols()).await;
    let a2a = setup.buyer.a2a();
    let params = || SendParams::new(&setup.capability_id).idempotency_key("order-7");
    let first = a2a.send(params()).await.unwrap();
    let second = a2a.send(params()).await.unwrap();
    assert_eq!(first.id, second.id);
}

#[tokio::test]
async fn a2a_bad_credentials_are_http_401() {
    let setup = setup(fast_protocols()).await;
    let stranger = Client::builder()
        .base_url(setup.buyer.base_url().as_str())
        .credentials("wrong", uuid::Uuid::new_v4().to_string())
        .build()
        .unwrap();
    let error = stranger.a2a().get("x").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(error.kind(), ErrorKind::Api);
}

#[tokio::test]
async fn second_deliver_is_conflict() {
    let setup = setup(fast_protocols()).await;
    let runtime = fast_runtime(&setup.seller);
    let mut events = runtime.connect().await.unwrap();
    let body = uumit::types::TransactionCreate::builder()
        .capability_id(setup.capability_id.parse::<uuid::Uuid>().unwrap());
    let created = setup
        .buyer
        .create_transaction()
        .body(body)
        .call()
        .await
        .unwrap();
    setup
        .buyer
        .freeze_transaction()
        .tx_id(created.id)
        .call()
        .await
        .unwrap();
    let job = next_job(&mut events).await;
    runtime.accept_job(&job.job_id).await.unwrap();
    let payload = serde_json::json!({"job_id": job.job_id, "result_payload": {"n": 1}});
    let action = uumit_api::open_enums::RuntimeAction::DeliverJob;
    runtime
        .act(action.clone(), payload.clone(), "d-1")
        .await
        .unwrap();
    let replayed = runtime
        .act(action.clone(), payload.clone(), "d-1")
        .await
        .unwrap();
    assert_eq!(replayed.data.status.as_deref(), Some("delivered"));
    let error = runtime.act(action, payload, "d-2").await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(409));
}

#[tokio::test]
async fn runtime_maintenance_is_503_with_retry_after() {
    let setup = setup(ProtocolConfig {
        runtime_maintenance: true,
        ..fast_protocols()
    })
    .await;
    let error = setup.seller.runtime().connect().await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn runtime_sends_heartbeats_and_messages() {
    let setup = setup(fast_protocols()).await;
    let runtime = fast_runtime(&setup.seller);
    let mut events = runtime.connect().await.unwrap();
    let first = events.next().await.unwrap().unwrap();
    assert!(
        matches!(first.event, RuntimeEvent::Heartbeat { .. }),
        "{first:?}"
    );
    let seller_id = setup.seller.user_id().unwrap().to_owned();
    let sent = setup
        .buyer
        .runtime()
        .send_message(&seller_id, "transaction", "t-1", "hello")
        .await
        .unwrap();
    loop {
        let received = events.next().await.unwrap().unwrap();
        if let RuntimeEvent::AgentMsg(message) = received.event {
            assert_eq!(message.content, "hello");
            assert_eq!(
                Some(message.message_id),
                sent.data.message_id.map(|m| m.to_string())
            );
            break;
        }
    }
}

#[tokio::test]
async fn ai_create_streams_draft() {
    let setup = setup(fast_protocols()).await;
    let mut stream = setup
        .buyer
        .ai_create_task_stream("Translate a product manual to German")
        .await
        .unwrap();
    let mut text = String::new();
    let draft = loop {
        match stream.next().await.unwrap().unwrap() {
            DraftEvent::Delta(piece) => text.push_str(&piece),
            DraftEvent::Done(draft) => break draft,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(text.contains("Translate"));
    assert_eq!(draft.description, "Translate a product manual to German");
    assert!(stream.next().await.unwrap().is_none());

    let failing = setup
        .buyer
        .ai_create_task_stream("x [ai-error]")
        .await
        .unwrap();
    let error = failing.draft().await.unwrap_err();
    assert_eq!(error.code(), Some(5001));
}

/// Starts a one-shot server that sends `response` to one request, then reports whether
/// the client closed the connection.
async fn raw_server(response: &'static [u8]) -> (String, tokio::task::JoinHandle<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = [0u8; 4096];
        let _ = socket.read(&mut buffer).await.unwrap();
        socket.write_all(response).await.unwrap();
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buffer)).await;
        matches!(read, Ok(Ok(0)) | Ok(Err(_)))
    });
    (url, task)
}

fn anonymous(url: &str) -> Client {
    Client::builder().base_url(url).build().unwrap()
}

#[tokio::test]
async fn a2a_send_failure_keeps_its_key() {
    // The server reads the request and closes the connection without a reply, as when the
    // purchase is made and its reply is lost.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0u8; 8192];
        let read = socket.read(&mut buffer).await.unwrap();
        String::from_utf8_lossy(&buffer[..read]).to_lowercase()
    });
    let params = SendParams::new(uuid::Uuid::nil().to_string())
        .text("please")
        .idempotency_key("order-7");
    let error = anonymous(&url).a2a().send(params).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(error.idempotency_key(), Some("order-7"));
    assert_eq!(error.attempts(), 1);
    let message = error.to_string();
    assert!(message.contains("before a complete response"), "{message}");
    assert!(!message.contains("event stream"), "{message}");
    let request = server.await.unwrap();
    assert!(request.contains("idempotency-key: order-7"), "{request}");
}

/// Starts a loopback server that replies to one request with `head` and a JSON `body`.
async fn one_reply(head: &'static str, body: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buffer = vec![0u8; 8192];
        let _ = socket.read(&mut buffer).await.unwrap();
        let reply = format!(
            "{head}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(reply.as_bytes()).await.unwrap();
    });
    url
}

#[tokio::test]
async fn a2a_send_odd_replies_keep_the_key() {
    let params = || {
        SendParams::new(uuid::Uuid::nil().to_string())
            .text("please")
            .idempotency_key("order-8")
    };
    // The id the client derives from the key, so the reply matches the request.
    let shapeless = r#"{"jsonrpc":"2.0","id":"tasks/send:order-8","result":{"weird":1}}"#;
    let url = one_reply("HTTP/1.1 200 OK", shapeless.to_owned()).await;
    let error = anonymous(&url).a2a().send(params()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert_eq!(error.idempotency_key(), Some("order-8"));
    assert_eq!(error.attempts(), 1);

    let url = one_reply("HTTP/1.1 201 Created", "{}".to_owned()).await;
    let error = anonymous(&url).a2a().send(params()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http);
    assert_eq!(error.idempotency_key(), Some("order-8"));
    let message = error.to_string();
    assert!(
        message.contains("HTTP 201 for a JSON-RPC call"),
        "{message}"
    );
}

#[tokio::test]
async fn a2a_send_rejects_unsendable_key() {
    // Nothing listens here; the key is rejected before a connection is tried.
    let client = anonymous("http://127.0.0.1:9");
    let params = SendParams::new(uuid::Uuid::nil().to_string()).idempotency_key("order\n7");
    let error = client.a2a().send(params).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert_eq!(error.attempts(), 0);
    assert!(error.to_string().contains(r#""order\n7""#), "{error}");
}

#[tokio::test]
async fn dropping_stream_closes_connection() {
    let (url, closed) = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n10\r\ndata: 1234567\n\n\r\n",
    )
    .await;
    let client = anonymous(&url);
    let mut stream = EventStream::open(&client, StreamRequest::get("/s"), StreamOptions::new())
        .await
        .unwrap();
    let event = stream.next().await.unwrap().unwrap();
    assert_eq!(event.data, "1234567");
    drop(stream);
    assert!(
        closed.await.unwrap(),
        "the server did not see the disconnect"
    );
}

#[tokio::test]
async fn no_content_ends_stream_cleanly() {
    let (url, _closed) = raw_server(b"HTTP/1.1 204 No Content\r\n\r\n").await;
    let client = anonymous(&url);
    let mut stream = EventStream::open(&client, StreamRequest::get("/s"), StreamOptions::new())
        .await
        .unwrap();
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn wrong_content_type_is_error() {
    let (url, _closed) = raw_server(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
    )
    .await;
    let client = anonymous(&url);
    let error = EventStream::open(&client, StreamRequest::get("/s"), StreamOptions::new())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Http);
    assert!(error.to_string().contains("application/json"), "{error}");
}

#[tokio::test]
async fn reconnects_without_progress_are_bounded() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let mut requests = Vec::new();
        for _ in 0..4 {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = vec![0u8; 4096];
            let n = socket.read(&mut buffer).await.unwrap();
            requests.push(String::from_utf8_lossy(&buffer[..n]).into_owned());
            let body = if requests.len() == 1 {
                "id: 9\nretry: 10\ndata: first\n\n"
            } else {
                ": nothing new\n"
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(head.as_bytes()).await.unwrap();
        }
        requests
    });
    let client = anonymous(&url);
    let options = StreamOptions::new().max_reconnects(3);
    let mut stream = EventStream::open(&client, StreamRequest::get("/s"), options)
        .await
        .unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap().data, "first");
    let error = stream.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::StreamEnded);
    let requests = server.await.unwrap();
    assert!(!requests[0].to_lowercase().contains("last-event-id"));
    for request in &requests[1..] {
        assert!(
            request.to_lowercase().contains("last-event-id: 9"),
            "{request}"
        );
    }
}

/// Reads one HTTP request with a `content-length` body and returns its body.
async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let n = socket.read(&mut buffer).await.unwrap();
        data.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        let Some(split) = text.find("\r\n\r\n") else {
            continue;
        };
        let length = text[..split]
            .lines()
            .find_map(|l| {
                l.to_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        if data.len() >= split + 4 + length {
            return text[split + 4..].to_owned();
        }
    }
}

/// A JSON-RPC server that drops the first connection after reading the request, then
/// answers each later request with a task; returns the number of requests it read.
async fn flaky_rpc_server() -> (String, tokio::task::JoinHandle<usize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut requests = 0;
        while let Ok(Ok((mut socket, _))) =
            tokio::time::timeout(Duration::from_secs(2), listener.accept()).await
        {
            let body = read_request(&mut socket).await;
            requests += 1;
            if requests == 1 {
                continue;
            }
            let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"].clone();
            let reply = serde_json::json!({"jsonrpc": "2.0", "id": id, "result": {"id": "t", "status": "working"}});
            let text = reply.to_string();
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
        }
        requests
    });
    (url, task)
}

#[tokio::test]
async fn a2a_get_retried_after_dropped_connection() {
    let (url, server) = flaky_rpc_server().await;
    let task = anonymous(&url).a2a().get("t").await.unwrap();
    assert_eq!(task.status.state, TaskState::Working);
    assert_eq!(server.await.unwrap(), 2);
}

#[tokio::test]
async fn a2a_send_not_resent_after_write() {
    let (url, server) = flaky_rpc_server().await;
    let error = anonymous(&url)
        .a2a()
        .send(SendParams::new("c"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert_eq!(server.await.unwrap(), 1);
}

#[tokio::test]
async fn a2a_send_resent_when_caller_opts_in() {
    let (url, server) = flaky_rpc_server().await;
    let params = SendParams::new("c")
        .idempotency_key("k-1")
        .resend_after_write(true);
    anonymous(&url).a2a().send(params).await.unwrap();
    assert_eq!(server.await.unwrap(), 2);
}

#[tokio::test]
async fn buyer_cancel_sends_job_cancel() {
    let setup = setup(fast_protocols()).await;
    let runtime = fast_runtime(&setup.seller);
    let mut events = runtime.connect().await.unwrap();
    let body = uumit::types::TransactionCreate::builder()
        .capability_id(setup.capability_id.parse::<uuid::Uuid>().unwrap());
    let created = setup
        .buyer
        .create_transaction()
        .body(body)
        .call()
        .await
        .unwrap();
    setup
        .buyer
        .freeze_transaction()
        .tx_id(created.id)
        .call()
        .await
        .unwrap();
    let job = next_job(&mut events).await;
    setup
        .buyer
        .cancel_transaction()
        .tx_id(created.id)
        .call()
        .await
        .unwrap();

    loop {
        let received = events.next().await.unwrap().unwrap();
        if let RuntimeEvent::JobCancel { job_id, reason } = received.event {
            assert_eq!(job_id, job.job_id);
            assert!(!reason.is_empty());
            break;
        }
    }
    let error = runtime.accept_job(&job.job_id).await.unwrap_err();
    assert_eq!(error.code(), Some(4501));
}

#[tokio::test]
async fn streams_wake_on_each_change() {
    // Heartbeats and the fallback poll are a minute apart, so each step below that
    // arrives within two seconds was woken by the change itself.
    let slow = ProtocolConfig {
        heartbeat_interval: Duration::from_secs(60),
        poll_interval: Duration::from_secs(60),
        ..ProtocolConfig::default()
    };
    let setup = setup(slow).await;
    let soon = Duration::from_secs(2);
    let seller_runtime = fast_runtime(&setup.seller);
    let mut events = seller_runtime.connect().await.unwrap();
    let a2a = setup.buyer.a2a();
    let task = a2a
        .send(SendParams::new(&setup.capability_id))
        .await
        .unwrap();
    let mut updates = a2a.subscribe(&task.id).await.unwrap();
    let first = tokio::time::timeout(soon, updates.next()).await;
    assert_eq!(
        first.unwrap().unwrap().unwrap().status.state,
        TaskState::Submitted
    );

    let tx_id: uuid::Uuid = task.id.parse().unwrap();
    setup
        .buyer
        .freeze_transaction()
        .tx_id(tx_id)
        .call()
        .await
        .unwrap();
    let job = tokio::time::timeout(soon, next_job(&mut events)).await;
    let job = job.expect("the freeze dispatches a job at once");
    let working = tokio::time::timeout(soon, updates.next()).await;
    let working = working.expect("the freeze updates the subscription at once");
    assert_eq!(working.unwrap().unwrap().status.state, TaskState::Working);

    setup
        .buyer
        .cancel_transaction()
        .tx_id(tx_id)
        .call()
        .await
        .unwrap();
    let cancel = tokio::time::timeout(soon, async {
        loop {
            let received = events.next().await.unwrap().unwrap();
            if let RuntimeEvent::JobCancel { job_id, .. } = received.event {
                return job_id;
            }
        }
    })
    .await;
    assert_eq!(
        cancel.expect("the cancel reaches the seller at once"),
        job.job_id
    );
    let last = tokio::time::timeout(soon, updates.finish()).await;
    let last = last.expect("the cancel ends the subscription at once");
    assert_eq!(last.unwrap().status.state, TaskState::Canceled);
}
