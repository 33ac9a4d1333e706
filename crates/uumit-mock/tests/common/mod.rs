//! A running emulator and a plain HTTP client that acts as any seeded user.

#![allow(
    dead_code,
    reason = "each test file uses a different part of this helper"
)]

use reqwest::{Method, RequestBuilder};
use serde_json::Value;

/// A seeded user's credentials.
#[derive(Clone, Debug)]
pub struct Who {
    pub api_key: String,
    pub user_id: String,
}

pub struct Emulator {
    pub server: uumit_mock::MockServer,
    pub http: reqwest::Client,
    pub users: Vec<Who>,
}

impl Emulator {
    pub async fn start() -> Self {
        Self::with(uumit_mock::MockConfig::default()).await
    }

    pub async fn with(config: uumit_mock::MockConfig) -> Self {
        let users = uumit_mock::Store::seeded(config.seed)
            .seeded_users()
            .into_iter()
            .map(|u| Who {
                api_key: u.api_key,
                user_id: u.user_id,
            })
            .collect();
        let server = uumit_mock::start(config).await.unwrap();
        Self {
            server,
            http: reqwest::Client::new(),
            users,
        }
    }

    pub fn demo(&self) -> Who {
        self.users[0].clone()
    }

    /// The seeded user with id `user_id`.
    pub fn user(&self, user_id: &str) -> Who {
        self.users
            .iter()
            .find(|u| u.user_id == user_id)
            .unwrap_or_else(|| panic!("no seeded user {user_id}"))
            .clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub fn request(&self, who: &Who, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header("X-Api-Key", &who.api_key)
            .header("X-Platform-User-Id", &who.user_id)
    }

    pub async fn send(&self, builder: RequestBuilder) -> (u16, Value) {
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, body)
    }

    /// GET `path` as `who`; returns the envelope's data after checking code 0.
    pub async fn get(&self, who: &Who, path: &str) -> Value {
        let (status, body) = self.send(self.request(who, Method::GET, path)).await;
        assert_eq!(
            (status, &body["code"]),
            (200, &Value::from(0)),
            "GET {path}: {body}"
        );
        body["data"].clone()
    }

    /// POST `body` to `path` as `who`; returns the HTTP status and the whole body.
    pub async fn post(&self, who: &Who, path: &str, body: Value) -> (u16, Value) {
        self.send(self.request(who, Method::POST, path).json(&body))
            .await
    }

    /// The first seeded capability with `pricing_model`.
    pub async fn capability(&self, pricing_model: &str) -> Value {
        let data = self
            .get(&self.demo(), "/api/v1/capabilities?page_size=100")
            .await;
        data["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["pricing_model"] == pricing_model)
            .unwrap_or_else(|| panic!("no {pricing_model} capability"))
            .clone()
    }

    /// The UT balance of `who` as (available, frozen).
    pub async fn balance(&self, who: &Who) -> (String, String) {
        let wallet = self.get(who, "/api/v1/wallet").await;
        (
            wallet["ut"]["available"].as_str().unwrap().to_owned(),
            wallet["ut"]["frozen"].as_str().unwrap().to_owned(),
        )
    }
}

/// Parses a two-place money string into hundredths.
pub fn cents(text: &str) -> i64 {
    text.parse::<uumit_api::Money>().unwrap().hundredths()
}
