//! The transaction state machine and the wallet ledger, over a loopback socket.

mod common;

use common::{Emulator, Who, cents};
use reqwest::Method;
use serde_json::{Value, json};

/// Creates a transaction for a per_use capability; returns it with the seller.
async fn order(emulator: &Emulator) -> (Value, Who) {
    let capability = emulator.capability("per_use").await;
    let seller = emulator.user(capability["agent_id"].as_str().unwrap());
    let (status, body) = emulator
        .post(
            &emulator.demo(),
            "/api/v1/transactions",
            json!({"capability_id": capability["id"]}),
        )
        .await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
    assert_eq!(body["data"]["status"], "pending_freeze");
    (body["data"].clone(), seller)
}

async fn step(emulator: &Emulator, who: &Who, tx: &Value, action: &str) -> Value {
    let path = format!(
        "/api/v1/transactions/{}/{action}",
        tx["id"].as_str().unwrap()
    );
    let body = if action == "deliver" {
        json!({"result_payload": {"report": "done"}})
    } else {
        Value::Null
    };
    let request = emulator.request(who, Method::POST, &path);
    let request = if body.is_null() {
        request
    } else {
        request.json(&body)
    };
    emulator.send(request).await.1
}

#[tokio::test]
async fn happy_path_pays_seller_once() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let (tx, seller) = order(&emulator).await;
    let price = cents(tx["price_ut"].as_str().unwrap());
    let (buyer_before, _) = emulator.balance(&buyer).await;
    let (seller_before, _) = emulator.balance(&seller).await;
    let community_income = |stats: Value| cents(stats["total_income_ut"].as_str().unwrap());
    let stats_path = "/api/v1/public/community-stats";
    let income_before = community_income(emulator.get(&buyer, stats_path).await);

    let frozen = step(&emulator, &buyer, &tx, "freeze").await;
    assert_eq!(frozen["data"]["status"], "frozen");
    let (available, held) = emulator.balance(&buyer).await;
    assert_eq!(cents(&available), cents(&buyer_before) - price);
    assert_eq!(cents(&held), price);

    assert_eq!(
        step(&emulator, &seller, &tx, "accept").await["data"]["status"],
        "accepted"
    );
    let delivered = step(&emulator, &seller, &tx, "deliver").await;
    assert_eq!(delivered["data"]["status"], "delivered");
    assert_eq!(
        delivered["data"]["result_payload"],
        json!({"report": "done"})
    );
    assert_eq!(
        step(&emulator, &buyer, &tx, "confirm").await["data"]["status"],
        "settled"
    );

    let (available, held) = emulator.balance(&buyer).await;
    assert_eq!(cents(&available), cents(&buyer_before) - price);
    assert_eq!(cents(&held), 0);
    let (seller_after, _) = emulator.balance(&seller).await;
    assert_eq!(cents(&seller_after), cents(&seller_before) + price);
    let income_after = community_income(emulator.get(&buyer, stats_path).await);
    assert_eq!(income_after, income_before + price);
}

#[tokio::test]
async fn every_movement_writes_ledger_entry() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let (tx, seller) = order(&emulator).await;
    for (who, action) in [
        (&buyer, "freeze"),
        (&seller, "accept"),
        (&seller, "deliver"),
        (&buyer, "confirm"),
    ] {
        step(&emulator, who, &tx, action).await;
    }
    let ledger = emulator.get(&buyer, "/api/v1/wallet/transactions").await;
    let kinds: Vec<&str> = ledger["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["expense", "freeze", "recharge"]);
    let expense = &ledger["items"][0];
    assert_eq!(expense["currency"], "UT");
    assert_eq!(expense["biz_ref_id"], tx["id"]);
    assert_eq!(
        cents(expense["amount"].as_str().unwrap()),
        -cents(tx["price_ut"].as_str().unwrap())
    );
    let income = emulator
        .get(&seller, "/api/v1/wallet/transactions?type=income")
        .await;
    assert_eq!(income["total"], 1);
    assert_eq!(income["items"][0]["amount"], tx["price_ut"]);
    let stats = emulator.get(&seller, "/api/v1/wallet/stats").await;
    assert_eq!(stats["total_income_ut"], tx["price_ut"]);
    assert_eq!(stats["transaction_count"], 1);
}

#[tokio::test]
async fn seller_reject_refunds_buyer() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let (before, _) = emulator.balance(&buyer).await;
    let (tx, seller) = order(&emulator).await;
    step(&emulator, &buyer, &tx, "freeze").await;
    step(&emulator, &seller, &tx, "accept").await;
    let rejected = step(&emulator, &seller, &tx, "reject").await;
    assert_eq!(rejected["data"]["status"], "rejected_by_seller");
    assert_eq!(emulator.balance(&buyer).await, (before, "0.00".to_owned()));
    let refunds = emulator
        .get(&buyer, "/api/v1/wallet/transactions?type=refund")
        .await;
    assert_eq!(refunds["total"], 1);
}

#[tokio::test]
async fn buyer_cancel_refunds_only_when_frozen() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let (before, _) = emulator.balance(&buyer).await;
    let (pending, _) = order(&emulator).await;
    let cancelled = step(&emulator, &buyer, &pending, "cancel").await;
    assert_eq!(cancelled["data"]["status"], "cancelled_by_buyer");
    let (frozen, _) = order(&emulator).await;
    step(&emulator, &buyer, &frozen, "freeze").await;
    let cancelled = step(&emulator, &buyer, &frozen, "cancel").await;
    assert_eq!(cancelled["data"]["status"], "cancelled_by_buyer");
    assert_eq!(emulator.balance(&buyer).await, (before, "0.00".to_owned()));
    let unfreezes = emulator
        .get(&buyer, "/api/v1/wallet/transactions?type=unfreeze")
        .await;
    assert_eq!(unfreezes["total"], 1);
}

#[tokio::test]
async fn wrong_party_gets_1003() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let (tx, seller) = order(&emulator).await;
    let (status, body) = emulator
        .send(emulator.request(
            &seller,
            Method::POST,
            &format!("/api/v1/transactions/{}/freeze", tx["id"].as_str().unwrap()),
        ))
        .await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)));
    step(&emulator, &buyer, &tx, "freeze").await;
    assert_eq!(step(&emulator, &buyer, &tx, "accept").await["code"], 1003);
    let stranger = emulator
        .users
        .iter()
        .find(|u| u.user_id != buyer.user_id && u.user_id != seller.user_id)
        .unwrap()
        .clone();
    let (status, body) = emulator
        .send(emulator.request(
            &stranger,
            Method::GET,
            &format!("/api/v1/transactions/{}", tx["id"].as_str().unwrap()),
        ))
        .await;
    assert_eq!((status, &body["code"]), (403, &json!(1003)));
}

#[tokio::test]
async fn out_of_order_steps_get_4501() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let (tx, seller) = order(&emulator).await;
    assert_eq!(step(&emulator, &seller, &tx, "accept").await["code"], 4501);
    assert_eq!(step(&emulator, &seller, &tx, "reject").await["code"], 4501);
    assert_eq!(step(&emulator, &buyer, &tx, "confirm").await["code"], 4501);
    step(&emulator, &buyer, &tx, "freeze").await;
    assert_eq!(step(&emulator, &seller, &tx, "deliver").await["code"], 4501);
    step(&emulator, &seller, &tx, "accept").await;
    assert_eq!(step(&emulator, &buyer, &tx, "cancel").await["code"], 4501);
    step(&emulator, &seller, &tx, "deliver").await;
    step(&emulator, &buyer, &tx, "confirm").await;
    for (who, action) in [(&buyer, "cancel"), (&seller, "reject"), (&buyer, "confirm")] {
        assert_eq!(
            step(&emulator, who, &tx, action).await["code"],
            4501,
            "{action}"
        );
    }
}

#[tokio::test]
async fn list_filters_by_role_and_status() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let (tx, seller) = order(&emulator).await;
    order(&emulator).await;
    step(&emulator, &buyer, &tx, "freeze").await;
    let mine = emulator
        .get(&buyer, "/api/v1/transactions?role=buyer")
        .await;
    assert_eq!(mine["total"], 2);
    let frozen = emulator
        .get(&buyer, "/api/v1/transactions?status=frozen")
        .await;
    assert_eq!(frozen["total"], 1);
    assert_eq!(frozen["items"][0]["id"], tx["id"]);
    let sold = emulator
        .get(&seller, "/api/v1/transactions?role=seller&status=frozen")
        .await;
    assert_eq!(sold["total"], 1);
    let none = emulator
        .get(&seller, "/api/v1/transactions?role=buyer")
        .await;
    assert_eq!(none["total"], 0);
    let (status, _) = emulator
        .send(emulator.request(&buyer, Method::GET, "/api/v1/transactions?status=lost"))
        .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn low_balance_freeze_gets_3001() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let capability = emulator.capability("per_use").await;
    let price = cents(capability["price_ut"].as_str().unwrap());
    let (available, _) = emulator.balance(&buyer).await;
    let count = cents(&available) / price + 1;
    let mut last = Value::Null;
    for _ in 0..count {
        let (_, created) = emulator
            .post(
                &buyer,
                "/api/v1/transactions",
                json!({"capability_id": capability["id"]}),
            )
            .await;
        last = step(&emulator, &buyer, &created["data"], "freeze").await;
    }
    assert_eq!(last["code"], 3001, "{last}");
    let (available, _) = emulator.balance(&buyer).await;
    assert!(cents(&available) >= 0);
    assert!(cents(&available) < price);
}

#[tokio::test]
async fn concurrent_freezes_never_overdraw() {
    let emulator = Emulator::start().await;
    let buyer = emulator.demo();
    let capability = emulator.capability("per_use").await;
    let price = cents(capability["price_ut"].as_str().unwrap());
    let (available, _) = emulator.balance(&buyer).await;
    let mut orders = Vec::new();
    for _ in 0..40 {
        let (_, created) = emulator
            .post(
                &buyer,
                "/api/v1/transactions",
                json!({"capability_id": capability["id"]}),
            )
            .await;
        orders.push(created["data"].clone());
    }
    let freezes = orders
        .iter()
        .map(|tx| step(&emulator, &buyer, tx, "freeze"));
    let replies = futures::future::join_all(freezes).await;
    let frozen = replies.iter().filter(|r| r["code"] == 0).count() as i64;
    let short = replies.iter().filter(|r| r["code"] == 3001).count() as i64;
    assert_eq!(frozen + short, 40);
    assert_eq!(frozen, cents(&available) / price);
    let (after, held) = emulator.balance(&buyer).await;
    assert_eq!(cents(&held), frozen * price);
    assert_eq!(cents(&after), cents(&available) - frozen * price);
    assert!(cents(&after) >= 0);
}
