//! The emulator's HTTP conventions, checked with a plain HTTP client over loopback.

use serde_json::{Value, json};

struct Emulator {
    server: uumit_mock::MockServer,
    http: reqwest::Client,
}

impl Emulator {
    async fn start() -> Self {
        let server = uumit_mock::start(uumit_mock::MockConfig::default())
            .await
            .unwrap();
        Self {
            server,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    fn authed(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let demo = self.server.demo_user();
        builder
            .header("X-Api-Key", demo.api_key)
            .header("X-Platform-User-Id", demo.user_id)
    }

    async fn send(&self, builder: reqwest::RequestBuilder) -> (u16, Value) {
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn capability(&self) -> String {
        let (_, body) = self
            .send(
                self.authed(
                    self.http
                        .get(self.url("/api/v1/capabilities?page_size=100")),
                ),
            )
            .await;
        let items = body["data"]["items"].as_array().unwrap();
        let item = items
            .iter()
            .find(|c| c["pricing_model"] == "per_use")
            .unwrap();
        item["id"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn success_is_enveloped() {
    let emulator = Emulator::start().await;
    let (status, body) = emulator
        .send(
            emulator
                .http
                .get(emulator.url("/api/v1/public/community-stats")),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["code"], 0);
    assert_eq!(body["message"], "success");
    assert!(body["timestamp"].as_i64().unwrap() > 1_700_000_000);
    assert!(
        body["data"]["total_income_ut"]
            .as_str()
            .unwrap()
            .contains('.')
    );
}

#[tokio::test]
async fn auth_failures_use_contract_codes() {
    let emulator = Emulator::start().await;
    let demo = emulator.server.demo_user();
    let cases = [
        (None, None, 401, 1002),
        (Some("wrong"), Some(demo.user_id.as_str()), 401, 1006),
        (
            Some(demo.api_key.as_str()),
            Some("6a1f0d4e-1111-4222-8333-944455556666"),
            403,
            1007,
        ),
        (Some(demo.api_key.as_str()), Some("not-a-uuid"), 401, 1002),
    ];
    for (key, user, status, code) in cases {
        let mut request = emulator.http.get(emulator.url("/api/v1/wallet"));
        if let Some(key) = key {
            request = request.header("X-Api-Key", key);
        }
        if let Some(user) = user {
            request = request.header("X-Platform-User-Id", user);
        }
        let (got_status, body) = emulator.send(request).await;
        assert_eq!(
            (got_status, body["code"].as_i64().unwrap()),
            (status, code),
            "{key:?} {user:?}"
        );
        assert_eq!(body["data"], Value::Null);
    }
}

#[tokio::test]
async fn invalid_body_is_fastapi_422() {
    let emulator = Emulator::start().await;
    let post = |body: &'static str| {
        emulator.authed(
            emulator
                .http
                .post(emulator.url("/api/v1/transactions"))
                .header("content-type", "application/json")
                .body(body),
        )
    };
    let (status, body) = emulator.send(post("{}")).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["body", "capability_id"]));
    assert_eq!(body["detail"][0]["type"], "missing");
    let (status, body) = emulator.send(post(r#"{"capability_id": "nope"}"#)).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["body", "capability_id"]));
    let (status, body) = emulator.send(post("{not json")).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "json_invalid");
}

#[tokio::test]
async fn invalid_query_and_path_are_422() {
    let emulator = Emulator::start().await;
    let cases = [
        ("page=0", "page"),
        ("page_size=101", "page_size"),
        ("page=abc", "page"),
        ("page_size=abc", "page_size"),
    ];
    for (query, parameter) in cases {
        let (status, body) = emulator
            .send(
                emulator.authed(
                    emulator
                        .http
                        .get(emulator.url(&format!("/api/v1/capabilities?{query}"))),
                ),
            )
            .await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(body["detail"][0]["loc"][0], "query", "{query}");
        assert_eq!(body["detail"][0]["loc"][1], parameter, "{query}");
    }
    let (status, body) = emulator
        .send(emulator.authed(emulator.http.get(emulator.url("/api/v1/transactions/123"))))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["path", "tx_id"]));
}

#[tokio::test]
async fn unknown_ids_and_routes_are_404() {
    let emulator = Emulator::start().await;
    let url = emulator.url("/api/v1/transactions/00000000-0000-4000-8000-000000000000");
    let (status, body) = emulator.send(emulator.authed(emulator.http.get(url))).await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(1004)));
    let (status, body) = emulator
        .send(emulator.http.get(emulator.url("/api/v2/nothing")))
        .await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(1004)));
}

#[tokio::test]
async fn idempotency_key_replays_first_response() {
    let emulator = Emulator::start().await;
    let capability = emulator.capability().await;
    let create = |body: Value| {
        emulator.authed(
            emulator
                .http
                .post(emulator.url("/api/v1/transactions"))
                .header("Idempotency-Key", "k-1")
                .json(&body),
        )
    };
    let (_, first) = emulator
        .send(create(json!({"capability_id": capability})))
        .await;
    // A different body with the same key still gets the first response.
    let (_, second) = emulator
        .send(create(
            json!({"capability_id": "00000000-0000-4000-8000-000000000000"}),
        ))
        .await;
    assert_eq!(first["data"]["id"], second["data"]["id"]);
    assert_eq!(first, second);
}

#[tokio::test]
async fn concurrent_same_key_creates_one_transaction() {
    let emulator = Emulator::start().await;
    let capability = emulator.capability().await;
    let requests = (0..16).map(|_| {
        let request = emulator
            .authed(emulator.http.post(emulator.url("/api/v1/transactions")))
            .header("Idempotency-Key", "burst")
            .json(&json!({"capability_id": capability}));
        emulator.send(request)
    });
    let replies = futures::future::join_all(requests).await;
    let ids: std::collections::BTreeSet<String> = replies
        .iter()
        .map(|(_, body)| body["data"]["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[tokio::test]
async fn freeze_moves_balance_once() {
    let emulator = Emulator::start().await;
    let capability = emulator.capability().await;
    let create = emulator
        .authed(emulator.http.post(emulator.url("/api/v1/transactions")))
        .json(&json!({"capability_id": capability}));
    let (_, created) = emulator.send(create).await;
    let id = created["data"]["id"].as_str().unwrap();
    let price = created["data"]["price_ut"].as_str().unwrap().to_owned();
    let freeze = || {
        emulator.authed(
            emulator
                .http
                .post(emulator.url(&format!("/api/v1/transactions/{id}/freeze"))),
        )
    };
    let (_, frozen) = emulator.send(freeze()).await;
    assert_eq!(frozen["data"]["status"], "frozen");
    let (status, again) = emulator.send(freeze()).await;
    assert_eq!((status, again["code"].as_i64()), (200, Some(4501)));
    let (_, wallet) = emulator
        .send(emulator.authed(emulator.http.get(emulator.url("/api/v1/wallet/"))))
        .await;
    assert_eq!(wallet["data"]["ut"]["frozen"], price.as_str());
}

#[tokio::test]
async fn openapi_is_served_verbatim() {
    let emulator = Emulator::start().await;
    for path in ["/openapi.json", "/api/v1/public/openapi.json"] {
        let text = emulator
            .http
            .get(emulator.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(text, uumit_api::OPENAPI_JSON, "{path}");
    }
}

#[tokio::test]
async fn oversized_body_is_413_envelope() {
    let emulator = Emulator::start().await;
    let huge = format!("{{\"capability_id\": \"{}\"}}", "x".repeat(2 << 20));
    let request = emulator.authed(
        emulator
            .http
            .post(emulator.url("/api/v1/transactions"))
            .header("content-type", "application/json")
            .body(huge),
    );
    let (status, body) = emulator.send(request).await;
    assert_eq!((status, body["code"].as_i64()), (413, Some(1001)));
}

#[tokio::test]
async fn hostile_json_is_422_not_a_crash() {
    let emulator = Emulator::start().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let bodies = [
        deep,
        r#"{"capability_id": 5}"#.to_owned(),
        r#"{"title": "t", "description": "d", "category": "c", "capability_type": "tool", "pricing_model": "per_use", "price_ut": 1e400}"#.to_owned(),
        r#"{"title": "t", "description": "d", "category": "c", "capability_type": "tool", "pricing_model": "per_use", "price_ut": "99999999999999999999"}"#.to_owned(),
        "\u{0}\u{1}".to_owned(),
    ];
    for body in bodies {
        let request = emulator.authed(
            emulator
                .http
                .post(emulator.url("/api/v1/capabilities"))
                .header("content-type", "application/json")
                .body(body.clone()),
        );
        let (status, _) = emulator.send(request).await;
        assert_eq!(status, 422, "{}", &body[..body.len().min(60)]);
    }
    let (status, _) = emulator
        .send(
            emulator
                .http
                .get(emulator.url("/api/v1/public/community-stats")),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn slash_forms_answer_the_same() {
    let emulator = Emulator::start().await;
    for path in [
        "/api/v1/wallet",
        "/api/v1/wallet/transactions",
        "/api/v1/tasks",
        "/api/v1/tasks/hall",
        "/api/v1/skills",
        "/api/v1/skills/hall",
    ] {
        let (plain, _) = emulator
            .send(emulator.authed(emulator.http.get(emulator.url(path))))
            .await;
        let (slashed, _) = emulator
            .send(emulator.authed(emulator.http.get(emulator.url(&format!("{path}/")))))
            .await;
        assert_eq!((plain, slashed), (200, 200), "{path}");
    }
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let config = uumit_mock::MockConfig {
        rate_limit_per_minute: Some(3),
        ..Default::default()
    };
    let server = uumit_mock::start(config).await.unwrap();
    let demo = server.demo_user();
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..4 {
        let response = http
            .get(format!("{}/api/v1/wallet", server.base_url()))
            .header("X-Api-Key", &demo.api_key)
            .header("X-Platform-User-Id", &demo.user_id)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        last = Some(response);
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    let last = last.unwrap();
    let retry_after: u64 = last.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["code"], 1009);
    let other = http
        .get(format!(
            "{}/api/v1/public/community-stats",
            server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status().as_u16(), 200);
}

#[tokio::test]
async fn body_idempotency_key_replays() {
    let emulator = Emulator::start().await;
    let capability = emulator.capability().await;
    let create = || {
        emulator.authed(
            emulator
                .http
                .post(emulator.url("/api/v1/transactions"))
                .json(&json!({"capability_id": capability, "idempotency_key": "body-1"})),
        )
    };
    let (_, first) = emulator.send(create()).await;
    let (_, second) = emulator.send(create()).await;
    assert_eq!(first["data"]["id"], second["data"]["id"]);
}

#[tokio::test]
async fn router_works_in_process() {
    use tower::ServiceExt;
    let config = uumit_mock::MockConfig::default();
    let demo = uumit_mock::Store::seeded(config.seed).demo_user();
    let request = axum::http::Request::get("/api/v1/wallet")
        .header("X-Api-Key", demo.api_key)
        .header("X-Platform-User-Id", demo.user_id)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = uumit_mock::app(&config).oneshot(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["data"]["ut"]["available"], "1500.00");
}

#[tokio::test]
async fn wrong_method_is_405_envelope() {
    let emulator = Emulator::start().await;
    let request = emulator.authed(emulator.http.delete(emulator.url("/api/v1/wallet")));
    let (status, body) = emulator.send(request).await;
    assert_eq!((status, body["code"].as_i64()), (405, Some(1001)));
}
