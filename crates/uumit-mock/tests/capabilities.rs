//! Capabilities: ownership, invoke, batch, match and pricing, over a loopback socket.

mod common;

use common::{Emulator, cents};
use reqwest::Method;
use serde_json::{Value, json};

fn listing(pricing_model: &str) -> Value {
    json!({
        "title": "Emulated listing", "description": "For tests.", "category": "testing",
        "capability_type": "tool", "pricing_model": pricing_model, "price_ut": "4.50",
    })
}

#[tokio::test]
async fn owner_only_updates_and_deletes() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let other = emulator.users[1].clone();
    let (_, created) = emulator
        .post(&demo, "/api/v1/capabilities", listing("per_use"))
        .await;
    let path = format!(
        "/api/v1/capabilities/{}",
        created["data"]["id"].as_str().unwrap()
    );
    let update = emulator
        .request(&other, Method::PUT, &path)
        .json(&json!({"title": "Mine now"}));
    let (status, body) = emulator.send(update).await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)));
    let (status, body) = emulator
        .send(emulator.request(&other, Method::DELETE, &path))
        .await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)));
    let (status, body) = emulator
        .send(emulator.request(&demo, Method::DELETE, &path))
        .await;
    assert_eq!((status, &body["data"]), (200, &Value::Null));
    let (status, body) = emulator
        .send(emulator.request(&demo, Method::GET, &path))
        .await;
    assert_eq!((status, &body["code"]), (404, &json!(1004)));
}

#[tokio::test]
async fn per_query_needs_public_https_callback() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    for url in [
        None,
        Some("http://agent.example.com/x"),
        Some("https://127.0.0.1/x"),
        Some("https://localhost/x"),
        Some("https://10.1.2.3/x"),
    ] {
        let mut body = listing("per_query");
        if let Some(url) = url {
            body["callback_url"] = json!(url);
        }
        let (status, reply) = emulator.post(&demo, "/api/v1/capabilities", body).await;
        assert_eq!((status, &reply["code"]), (400, &json!(1001)), "{url:?}");
    }
    let mut body = listing("per_query");
    body["callback_url"] = json!("https://agent.example.com/invoke");
    let (status, reply) = emulator.post(&demo, "/api/v1/capabilities", body).await;
    assert_eq!((status, &reply["code"]), (200, &json!(0)));
}

#[tokio::test]
async fn create_rejects_bad_fields_with_422() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let cases = [
        ("title", json!("x".repeat(201)), "string_too_long"),
        ("capability_type", json!("robot"), "enum"),
        ("price_ut", json!("-1"), "greater_than_equal"),
        ("price_ut", json!("abc"), "value_error"),
        ("tags", Value::Null, "type_error"),
        ("daily_limit", json!(-1), "greater_than_equal"),
    ];
    for (field, value, kind) in cases {
        let mut body = listing("per_use");
        body[field] = value;
        let (status, reply) = emulator.post(&demo, "/api/v1/capabilities", body).await;
        assert_eq!(status, 422, "{field}");
        assert_eq!(reply["detail"][0]["loc"], json!(["body", field]), "{field}");
        assert_eq!(reply["detail"][0]["type"], kind, "{field}");
    }
    let (status, reply) = emulator
        .post(&demo, "/api/v1/capabilities", json!({"title": "t"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(reply["detail"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn mine_lists_own_in_any_status() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    assert_eq!(
        emulator.get(&demo, "/api/v1/capabilities/mine").await["total"],
        0
    );
    emulator
        .post(&demo, "/api/v1/capabilities", listing("per_use"))
        .await;
    let mine = emulator
        .get(&demo, "/api/v1/capabilities/mine?status=active")
        .await;
    assert_eq!(mine["total"], 1);
    let none = emulator
        .get(&demo, "/api/v1/capabilities/mine?status=offline")
        .await;
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn invoke_settles_and_charges_once() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let capability = emulator.capability("per_query").await;
    let seller = emulator.user(capability["agent_id"].as_str().unwrap());
    let price = cents(capability["price_ut"].as_str().unwrap());
    let (before, _) = emulator.balance(&demo).await;
    let (seller_before, _) = emulator.balance(&seller).await;
    let path = format!(
        "/api/v1/capabilities/{}/invoke",
        capability["id"].as_str().unwrap()
    );
    let body = json!({"input": {"text": "hi"}, "idempotency_key": "body-key-1"});
    let (_, first) = emulator.post(&demo, &path, body.clone()).await;
    let (_, second) = emulator.post(&demo, &path, body).await;
    assert_eq!(first["data"]["status"], "settled");
    assert_eq!(first["data"]["result"]["input"], json!({"text": "hi"}));
    assert_eq!(first, second);
    let (after, frozen) = emulator.balance(&demo).await;
    assert_eq!(cents(&after), cents(&before) - price);
    assert_eq!(frozen, "0.00");
    let (seller_after, _) = emulator.balance(&seller).await;
    assert_eq!(cents(&seller_after), cents(&seller_before) + price);
}

#[tokio::test]
async fn invoke_on_low_balance_is_3001() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let data = emulator
        .get(&demo, "/api/v1/capabilities?page_size=100")
        .await;
    let per_use: Vec<&Value> = data["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["pricing_model"] == "per_use")
        .collect();
    let priciest = per_use
        .iter()
        .max_by_key(|c| cents(c["price_ut"].as_str().unwrap()))
        .unwrap();
    let path = format!(
        "/api/v1/capabilities/{}/invoke",
        priciest["id"].as_str().unwrap()
    );
    let mut last = Value::Null;
    for _ in 0..20 {
        last = emulator.post(&demo, &path, json!({"input": {}})).await.1;
        if last["code"] != 0 {
            break;
        }
    }
    assert_eq!(last["code"], 3001, "{last}");
    let (available, frozen) = emulator.balance(&demo).await;
    assert!(cents(&available) >= 0);
    assert_eq!(frozen, "0.00");
}

#[tokio::test]
async fn invoke_rejects_other_pricing_models() {
    let emulator = Emulator::start().await;
    let capability = emulator.capability("per_hour").await;
    let path = format!(
        "/api/v1/capabilities/{}/invoke",
        capability["id"].as_str().unwrap()
    );
    let (status, body) = emulator
        .post(&emulator.demo(), &path, json!({"input": {}}))
        .await;
    assert_eq!((status, &body["code"]), (400, &json!(1001)));
    let (status, _) = emulator.post(&emulator.demo(), &path, json!({})).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn batch_reports_each_item() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let items = json!({"items": [listing("per_use"), listing("per_query"), listing("per_day")]});
    let (_, reply) = emulator
        .post(&demo, "/api/v1/capabilities/batch", items)
        .await;
    let results = reply["data"].as_array().unwrap();
    let oks: Vec<bool> = results.iter().map(|r| r["ok"].as_bool().unwrap()).collect();
    assert_eq!(oks, [true, false, true]);
    assert_eq!(results[1]["code"], 1001);
    assert_eq!(results[1]["index"], 1);
    let mine = emulator.get(&demo, "/api/v1/capabilities/mine").await;
    assert_eq!(mine["total"], 2);
}

#[tokio::test]
async fn batch_limits_are_422() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let many: Vec<Value> = (0..51).map(|_| listing("per_use")).collect();
    for (items, kind) in [(json!([]), "too_short"), (json!(many), "too_long")] {
        let (status, reply) = emulator
            .post(&demo, "/api/v1/capabilities/batch", json!({"items": items}))
            .await;
        assert_eq!(status, 422);
        assert_eq!(reply["detail"][0]["type"], kind);
    }
    let bad = json!({"items": [listing("per_use"), {"title": 5}]});
    let (status, reply) = emulator
        .post(&demo, "/api/v1/capabilities/batch", bad)
        .await;
    assert_eq!(status, 422);
    assert_eq!(reply["detail"][0]["loc"][2], 1);
    assert_eq!(
        emulator.get(&demo, "/api/v1/capabilities/mine").await["total"],
        0
    );
}

#[tokio::test]
async fn match_ranks_by_query_and_demand() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let (_, reply) = emulator
        .post(
            &demo,
            "/api/v1/capabilities/match",
            json!({"query": "translate subtitles", "top_k": 2}),
        )
        .await;
    let items = reply["data"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["capability"]["title"], "Subtitle translation");
    assert!(items[0]["match_score"].as_f64().unwrap() >= items[1]["match_score"].as_f64().unwrap());
    let task = &emulator.get(&demo, "/api/v1/tasks/hall").await["items"][0];
    let (_, by_demand) = emulator
        .post(
            &demo,
            "/api/v1/capabilities/match",
            json!({"demand_id": task["id"]}),
        )
        .await;
    assert_eq!(by_demand["code"], 0);
    let unknown = json!({"demand_id": "00000000-0000-4000-8000-000000000000"});
    let (status, reply) = emulator
        .post(&demo, "/api/v1/capabilities/match", unknown)
        .await;
    assert_eq!((status, &reply["code"]), (404, &json!(1004)));
    let (status, reply) = emulator
        .post(&demo, "/api/v1/capabilities/match", json!({}))
        .await;
    assert_eq!((status, &reply["code"]), (400, &json!(1001)));
    let (status, _) = emulator
        .post(&demo, "/api/v1/capabilities/match", json!({"top_k": 51}))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn pricing_suggestion_reads_listings() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let data = emulator
        .get(&demo, "/api/v1/pricing/suggestion?category=translation")
        .await;
    assert_eq!(data["sample_count"], 2);
    assert_eq!(data["median_price_ut"], "8.00");
    let empty = emulator
        .get(&demo, "/api/v1/pricing/suggestion?category=none")
        .await;
    assert_eq!(
        (
            empty["sample_count"].as_i64(),
            empty["median_price_ut"].as_str()
        ),
        (Some(0), Some("0.00"))
    );
    let (status, reply) = emulator
        .send(emulator.request(&demo, Method::GET, "/api/v1/pricing/suggestion"))
        .await;
    assert_eq!(status, 422);
    assert_eq!(reply["detail"][0]["loc"], json!(["query", "category"]));
}

#[tokio::test]
async fn list_filters_by_type_and_agent() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let tools = emulator
        .get(
            &demo,
            "/api/v1/capabilities?capability_type=tool&page_size=100",
        )
        .await;
    let items = tools["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|c| c["capability_type"] == "tool"));
    let agent = items[0]["agent_id"].as_str().unwrap();
    let by_agent = emulator
        .get(
            &demo,
            &format!("/api/v1/capabilities?agent_id={agent}&page_size=100"),
        )
        .await;
    assert!(
        by_agent["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["agent_id"] == agent)
    );
    let (status, _) = emulator
        .send(emulator.request(
            &demo,
            Method::GET,
            "/api/v1/capabilities?capability_type=robot",
        ))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn list_shows_a_listing_as_last_changed() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let (_, created) = emulator
        .post(&demo, "/api/v1/capabilities", listing("per_use"))
        .await;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let listed_title = |page: &Value| {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id.as_str())
            .map(|c| c["title"].clone())
    };

    // The first page lists the new listing (newest first) and keeps its JSON.
    let before = emulator.get(&demo, "/api/v1/capabilities").await;
    assert_eq!(listed_title(&before), Some(json!("Emulated listing")));

    let path = format!("/api/v1/capabilities/{id}");
    let update = emulator
        .request(&demo, Method::PUT, &path)
        .json(&json!({"title": "Renamed listing", "price_ut": "5.25"}));
    let (status, _) = emulator.send(update).await;
    assert_eq!(status, 200);
    let after = emulator.get(&demo, "/api/v1/capabilities").await;
    assert_eq!(listed_title(&after), Some(json!("Renamed listing")));
    let item = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap();
    assert_eq!(item["price_ut"], "5.25");

    emulator
        .send(emulator.request(&demo, Method::DELETE, &path))
        .await;
    let after_delete = emulator.get(&demo, "/api/v1/capabilities").await;
    assert_eq!(listed_title(&after_delete), None);
}
