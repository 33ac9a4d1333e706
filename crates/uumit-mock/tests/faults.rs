//! Fault injection over a real loopback socket: statuses, closed connections,
//! truncated bodies, HTML pages, delays, counting and random faults.

mod common;

use std::time::{Duration, Instant};

use common::{Emulator, cents};
use reqwest::Method;
use serde_json::json;

const WALLET: &str = "/api/v1/wallet";

#[tokio::test]
async fn status_fault_sends_envelope_and_retry_after() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let cases = [
        ("status=503; retry_after=2", 503, 9999, Some("2")),
        ("status=429", 429, 1009, Some("1")),
        ("status=500", 500, 9999, None),
        ("status=502", 502, 9999, None),
        ("status=504", 504, 9999, None),
        (
            "status=429; retry_after=huge",
            429,
            1009,
            Some("999999999999"),
        ),
        (
            "status=429; retry_after=garbage",
            429,
            1009,
            Some("soon, probably"),
        ),
    ];
    for (spec, status, code, retry_after) in cases {
        let request = emulator
            .request(&demo, Method::GET, WALLET)
            .header("X-Mock-Fault", spec);
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{spec}");
        let header = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(header.as_deref(), retry_after, "{spec}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], code, "{spec}");
    }
}

#[tokio::test]
async fn retry_after_can_be_http_date() {
    let emulator = Emulator::start().await;
    let request = emulator
        .request(&emulator.demo(), Method::GET, WALLET)
        .header("X-Mock-Fault", "status=503; retry_after=date:30");
    let response = request.send().await.unwrap();
    let header = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .to_owned();
    let date = httpdate::parse_http_date(&header).unwrap();
    let ahead = date.duration_since(std::time::SystemTime::now()).unwrap();
    assert!(ahead > Duration::from_secs(20), "{header}");
}

#[tokio::test]
async fn html_fault_sends_html_page() {
    let emulator = Emulator::start().await;
    let request = emulator
        .request(&emulator.demo(), Method::GET, WALLET)
        .header("X-Mock-Fault", "html=502");
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 502);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(response.text().await.unwrap().contains("<html>"));
}

#[tokio::test]
async fn close_before_skips_the_handler() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let capability = emulator.capability("per_use").await;
    let request = emulator
        .request(&demo, Method::POST, "/api/v1/transactions")
        .header("X-Mock-Fault", "close=before")
        .json(&json!({"capability_id": capability["id"]}));
    let error = request.send().await.unwrap_err();
    assert!(!error.is_status(), "{error}");
    let listed = emulator.get(&demo, "/api/v1/transactions").await;
    assert_eq!(listed["total"], 0);
}

#[tokio::test]
async fn close_after_charges_and_retry_replays() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let capability = emulator.capability("per_query").await;
    let path = format!(
        "/api/v1/capabilities/{}/invoke",
        capability["id"].as_str().unwrap()
    );
    let (before, _) = emulator.balance(&demo).await;
    let invoke = || {
        emulator
            .request(&demo, Method::POST, &path)
            .header("Idempotency-Key", "invoke-once")
            .header("X-Mock-Fault", "close=after; times=1")
            .json(&json!({"input": {"q": 1}}))
    };
    assert!(invoke().send().await.is_err());
    let (after_cut, _) = emulator.balance(&demo).await;
    let price = cents(capability["price_ut"].as_str().unwrap());
    assert_eq!(cents(&after_cut), cents(&before) - price);
    let (status, replayed) = emulator.send(invoke()).await;
    assert_eq!((status, &replayed["code"]), (200, &json!(0)));
    let (after_retry, _) = emulator.balance(&demo).await;
    assert_eq!(after_retry, after_cut);
}

#[tokio::test]
async fn truncate_cuts_body_below_length() {
    let emulator = Emulator::start().await;
    let request = emulator
        .request(&emulator.demo(), Method::GET, "/api/v1/capabilities")
        .header("X-Mock-Fault", "truncate");
    let response = request.send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let length = response.content_length().unwrap();
    assert!(length > 100);
    assert!(response.bytes().await.is_err());
}

#[tokio::test]
async fn delay_slows_response() {
    let emulator = Emulator::start().await;
    let started = Instant::now();
    let request = emulator
        .request(&emulator.demo(), Method::GET, WALLET)
        .header("X-Mock-Fault", "delay_ms=300");
    let (status, _) = emulator.send(request).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn times_counts_per_id_across_retries() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let send = |id: &str| {
        let spec = format!("status=503; times=2; id={id}");
        emulator.send(
            emulator
                .request(&demo, Method::GET, WALLET)
                .header("X-Mock-Fault", spec),
        )
    };
    let statuses = [
        send("a").await.0,
        send("a").await.0,
        send("a").await.0,
        send("b").await.0,
    ];
    assert_eq!(statuses, [503, 503, 200, 503]);
}

#[tokio::test]
async fn times_counts_per_idempotency_key() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let send = |key: &str| {
        let request = emulator
            .request(&demo, Method::POST, "/api/v1/capabilities/match")
            .header("X-Mock-Fault", "status=502; times=1")
            .header("Idempotency-Key", key)
            .json(&json!({"query": "data"}));
        emulator.send(request)
    };
    let statuses = [send("k1").await.0, send("k1").await.0, send("k2").await.0];
    assert_eq!(statuses, [502, 200, 502]);
}

#[tokio::test]
async fn run_fault_applies_to_every_request() {
    let fault = "status=503; times=1".parse().unwrap();
    let config = uumit_mock::MockConfig {
        fault: Some(fault),
        ..Default::default()
    };
    let emulator = Emulator::with(config).await;
    let demo = emulator.demo();
    let first = emulator
        .send(emulator.request(&demo, Method::GET, WALLET))
        .await
        .0;
    let second = emulator
        .send(emulator.request(&demo, Method::GET, WALLET))
        .await
        .0;
    assert_eq!((first, second), (503, 200));
}

#[tokio::test]
async fn random_faults_follow_the_seed() {
    let statuses = |seed: u64| async move {
        let config = uumit_mock::MockConfig {
            fault_rate: 0.5,
            fault_seed: seed,
            ..Default::default()
        };
        let emulator = Emulator::with(config).await;
        let demo = emulator.demo();
        let mut seen = Vec::new();
        for _ in 0..30 {
            let request = emulator.request(&demo, Method::GET, WALLET);
            let status = match request.send().await {
                Ok(response) => match response.bytes().await {
                    Ok(_) => 1,
                    Err(_) => 2,
                },
                Err(_) => 0,
            };
            seen.push(status);
        }
        seen
    };
    let first = statuses(7).await;
    assert_eq!(first, statuses(7).await);
    let failed = first.iter().filter(|s| **s != 1).count();
    assert!(failed > 0, "{first:?}");
}

#[tokio::test]
async fn bad_fault_header_is_ignored() {
    let emulator = Emulator::start().await;
    let request = emulator
        .request(&emulator.demo(), Method::GET, WALLET)
        .header("X-Mock-Fault", "explode=yes");
    assert_eq!(emulator.send(request).await.0, 200);
}

#[tokio::test]
async fn mock_paths_are_never_faulted() {
    let config = uumit_mock::MockConfig {
        fault: Some("status=500".parse().unwrap()),
        ..Default::default()
    };
    let emulator = Emulator::with(config).await;
    let request = emulator
        .http
        .post(emulator.url("/_mock/device-auth/approve"))
        .json(&json!({"user_code": "NOPE1234"}));
    assert_eq!(emulator.send(request).await.0, 404);
}

#[test]
fn fault_spec_errors_name_the_fix() {
    let error = "status=200".parse::<uumit_mock::Fault>().unwrap_err();
    assert!(error.contains("400 to 599"), "{error}");
    let error = "times=2".parse::<uumit_mock::Fault>().unwrap_err();
    assert!(error.contains("names no action"), "{error}");
    let error = "close=sometimes".parse::<uumit_mock::Fault>().unwrap_err();
    assert!(error.contains("close=before"), "{error}");
    let fault: uumit_mock::Fault = "sse_cut=3; id=s".parse().unwrap();
    assert_eq!(fault.sse_cut_after(), Some(3));
    let fault: uumit_mock::Fault = "rpc_error=-32603".parse().unwrap();
    assert_eq!(fault.rpc_error(), Some(-32603));
}

#[tokio::test]
async fn in_process_close_answers_502() {
    use tower::ServiceExt;
    let config = uumit_mock::MockConfig::default();
    let demo = uumit_mock::Store::seeded(config.seed).demo_user();
    let request = axum::http::Request::get(WALLET)
        .header("X-Api-Key", demo.api_key)
        .header("X-Platform-User-Id", demo.user_id)
        .header("X-Mock-Fault", "close=before")
        .body(axum::body::Body::empty())
        .unwrap();
    let response = uumit_mock::app(&config).oneshot(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 502);
}
