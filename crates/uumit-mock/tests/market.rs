//! Marketplace search, data APIs, digital assets, external agents, recommendations,
//! the cruise snapshot, the profile and agent cards, over a loopback socket.

mod common;

use common::{Emulator, cents};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn search_needs_a_keyword() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let found = emulator
        .get(&demo, "/api/v1/marketplace/search?keyword=finance&limit=1")
        .await;
    assert_eq!(found["data_apis"]["items"].as_array().unwrap().len(), 1);
    for query in ["", "?keyword=", "?keyword=x&limit=51"] {
        let path = format!("/api/v1/marketplace/search{query}");
        let (status, body) = emulator
            .send(emulator.request(&demo, Method::GET, &path))
            .await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(body["detail"][0]["loc"][0], "query", "{query}");
    }
}

#[tokio::test]
async fn data_marketplace_redirects_without_slash() {
    let emulator = Emulator::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let demo = emulator.demo();
    let response = client
        .get(emulator.url("/api/v1/data-marketplace?category=finance"))
        .header("X-Api-Key", &demo.api_key)
        .header("X-Platform-User-Id", &demo.user_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 307);
    assert_eq!(
        response.headers()["location"],
        "/api/v1/data-marketplace/?category=finance"
    );
    let listed = emulator
        .get(&demo, "/api/v1/data-marketplace/?category=finance")
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn data_list_filters_and_sorts() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let rated = emulator
        .get(&demo, "/api/v1/data-marketplace/?min_rating=4.5")
        .await;
    assert_eq!(rated["items"].as_array().unwrap().len(), 2);
    let cheap = emulator
        .get(&demo, "/api/v1/data-marketplace/?sort_by=price")
        .await;
    assert_eq!(cheap["items"][0]["price_ut"], "0.00");
    let (status, _) = emulator
        .send(emulator.request(&demo, Method::GET, "/api/v1/data-marketplace/?min_rating=6"))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn data_call_charges_unless_free() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let apis = emulator.get(&demo, "/api/v1/data-marketplace/").await;
    let items = apis["items"].as_array().unwrap();
    let free = items.iter().find(|a| a["price_ut"] == "0.00").unwrap();
    let paid = items.iter().find(|a| a["price_ut"] != "0.00").unwrap();
    let call = |api: &Value| {
        format!(
            "/api/v1/data-marketplace/{}/call",
            api["id"].as_str().unwrap()
        )
    };
    let (_, result) = emulator
        .post(&demo, &call(free), json!({"params": {"city": "Paris"}}))
        .await;
    assert_eq!(result["data"]["is_free"], true);
    assert_eq!(emulator.balance(&demo).await.0, "1500.00");
    let (_, result) = emulator
        .post(&demo, &call(paid), json!({"params": {}}))
        .await;
    assert_eq!(result["data"]["is_free"], false);
    let expected = 150_000 - cents(paid["price_ut"].as_str().unwrap());
    assert_eq!(cents(&emulator.balance(&demo).await.0), expected);
    let (status, _) = emulator
        .post(&demo, &call(paid), json!({"params": []}))
        .await;
    assert_eq!(status, 422);
    let unknown = "/api/v1/data-marketplace/00000000-0000-4000-8000-000000000000";
    let (status, body) = emulator
        .send(emulator.request(&demo, Method::GET, unknown))
        .await;
    assert_eq!((status, &body["code"]), (404, &json!(1004)));
}

#[tokio::test]
async fn asset_purchase_charges_once() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let assets = emulator
        .get(&demo, "/api/v1/digital-assets/market/list?search=rust")
        .await;
    let asset = assets["items"][0].clone();
    let price = cents(asset["price_ut"].as_str().unwrap());
    let path = format!(
        "/api/v1/digital-assets/{}/purchase",
        asset["id"].as_str().unwrap()
    );
    let (_, first) = emulator.post(&demo, &path, json!({})).await;
    let (_, second) = emulator.post(&demo, &path, json!({})).await;
    assert_eq!(
        first["data"]["access_token"],
        second["data"]["access_token"]
    );
    assert_eq!(cents(&emulator.balance(&demo).await.0), 150_000 - price);
    let owned = emulator
        .get(&demo, "/api/v1/digital-assets/purchased")
        .await;
    assert_eq!(owned["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        owned["items"][0]["transaction_id"],
        first["data"]["transaction_id"]
    );
    let (status, _) = emulator.post(&demo, &path, Value::Null).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn asset_purchase_on_low_balance_is_3001() {
    let emulator = Emulator::start().await;
    // PolyglotAI: its seeded task froze all of its 200 UT.
    let poor = emulator.users[4].clone();
    let demo = emulator.demo();
    let assets = emulator
        .get(&demo, "/api/v1/digital-assets/market/list")
        .await;
    let mut codes = Vec::new();
    for asset in assets["items"].as_array().unwrap() {
        let path = format!(
            "/api/v1/digital-assets/{}/purchase",
            asset["id"].as_str().unwrap()
        );
        codes.push(emulator.post(&poor, &path, json!({})).await.1["code"].clone());
    }
    assert!(codes.contains(&json!(3001)), "{codes:?}");
    assert!(cents(&emulator.balance(&poor).await.0) >= 0);
}

#[tokio::test]
async fn external_agents_belong_to_their_user() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let path = "/api/v1/external-agents?platform_url=https%3A%2F%2Fa.example.com&agent_name=A";
    let (_, created) = emulator
        .send(emulator.request(&demo, Method::POST, path))
        .await;
    assert_eq!(created["data"]["status"], "pending_review");
    let listed = emulator.get(&demo, "/api/v1/external-agents").await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let one = format!(
        "/api/v1/external-agents/{}",
        created["data"]["id"].as_str().unwrap()
    );
    let other = emulator.users[1].clone();
    let (status, body) = emulator
        .send(emulator.request(&other, Method::GET, &one))
        .await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)));
    let hook = emulator
        .request(&demo, Method::PATCH, &format!("{one}/webhook"))
        .json(&json!({"webhook_url": "not a url"}));
    assert_eq!(emulator.send(hook).await.0, 422);
    let hook = emulator
        .request(&demo, Method::PATCH, &format!("{one}/webhook"))
        .json(&json!({"webhook_url": "https://h.example.com/x", "webhook_secret": "s3cret"}));
    let (_, updated) = emulator.send(hook).await;
    assert_eq!(updated["data"]["webhook_url"], "https://h.example.com/x");
    assert!(updated["data"].get("webhook_secret").is_none());
    let (status, body) = emulator
        .send(emulator.request(&demo, Method::POST, "/api/v1/external-agents"))
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["query", "platform_url"]));
}

#[tokio::test]
async fn feed_cursor_walks_every_item_once() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let mut seen = Vec::new();
    let mut path = "/api/v1/recommendations/feed?page_size=7".to_owned();
    loop {
        let page = emulator.get(&demo, &path).await;
        for item in page["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        if page["has_more"] == false {
            assert!(page["next_cursor"].is_null());
            break;
        }
        let cursor = page["next_cursor"].as_str().unwrap();
        path = format!("/api/v1/recommendations/feed?page_size=7&cursor={cursor}");
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len());
    assert!(seen.len() > 30);
    let top = emulator
        .get(&demo, "/api/v1/recommendations?page_size=3")
        .await;
    let top: Vec<&str> = top
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(top, seen[..3]);
    let (status, _) = emulator
        .send(emulator.request(&demo, Method::GET, "/api/v1/recommendations/feed?cursor=42"))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn cruise_includes_selected_sections() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let all = emulator.get(&demo, "/api/v1/agent/cruise").await;
    for key in [
        "profile",
        "wallet",
        "assets_pending_publish_count",
        "todos",
        "tasks",
        "pending_transactions",
    ] {
        assert!(all.get(key).is_some(), "{key}");
    }
    let some = emulator
        .get(&demo, "/api/v1/agent/cruise?include=wallet,profile")
        .await;
    let keys: Vec<&String> = some.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["profile", "wallet"]);
    assert_eq!(some["wallet"]["ut"]["available"], "1500.00");
}

#[tokio::test]
async fn profile_and_cards() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let me = emulator.get(&demo, "/api/v1/users/me").await;
    assert_eq!(me["id"], demo.user_id.as_str());
    let card: Value = emulator
        .http
        .get(emulator.url("/.well-known/agent.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(card["url"], emulator.url("/a2a"));
    assert!(card.get("code").is_none());
    let seller = &emulator.users[1].user_id;
    let card: Value = emulator
        .http
        .get(emulator.url(&format!("/api/v1/agents/{seller}/card")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!card["skills"].as_array().unwrap().is_empty());
    let unknown = emulator
        .http
        .get(emulator.url("/api/v1/agents/00000000-0000-4000-8000-000000000000/card"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
}
