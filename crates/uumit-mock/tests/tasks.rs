//! Tasks, applications and skills, over a loopback socket.

mod common;

use common::{Emulator, Who, cents};
use reqwest::Method;
use serde_json::{Value, json};

fn task(bounty: &str) -> Value {
    json!({"title": "Sort receipts", "description": "Two hundred receipts by month.", "bounty_amount": bounty})
}

fn skill() -> Value {
    json!({
        "name": "Receipt sorting", "description": "Sorts receipts.", "category": "admin",
        "pricing_model": "fixed", "ut_price": "5", "deliverables": ["a spreadsheet"],
    })
}

async fn create_task(emulator: &Emulator, who: &Who, bounty: &str) -> Value {
    emulator.post(who, "/api/v1/tasks", task(bounty)).await.1
}

/// A seller with a fresh skill applies to `task_id`; returns the application.
async fn apply(emulator: &Emulator, who: &Who, task_id: &Value) -> Value {
    let (_, created) = emulator.post(who, "/api/v1/skills", skill()).await;
    let path = format!("/api/v1/tasks/{}/applications", task_id.as_str().unwrap());
    let body = json!({"skill_id": created["data"]["id"], "proposed_price": 25});
    emulator.post(who, &path, body).await.1
}

#[tokio::test]
async fn publish_holds_bounty_and_close_releases() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let created = create_task(&emulator, &demo, "40").await;
    assert_eq!(created["data"]["status"], "open");
    assert_eq!(
        emulator.balance(&demo).await,
        ("1460.00".to_owned(), "40.00".to_owned())
    );
    let path = format!(
        "/api/v1/tasks/{}/close",
        created["data"]["id"].as_str().unwrap()
    );
    let (_, closed) = emulator.post(&demo, &path, Value::Null).await;
    assert_eq!(closed["data"]["status"], "closed");
    assert_eq!(
        emulator.balance(&demo).await,
        ("1500.00".to_owned(), "0.00".to_owned())
    );
    let (status, again) = emulator.post(&demo, &path, Value::Null).await;
    assert_eq!((status, &again["code"]), (200, &json!(4001)));
}

#[tokio::test]
async fn bounty_over_balance_saves_draft_3004() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let (status, draft) = emulator.post(&demo, "/api/v1/tasks", task("2000")).await;
    assert_eq!((status, &draft["code"]), (200, &json!(3004)));
    assert_eq!(draft["data"]["status"], "draft");
    let id = draft["data"]["id"].as_str().unwrap();
    let drafts = emulator.get(&demo, "/api/v1/tasks?status=draft").await;
    assert_eq!(drafts["total"], 1);
    let publish = format!("/api/v1/tasks/{id}/publish-draft");
    let (_, still) = emulator.post(&demo, &publish, Value::Null).await;
    assert_eq!(still["code"], 3004);
    assert_eq!(emulator.balance(&demo).await.1, "0.00");
}

/// Sells a 110 UT capability of `seller` to `buyer` and settles it.
async fn sell(emulator: &Emulator, seller: &Who, buyer: &Who) {
    let listing = json!({
        "title": "Review", "description": "A review.", "category": "testing",
        "capability_type": "service", "pricing_model": "per_use", "price_ut": 110,
    });
    let (_, capability) = emulator.post(seller, "/api/v1/capabilities", listing).await;
    let order = json!({"capability_id": capability["data"]["id"]});
    let (_, tx) = emulator.post(buyer, "/api/v1/transactions", order).await;
    let base = format!(
        "/api/v1/transactions/{}",
        tx["data"]["id"].as_str().unwrap()
    );
    let steps = [
        (buyer, "freeze", Value::Null),
        (seller, "accept", Value::Null),
    ];
    for (who, action, body) in steps {
        emulator.post(who, &format!("{base}/{action}"), body).await;
    }
    let delivery = json!({"result_payload": {"done": true}});
    emulator
        .post(seller, &format!("{base}/deliver"), delivery)
        .await;
    let (_, settled) = emulator
        .post(buyer, &format!("{base}/confirm"), Value::Null)
        .await;
    assert_eq!(settled["data"]["status"], "settled", "{settled}");
}

#[tokio::test]
async fn publish_draft_once_balance_covers() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let (_, draft) = emulator.post(&demo, "/api/v1/tasks", task("1600")).await;
    let publish = format!(
        "/api/v1/tasks/{}/publish-draft",
        draft["data"]["id"].as_str().unwrap()
    );
    sell(&emulator, &demo, &emulator.users[1]).await;
    let (_, published) = emulator.post(&demo, &publish, Value::Null).await;
    assert_eq!(published["code"], 0, "{published}");
    assert_eq!(published["data"]["status"], "open");
    assert_eq!(
        emulator.balance(&demo).await,
        ("10.00".to_owned(), "1600.00".to_owned())
    );
    let (_, not_draft) = emulator.post(&demo, &publish, Value::Null).await;
    assert_eq!(not_draft["code"], 4001);
}

#[tokio::test]
async fn applications_flow_to_matched() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let created = create_task(&emulator, &demo, "30").await;
    let task_id = &created["data"]["id"];
    let first = apply(&emulator, &emulator.users[1], task_id).await;
    let second = apply(&emulator, &emulator.users[2], task_id).await;
    let third = apply(&emulator, &emulator.users[3], task_id).await;
    assert_eq!(first["data"]["status"], "pending");
    assert_eq!(first["data"]["proposed_price"], "25.00");
    let base = format!("/api/v1/tasks/{}/applications", task_id.as_str().unwrap());
    let listed = emulator.get(&demo, &base).await;
    assert_eq!(listed["total"], 3);
    let reject = format!("{base}/{}/reject", second["data"]["id"].as_str().unwrap());
    let (_, rejected) = emulator.post(&demo, &reject, Value::Null).await;
    assert_eq!(rejected["data"]["status"], "rejected");
    let (_, again) = emulator.post(&demo, &reject, Value::Null).await;
    assert_eq!(again["code"], 4001);
    let accept = format!("{base}/{}/accept", first["data"]["id"].as_str().unwrap());
    let (_, accepted) = emulator.post(&demo, &accept, Value::Null).await;
    assert_eq!(accepted["data"]["status"], "accepted");
    assert!(accepted["data"]["order_id"].is_string());
    let task = emulator
        .get(
            &demo,
            &format!("/api/v1/tasks/{}", task_id.as_str().unwrap()),
        )
        .await;
    assert_eq!(task["status"], "matched");
    let pending = emulator.get(&demo, &format!("{base}?status=pending")).await;
    assert_eq!(pending["total"], 0);
    let mine = emulator
        .get(
            &emulator.users[3],
            "/api/v1/tasks/applications/mine?status=rejected",
        )
        .await;
    assert_eq!(mine["items"][0]["id"], third["data"]["id"]);
    let close = format!("/api/v1/tasks/{}/close", task_id.as_str().unwrap());
    assert_eq!(
        emulator.post(&demo, &close, Value::Null).await.1["code"],
        4001
    );
}

#[tokio::test]
async fn application_rules_give_4001_and_1003() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let created = create_task(&emulator, &demo, "30").await;
    let task_id = &created["data"]["id"];
    let seller = emulator.users[1].clone();
    assert_eq!(apply(&emulator, &seller, task_id).await["code"], 0);
    assert_eq!(apply(&emulator, &seller, task_id).await["code"], 4001);
    assert_eq!(apply(&emulator, &demo, task_id).await["code"], 4001);
    let base = format!("/api/v1/tasks/{}/applications", task_id.as_str().unwrap());
    let (status, body) = emulator
        .send(emulator.request(&seller, Method::GET, &base))
        .await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)));
    let others_skill = emulator.get(&demo, "/api/v1/skills/hall").await["items"][0]["id"].clone();
    let (status, body) = emulator
        .post(&emulator.users[4], &base, json!({"skill_id": others_skill}))
        .await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)), "{body}");
}

#[tokio::test]
async fn hall_filters_open_agent_tasks() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let hall = emulator.get(&demo, "/api/v1/tasks/hall").await;
    assert_eq!(hall["total"], 6);
    let offline = emulator
        .get(&demo, "/api/v1/tasks/hall?mode=offline&city=Shanghai")
        .await;
    assert_eq!(offline["total"], 1);
    let keyword = emulator
        .get(&demo, "/api/v1/tasks/hall?keyword=FLAKY")
        .await;
    assert_eq!(keyword["items"][0]["title"], "Fix a flaky CI job");
    let closed = emulator
        .get(&demo, "/api/v1/tasks/hall?status=closed")
        .await;
    assert_eq!(closed["total"], 0);
    let (status, _) = emulator
        .send(emulator.request(&demo, Method::GET, "/api/v1/tasks/hall?mode=space"))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn task_body_errors_are_422() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let cases = [
        ("bounty_amount", json!("-5"), "greater_than_equal"),
        ("bounty_currency", json!("CNY"), "literal_error"),
        ("delivery_hours", json!(0), "greater_than_equal"),
        ("mode", json!("hybrid"), "enum"),
        ("tags", Value::Null, "type_error"),
        ("deadline", json!("tomorrow"), "value_error"),
    ];
    for (field, value, kind) in cases {
        let mut body = task("5");
        body[field] = value;
        let (status, reply) = emulator.post(&demo, "/api/v1/tasks", body).await;
        assert_eq!(status, 422, "{field}");
        assert_eq!(reply["detail"][0]["type"], kind, "{field}");
    }
}

#[tokio::test]
async fn skills_crud_with_ownership() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let (_, created) = emulator.post(&demo, "/api/v1/skills/", skill()).await;
    let id = created["data"]["id"].as_str().unwrap();
    assert_eq!(created["data"]["ut_price"], "5.00");
    let path = format!("/api/v1/skills/{id}");
    let update = emulator
        .request(&demo, Method::PUT, &path)
        .json(&json!({"ut_price": 7.5, "status": "inactive"}));
    let (_, updated) = emulator.send(update).await;
    assert_eq!(updated["data"]["ut_price"], "7.50");
    assert_eq!(updated["data"]["status"], "inactive");
    let inactive = emulator.get(&demo, "/api/v1/skills?status=inactive").await;
    assert_eq!(inactive["total"], 1);
    let other = emulator.users[2].clone();
    let (status, body) = emulator
        .send(
            emulator
                .request(&other, Method::PUT, &path)
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)));
    let (status, body) = emulator
        .send(emulator.request(&other, Method::DELETE, &path))
        .await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)));
    let hall = emulator.get(&other, "/api/v1/skills/hall").await;
    assert!(
        hall["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != id)
    );
    emulator
        .send(emulator.request(&demo, Method::DELETE, &path))
        .await;
    let (status, _) = emulator
        .send(emulator.request(&demo, Method::GET, &path))
        .await;
    assert_eq!(status, 404);
    let (status, reply) = emulator
        .post(&demo, "/api/v1/skills", json!({"name": "n"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(reply["detail"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn skill_hall_filters() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    let hall = emulator
        .get(&demo, "/api/v1/skills/hall?supports_agent_call=true")
        .await;
    assert_eq!(hall["total"], 5);
    let keyword = emulator
        .get(&demo, "/api/v1/skills/hall?keyword=rust")
        .await;
    assert_eq!(keyword["items"][0]["name"], "Rust debugging");
    let none = emulator
        .get(&demo, "/api/v1/skills/hall?supports_agent_call=false")
        .await;
    assert_eq!(none["total"], 0);
    let (status, _) = emulator
        .send(emulator.request(
            &demo,
            Method::GET,
            "/api/v1/skills/hall?supports_agent_call=maybe",
        ))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn ledger_shows_bounty_hold() {
    let emulator = Emulator::start().await;
    let demo = emulator.demo();
    create_task(&emulator, &demo, "12.34").await;
    let freezes = emulator
        .get(&demo, "/api/v1/wallet/transactions?type=freeze")
        .await;
    assert_eq!(
        cents(freezes["items"][0]["amount"].as_str().unwrap()),
        -1234
    );
    assert_eq!(freezes["items"][0]["balance_after"], "1487.66");
}
