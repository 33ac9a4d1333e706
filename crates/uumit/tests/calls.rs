//! The facade against the emulator over real loopback sockets.

use futures::TryStreamExt;
use uumit::prelude::*;
use uumit::{CallOptions, Client, ErrorKind, types};

async fn emulator() -> (uumit_mock::MockServer, Client) {
    let server = uumit_mock::start(uumit_mock::MockConfig::default())
        .await
        .unwrap();
    let demo = server.demo_user();
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials(demo.api_key, demo.user_id)
        .build()
        .unwrap();
    (server, client)
}

async fn first_per_use(client: &Client) -> types::CapabilityOut {
    let page = client
        .list_capabilities()
        .page_size(100)
        .call()
        .await
        .unwrap();
    page.items
        .into_iter()
        .find(|c| c.pricing_model.as_str() == "per_use")
        .unwrap()
}

#[tokio::test]
async fn public_call_needs_no_credentials() {
    let (server, _) = emulator().await;
    let anonymous = Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let stats = anonymous.get_community_stats().call().await.unwrap();
    assert!(stats.total_agents > 0);
}

#[tokio::test]
async fn missing_credentials_is_api_error_1002() {
    let (server, _) = emulator().await;
    let anonymous = Client::builder()
        .base_url(server.base_url())
        .build()
        .unwrap();
    let error = anonymous.get_wallet().call().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.code(), Some(1002));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(error.operation(), Some("get_wallet"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn wrong_key_is_1006() {
    let (server, _) = emulator().await;
    let demo = server.demo_user();
    let client = Client::builder()
        .base_url(server.base_url())
        .credentials("not-a-key", demo.user_id)
        .build()
        .unwrap();
    let error = client.get_wallet().call().await.unwrap_err();
    assert_eq!(error.code(), Some(1006));
    assert!(!format!("{error} {error:?}").contains("not-a-key"));
}

#[tokio::test]
async fn business_error_over_http_200_is_error() {
    let (_server, client) = emulator().await;
    let capability = first_per_use(&client).await;
    let body = types::TransactionCreate::builder().capability_id(capability.id);
    let created = client.create_transaction().body(body).call().await.unwrap();
    client
        .freeze_transaction()
        .tx_id(created.id)
        .call()
        .await
        .unwrap();
    let error = client
        .freeze_transaction()
        .tx_id(created.id)
        .call()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(error.code(), Some(4501));
    assert_eq!(error.api_code(), Some(uumit::ApiCode::OrderStatusConflict));
}

#[tokio::test]
async fn replayed_create_returns_same_transaction() {
    let (_server, client) = emulator().await;
    let capability = first_per_use(&client).await;
    let body = types::TransactionCreate::builder().capability_id(capability.id);
    let options = CallOptions::new().idempotency_key("same-intent");
    let first = client
        .create_transaction()
        .body(body.clone())
        .call_with(options.clone())
        .await
        .unwrap();
    let second = client
        .create_transaction()
        .body(body)
        .call_with(options)
        .await
        .unwrap();
    assert_eq!(first.data.id, second.data.id);
    assert_eq!(first.idempotency_key.as_deref(), Some("same-intent"));
}

#[tokio::test]
async fn generated_key_is_reported_and_unique() {
    let (_server, client) = emulator().await;
    let capability = first_per_use(&client).await;
    let body = types::TransactionCreate::builder().capability_id(capability.id);
    let first = client
        .create_transaction()
        .body(body.clone())
        .call_with(CallOptions::new())
        .await
        .unwrap();
    let second = client
        .create_transaction()
        .body(body)
        .call_with(CallOptions::new())
        .await
        .unwrap();
    let (Some(a), Some(b)) = (first.idempotency_key, second.idempotency_key) else {
        panic!("no key reported")
    };
    assert_ne!(a, b);
    assert!(uuid::Uuid::parse_str(&a).is_ok());
    assert_ne!(first.data.id, second.data.id);
}

#[tokio::test]
async fn body_key_is_used_when_no_option_given() {
    let (_server, client) = emulator().await;
    let capability = first_per_use(&client).await;
    let body = types::TransactionCreate::builder()
        .capability_id(capability.id)
        .idempotency_key(Some("from-body".to_owned()));
    let reply = client
        .create_transaction()
        .body(body)
        .call_with(CallOptions::new())
        .await
        .unwrap();
    assert_eq!(reply.idempotency_key.as_deref(), Some("from-body"));
}

#[tokio::test]
async fn reads_carry_no_idempotency_key() {
    let (_server, client) = emulator().await;
    let reply = client
        .get_wallet()
        .call_with(CallOptions::new())
        .await
        .unwrap();
    assert_eq!(reply.idempotency_key, None);
    assert_eq!(reply.attempts, 1);
}

#[tokio::test]
async fn items_stream_walks_every_page() {
    let (_server, client) = emulator().await;
    let all: Vec<types::CapabilityOut> = client
        .list_capabilities()
        .page_size(4)
        .items()
        .try_collect()
        .await
        .unwrap();
    let total = client.list_capabilities().call().await.unwrap().total;
    assert_eq!(all.len() as i64, total);
    let mut ids: Vec<_> = all.iter().map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as i64, total, "a page repeated items");
}

#[tokio::test]
async fn unreachable_server_is_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let policy = uumit::RetryPolicy {
        max_retries: 1,
        initial_backoff: std::time::Duration::from_millis(1),
        ..Default::default()
    };
    let client = Client::builder()
        .base_url(format!("http://{address}"))
        .retry_policy(policy)
        .build()
        .unwrap();
    let error = client.get_community_stats().call().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.is_retryable());
    assert_eq!(error.attempts(), 2);
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn key_over_plain_http_to_remote_host_is_refused() {
    let error = Client::builder()
        .base_url("http://api.example.test")
        .credentials("secret-key", "u")
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.to_string().contains("allow_insecure_http"));
    assert!(!format!("{error:?}").contains("secret-key"));
    let allowed = Client::builder()
        .base_url("http://api.example.test")
        .credentials("k", "u")
        .allow_insecure_http(true)
        .build();
    assert!(allowed.is_ok());
}

#[test]
fn invalid_base_url_names_value() {
    let error = Client::builder().base_url("ftp://x").build().unwrap_err();
    assert!(error.to_string().contains("ftp://x"), "{error}");
}
