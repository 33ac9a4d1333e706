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
    for query in ["page=0", "page_size=101", "page=abc"] {
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
