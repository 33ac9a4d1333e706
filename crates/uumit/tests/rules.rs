//! The facade's retry, redirect, timeout and decoding rules, against small scripted
//! servers on loopback that misbehave on purpose.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use uumit::prelude::*;
use uumit::{CallOptions, Client, ErrorKind, RetryPolicy, types};

/// What the scripted server saw: one entry per request.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Request>>>);

#[derive(Clone, Debug)]
struct Request {
    headers: HeaderMap,
    body: String,
    at: Instant,
}

impl Seen {
    fn push(&self, headers: HeaderMap, body: String) -> usize {
        let mut seen = self.0.lock().unwrap();
        seen.push(Request {
            headers,
            body,
            at: Instant::now(),
        });
        seen.len()
    }

    fn all(&self) -> Vec<Request> {
        self.0.lock().unwrap().clone()
    }
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn client(address: SocketAddr) -> Client {
    Client::builder()
        .base_url(format!("http://{address}"))
        .credentials("secret-test-key", "6a1f0d4e-1111-4222-8333-944455556666")
        .retry_policy(fast_policy())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn envelope(data: Value) -> Value {
    json!({"code": 0, "message": "success", "data": data, "timestamp": 1_700_000_000})
}

fn wallet() -> Value {
    let balance = json!({"available": "10.00", "frozen": "0.00", "total": "10.00"});
    json!({"ut": balance, "cash": balance})
}

fn transaction() -> Value {
    json!({
        "id": "3f1c2a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
        "buyer_user_id": "6a1f0d4e-1111-4222-8333-944455556666",
        "seller_user_id": "7b2f0d4e-1111-4222-8333-944455556666",
        "capability_id": "8c3f0d4e-1111-4222-8333-944455556666",
        "transaction_type": "per_use",
        "price_ut": "12.00",
        "status": "pending_freeze",
        "created_at": "2026-04-09T08:00:00Z",
        "updated_at": "2026-04-09T08:00:00Z",
    })
}

fn create_body() -> types::builder::TransactionCreate {
    types::TransactionCreate::builder().capability_id(uuid::Uuid::nil())
}

/// A create endpoint that fails with `failure` for the first `failures` requests.
fn flaky_create(failures: usize, failure: fn() -> Response) -> (Router, Seen) {
    let seen = Seen::default();
    let handler = move |State(seen): State<Seen>, headers: HeaderMap, body: String| async move {
        let count = seen.push(headers, body);
        if count <= failures {
            failure()
        } else {
            axum::Json(envelope(transaction())).into_response()
        }
    };
    let router = Router::new()
        .route("/api/v1/transactions", post(handler))
        .with_state(seen.clone());
    (router, seen)
}

fn unavailable() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "<html>maintenance</html>").into_response()
}

#[tokio::test]
async fn retries_reuse_one_idempotency_key() {
    let (router, seen) = flaky_create(2, unavailable);
    let client = client(serve(router).await);
    let reply = client
        .create_transaction()
        .body(create_body())
        .call_with(CallOptions::new())
        .await
        .unwrap();
    let requests = seen.all();
    assert_eq!(reply.attempts, 3);
    assert_eq!(requests.len(), 3);
    let keys: Vec<_> = requests
        .iter()
        .map(|r| r.headers["idempotency-key"].to_str().unwrap().to_owned())
        .collect();
    assert!(
        keys.iter()
            .all(|k| Some(k) == reply.idempotency_key.as_ref()),
        "{keys:?}"
    );
    for request in &requests {
        let body: Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(
            body["idempotency_key"].as_str(),
            reply.idempotency_key.as_deref(),
            "body key differs from header"
        );
    }
}

#[tokio::test]
async fn unsendable_idempotency_key_is_rejected() {
    let (router, seen) = flaky_create(0, unavailable);
    let client = client(serve(router).await);

    let long = "k".repeat(129);
    let cases = [
        (
            "order\n42",
            "\"order\\n42\" has a character outside printable ASCII",
        ),
        ("заказ-42", "has a character outside printable ASCII"),
        ("", "is empty"),
        (long.as_str(), "is longer than 128 characters"),
        (" order-42", "starts or ends with a space"),
    ];
    for (key, problem) in cases {
        let options = CallOptions::new().idempotency_key(key);
        let error = client
            .create_transaction()
            .body(create_body())
            .call_with(options)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{key:?}");
        assert_eq!(error.attempts(), 0, "{key:?}");
        assert!(!error.is_retryable(), "{key:?}");
        assert!(error.to_string().contains(problem), "{error}");
        assert!(
            error.to_string().contains("printable ASCII characters"),
            "{error}"
        );
    }

    let in_header = client
        .create_transaction()
        .idempotency_key("заказ-42")
        .body(create_body())
        .call()
        .await
        .unwrap_err();
    assert_eq!(in_header.kind(), ErrorKind::InvalidRequest);
    assert!(in_header.to_string().contains("заказ-42"), "{in_header}");

    let in_body = create_body().idempotency_key("order\t42".to_owned());
    let error = client
        .create_transaction()
        .body(in_body)
        .call()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(seen.all().is_empty(), "a request with a bad key was sent");
}

#[tokio::test]
async fn builder_errors_name_the_parameter_and_fix() {
    // Nothing is sent, so no server is needed.
    let client = client(SocketAddr::from(([127, 0, 0, 1], 9)));
    let missing = client.get_transaction().call().await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::InvalidRequest);
    let expected = "the required parameter `tx_id` is not set: call `.tx_id(...)`";
    assert!(missing.to_string().contains(expected), "{missing}");

    let invalid = client
        .get_transaction()
        .tx_id("not-a-uuid")
        .call()
        .await
        .unwrap_err();
    assert_eq!(invalid.kind(), ErrorKind::InvalidRequest);
    let expected = "the value passed to `.tx_id(...)` does not convert to `uuid::Uuid`";
    assert!(invalid.to_string().contains(expected), "{invalid}");

    let no_body = client.create_transaction().call().await.unwrap_err();
    let expected = "the body is missing its required field `capability_id`";
    assert!(no_body.to_string().contains(expected), "{no_body}");

    let zero = client.list_capabilities().page(0).call().await.unwrap_err();
    let expected =
        "`.page(...)` does not convert to `std::num::NonZeroU64`: pass a number greater than 0";
    assert!(zero.to_string().contains(expected), "{zero}");
}

#[tokio::test]
async fn longest_idempotency_key_is_sent() {
    let (router, seen) = flaky_create(0, unavailable);
    let client = client(serve(router).await);
    let key = "k".repeat(128);
    let reply = client
        .create_transaction()
        .body(create_body())
        .call_with(CallOptions::new().idempotency_key(&key))
        .await
        .unwrap();
    assert_eq!(reply.idempotency_key.as_deref(), Some(key.as_str()));
    assert_eq!(seen.all()[0].headers["idempotency-key"], key.as_str());
}

#[tokio::test]
async fn retries_stop_at_policy_limit() {
    let (router, seen) = flaky_create(10, unavailable);
    let client = client(serve(router).await);
    let error = client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap_err();
    assert_eq!(seen.all().len(), 3);
    assert_eq!(error.attempts(), 3);
    assert_eq!(error.kind(), ErrorKind::Http);
    assert_eq!(error.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(error.is_retryable());
    assert!(error.idempotency_key().is_some());
    assert_eq!(error.body_excerpt(), Some("<html>maintenance</html>"));
}

#[tokio::test]
async fn per_call_retries_override_policy() {
    let (router, seen) = flaky_create(10, unavailable);
    let client = client(serve(router).await);
    let options = CallOptions::new().max_retries(0);
    let error = client
        .create_transaction()
        .body(create_body())
        .call_with(options)
        .await
        .unwrap_err();
    assert_eq!(seen.all().len(), 1);
    assert_eq!(error.attempts(), 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let bad_request = || {
        let body = json!({"code": 1001, "message": "bad capability", "data": null, "timestamp": 1});
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    };
    let (router, seen) = flaky_create(10, bad_request);
    let client = client(serve(router).await);
    let error = client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap_err();
    assert_eq!(seen.all().len(), 1);
    assert_eq!(error.code(), Some(1001));
    assert_eq!(error.message(), "bad capability");
}

#[tokio::test]
async fn retry_after_milliseconds_is_honoured() {
    let throttled = || {
        let body = json!({"code": 1009, "message": "slow down", "data": null, "timestamp": 1});
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after-ms", "300")],
            axum::Json(body),
        )
            .into_response()
    };
    let (router, seen) = flaky_create(1, throttled);
    let client = client(serve(router).await);
    client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap();
    let requests = seen.all();
    let waited = requests[1].at - requests[0].at;
    assert!(
        waited >= Duration::from_millis(290),
        "waited only {waited:?}"
    );
}

#[tokio::test]
async fn retry_after_date_is_honoured() {
    let throttled = || {
        let at = std::time::SystemTime::now() + Duration::from_secs(2);
        let date = httpdate::fmt_http_date(at);
        (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", date)],
            "down",
        )
            .into_response()
    };
    let (router, seen) = flaky_create(1, throttled);
    let client = client(serve(router).await);
    client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap();
    let requests = seen.all();
    let waited = requests[1].at - requests[0].at;
    // HTTP dates have whole seconds, so the wait is between one and two seconds.
    assert!(
        waited >= Duration::from_millis(900),
        "waited only {waited:?}"
    );
}

#[tokio::test]
async fn long_retry_after_returns_at_once() {
    let throttled = || {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "3600")],
            "later",
        )
            .into_response()
    };
    let (router, seen) = flaky_create(10, throttled);
    let client = client(serve(router).await);
    let started = Instant::now();
    let error = client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(seen.all().len(), 1);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert!(error.is_retryable());
}

#[tokio::test]
async fn garbage_retry_after_falls_back_to_backoff() {
    let throttled = || {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "soon-ish")],
            "later",
        )
            .into_response()
    };
    let (router, seen) = flaky_create(1, throttled);
    let client = client(serve(router).await);
    client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap();
    assert_eq!(seen.all().len(), 2);
}

#[tokio::test]
async fn daily_quota_is_not_retried() {
    let quota = || {
        let body =
            json!({"code": 1010, "message": "daily quota exceeded", "data": null, "timestamp": 1});
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", "1")],
            axum::Json(body),
        )
            .into_response()
    };
    let (router, seen) = flaky_create(10, quota);
    let client = client(serve(router).await);
    let error = client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap_err();
    assert_eq!(seen.all().len(), 1);
    assert_eq!(error.api_code(), Some(uumit::ApiCode::DailyQuotaExceeded));
}

#[tokio::test]
async fn timeout_is_retried_then_reported() {
    let seen = Seen::default();
    let slow = |State(seen): State<Seen>, headers: HeaderMap| async move {
        seen.push(headers, String::new());
        tokio::time::sleep(Duration::from_secs(3)).await;
        axum::Json(envelope(wallet()))
    };
    let address = serve(
        Router::new()
            .route("/api/v1/wallet", get(slow))
            .with_state(seen.clone()),
    )
    .await;
    let client = client(address);
    let options = CallOptions::new()
        .timeout(Duration::from_millis(150))
        .max_retries(1);
    let error = client.get_wallet().call_with(options).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(seen.all().len(), 2);
    assert!(std::error::Error::source(&error).is_some());
}

#[tokio::test]
async fn decode_failure_names_json_path() {
    let broken = || async {
        let mut data = wallet();
        data["ut"]["available"] = json!("ten");
        axum::Json(envelope(data))
    };
    let client = client(serve(Router::new().route("/api/v1/wallet", get(broken))).await);
    let error = client.get_wallet().call().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.decode_path(), Some("data.ut.available"));
    assert!(error.body_excerpt().unwrap().contains("\"ten\""));
    assert!(error.to_string().contains("data.ut.available"), "{error}");
}

#[tokio::test]
async fn null_data_on_success_is_decode_error() {
    let empty = || async { axum::Json(envelope(Value::Null)) };
    let client = client(serve(Router::new().route("/api/v1/wallet", get(empty))).await);
    let error = client.get_wallet().call().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert_eq!(error.decode_path(), Some("data"));
}

#[tokio::test]
async fn oversized_body_is_rejected() {
    let huge = || async { "x".repeat(4096) };
    let address = serve(Router::new().route("/api/v1/wallet", get(huge))).await;
    let client = Client::builder()
        .base_url(format!("http://{address}"))
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = client.get_wallet().call().await.unwrap_err();
    assert!(error.to_string().contains("1024 bytes"), "{error}");
}

#[tokio::test]
async fn same_origin_307_keeps_method_and_body() {
    let seen = Seen::default();
    let moved = || async {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [("location", "/api/v1/transactions/")],
        )
            .into_response()
    };
    let target = |State(seen): State<Seen>, headers: HeaderMap, body: String| async move {
        seen.push(headers, body);
        axum::Json(envelope(transaction()))
    };
    let router = Router::new()
        .route("/api/v1/transactions", post(moved))
        .route("/api/v1/transactions/", post(target))
        .with_state(seen.clone());
    let client = client(serve(router).await);
    client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap();
    let requests = seen.all();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].body.contains("capability_id"));
    assert_eq!(requests[0].headers["x-api-key"], "secret-test-key");
}

#[tokio::test]
async fn cross_origin_redirect_drops_credentials() {
    let seen = Seen::default();
    let target = |State(seen): State<Seen>, headers: HeaderMap| async move {
        seen.push(headers, String::new());
        axum::Json(envelope(wallet()))
    };
    let other = serve(
        Router::new()
            .route("/wallet", get(target))
            .with_state(seen.clone()),
    )
    .await;
    let location = format!("http://{other}/wallet");
    let moved = move || async move {
        (StatusCode::TEMPORARY_REDIRECT, [("location", location)]).into_response()
    };
    let client = client(serve(Router::new().route("/api/v1/wallet", get(moved))).await);
    client.get_wallet().call().await.unwrap();
    let requests = seen.all();
    assert_eq!(requests.len(), 1);
    assert!(!requests[0].headers.contains_key("x-api-key"));
    assert!(!requests[0].headers.contains_key("x-platform-user-id"));
}

#[tokio::test]
async fn redirect_that_would_drop_post_body_is_refused() {
    let moved = || async { (StatusCode::FOUND, [("location", "/elsewhere")]).into_response() };
    let client = client(serve(Router::new().route("/api/v1/transactions", post(moved))).await);
    let error = client
        .create_transaction()
        .body(create_body())
        .call()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect);
}

#[tokio::test]
async fn redirect_loop_stops() {
    let moved = || async {
        (
            StatusCode::TEMPORARY_REDIRECT,
            [("location", "/api/v1/wallet")],
        )
            .into_response()
    };
    let client = client(serve(Router::new().route("/api/v1/wallet", get(moved))).await);
    let error = client.get_wallet().call().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Redirect);
    assert!(error.to_string().contains("redirects"), "{error}");
}

#[tokio::test]
async fn connection_closed_mid_body_is_retried() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let count = Arc::new(Mutex::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = vec![0u8; 8192];
            let _ = socket.read(&mut buffer).await;
            let attempt = {
                let mut count = counter.lock().unwrap();
                *count += 1;
                *count
            };
            let body = envelope(wallet()).to_string();
            let reply = if attempt == 1 {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
                    body.len(),
                    &body[..10]
                )
            } else {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            let _ = socket.write_all(reply.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    let client = client(address);
    let wallet = client.get_wallet().call().await.unwrap();
    assert_eq!(wallet.ut.available.to_string(), "10.00");
    assert_eq!(*count.lock().unwrap(), 2);
}

#[tokio::test]
async fn http_200_error_with_other_data_shape_is_api_error() {
    let refused = || async {
        let body = json!({"code": 3001, "message": "insufficient", "data": {"guidance": "top up"}, "error_code": "LOW_BALANCE", "timestamp": 1});
        ([("x-request-id", "req-7")], axum::Json(body))
    };
    let client = client(serve(Router::new().route("/api/v1/wallet", get(refused))).await);
    let error = client.get_wallet().call().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Api);
    assert_eq!(error.code(), Some(3001));
    assert_eq!(error.status(), Some(StatusCode::OK));
    assert_eq!(error.error_code(), Some("LOW_BALANCE"));
    assert_eq!(error.data().unwrap()["guidance"], "top up");
    assert_eq!(error.request_id(), Some("req-7"));
    assert_eq!(error.operation(), Some("get_wallet"));
}

#[tokio::test]
async fn unknown_enum_value_decodes_as_unknown() {
    let newer = || async {
        let mut data = transaction();
        data["status"] = json!("disputed");
        axum::Json(envelope(data))
    };
    let client = client(serve(Router::new().route("/api/v1/transactions/{id}", get(newer))).await);
    let transaction = client
        .get_transaction()
        .tx_id(uuid::Uuid::nil())
        .call()
        .await
        .unwrap();
    assert_eq!(
        transaction.status,
        uumit::enums::TransactionStatus::Unknown("disputed".into())
    );
    assert!(!transaction.status.is_known());
    assert_eq!(transaction.status.to_string(), "disputed");
}

#[tokio::test]
async fn requests_in_flight_stay_under_the_cap() {
    #[derive(Clone, Default)]
    struct Gauge {
        now: Arc<Mutex<usize>>,
        peak: Arc<Mutex<usize>>,
    }
    let gauge = Gauge::default();
    let slow = |State(gauge): State<Gauge>| async move {
        {
            let mut now = gauge.now.lock().unwrap();
            *now += 1;
            let mut peak = gauge.peak.lock().unwrap();
            *peak = (*peak).max(*now);
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        *gauge.now.lock().unwrap() -= 1;
        axum::Json(envelope(wallet()))
    };
    let router = Router::new()
        .route("/api/v1/wallet", get(slow))
        .with_state(gauge.clone());
    let address = serve(router).await;
    let client = Client::builder()
        .base_url(format!("http://{address}"))
        .credentials("secret-test-key", "6a1f0d4e-1111-4222-8333-944455556666")
        .max_concurrent_requests(3)
        .build()
        .unwrap();
    let calls = (0..12).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.get_wallet().call().await })
    });
    for call in futures::future::join_all(calls).await {
        assert!(call.unwrap().is_ok());
    }
    assert_eq!(*gauge.peak.lock().unwrap(), 3);
}

#[test]
fn zero_concurrent_requests_is_a_config_error() {
    let error = Client::builder()
        .base_url("http://127.0.0.1:9")
        .max_concurrent_requests(0)
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(
        error.to_string().contains("max_concurrent_requests"),
        "{error}"
    );
}
