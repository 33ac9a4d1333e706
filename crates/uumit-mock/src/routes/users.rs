//! The caller's profile, recommendations and the cruise snapshot.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::http::{Caller, Invalid, Query422, Reply, ok};
use crate::routes::paged::PageQuery;
use crate::server::AppState;
use crate::store::{Store, TxStatus};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users/me", get(me))
        .route("/api/v1/recommendations/feed", get(feed))
        .route("/api/v1/recommendations", get(recommendations))
        .route("/api/v1/agent/cruise", get(cruise))
}

async fn me(State(state): State<AppState>, Caller(caller): Caller) -> Reply {
    let user = state.with(|store| store.user(caller).cloned())?;
    Ok(ok(json!({
        "id": user.id,
        "nickname": user.name,
        "avatar": null,
        "bio": user.bio,
        "tags": ["agent"],
        "city": user.city,
        "hourly_rate_ut": 100,
        "hourly_rate_cny": "10.00",
        "created_at": user.created_at,
    })))
}

/// A stable score in 0..1 of `item` for `user`, so every seed ranks the same way.
fn score(user: Uuid, item: Uuid) -> f64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in user.as_bytes().iter().chain(item.as_bytes()) {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    }
    (hash % 1000) as f64 / 1000.0
}

/// Everything recommended to `user`, best first.
fn feed_items(store: &Store, user: Uuid) -> Vec<Value> {
    let mut items = Vec::new();
    let mut push =
        |id: Uuid, kind: &str, title: &str, description: &str, price: Value, created: Value| {
            let score = score(user, id);
            items.push(json!({
                "id": id, "item_type": kind, "title": title, "description": description,
                "price_ut": price, "score": score,
                "reason": format!("popular {kind} on the marketplace"),
                "created_at": created,
            }));
        };
    for c in store
        .capabilities
        .iter()
        .filter(|c| c.status == "active" && c.agent_id != user)
    {
        push(
            c.id,
            "capability",
            &c.title,
            &c.description,
            json!(c.price_ut),
            json!(c.created_at),
        );
    }
    for t in store
        .tasks
        .iter()
        .filter(|t| t.status == "open" && t.publisher_id != user)
    {
        push(
            t.id,
            "task",
            &t.title,
            &t.description,
            json!(t.bounty_amount),
            json!(t.created_at),
        );
    }
    for s in store
        .skills
        .iter()
        .filter(|s| s.status == "active" && s.user_id != user)
    {
        push(
            s.id,
            "skill",
            &s.name,
            &s.description,
            json!(s.ut_price),
            json!(s.created_at),
        );
    }
    for a in store.assets.iter().filter(|a| a.seller_id != user) {
        push(
            a.id,
            "digital_asset",
            &a.title,
            &a.description,
            json!(a.price_ut),
            Value::Null,
        );
    }
    items.sort_by(|a, b| {
        let score = |v: &Value| v["score"].as_f64().unwrap_or_default();
        score(b).total_cmp(&score(a))
    });
    items
}

/// Mask over a cursor's offset, so cursors look opaque and clients do not build them.
const CURSOR_MASK: u64 = 0x5eed_c0de_f00d_cafe;

fn encode_cursor(offset: usize) -> String {
    format!("fc_{:016x}", offset as u64 ^ CURSOR_MASK)
}

fn decode_cursor(cursor: &str) -> Result<usize, Invalid> {
    cursor
        .strip_prefix("fc_")
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        .map(|value| (value ^ CURSOR_MASK) as usize)
        .filter(|offset| *offset <= 1_000_000)
        .ok_or_else(|| {
            Invalid::one(
                vec![json!("query"), json!("cursor")],
                "value_error",
                format!("Value error, cursor {cursor:?} is not a next_cursor this server returned"),
            )
        })
}

#[derive(Deserialize)]
struct FeedQuery {
    cursor: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

async fn feed(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<FeedQuery>,
) -> Reply {
    let size = query.page.validate()?.size;
    let start = query
        .cursor
        .as_deref()
        .map(decode_cursor)
        .transpose()?
        .unwrap_or(0);
    let items = state.with(|store| feed_items(store, caller));
    let end = start.saturating_add(size).min(items.len());
    let page: Vec<Value> = items
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let has_more = end < items.len();
    Ok(ok(json!({
        "items": page,
        "next_cursor": has_more.then(|| encode_cursor(end)),
        "has_more": has_more,
    })))
}

async fn recommendations(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<PageQuery>,
) -> Reply {
    let size = query.validate()?.size;
    let mut items = state.with(|store| feed_items(store, caller));
    items.truncate(size);
    Ok(ok(items))
}

#[derive(Deserialize)]
struct CruiseQuery {
    include: Option<String>,
}

/// Sections of the cruise snapshot; `all` or no `include` selects every one.
const SECTIONS: &[&str] = &[
    "profile",
    "wallet",
    "assets_pending",
    "todos",
    "tasks",
    "pending_transactions",
];

async fn cruise(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<CruiseQuery>,
) -> Reply {
    let include = query.include.unwrap_or_else(|| "all".to_owned());
    let wanted: Vec<&str> = if include.split(',').any(|s| s.trim() == "all") {
        SECTIONS.to_vec()
    } else {
        include.split(',').map(str::trim).collect()
    };
    let snapshot = state.with(|store| cruise_snapshot(store, caller, &wanted))?;
    Ok(ok(snapshot))
}

fn cruise_snapshot(
    store: &Store,
    caller: Uuid,
    wanted: &[&str],
) -> Result<Value, crate::store::Fail> {
    let user = store.user(caller)?;
    let mut snapshot = serde_json::Map::new();
    let mut add = |section: &str, key: &str, value: Value| {
        if wanted.contains(&section) {
            snapshot.insert(key.to_owned(), value);
        }
    };
    add(
        "profile",
        "profile",
        json!({"profile": {"nickname": user.name, "completeness": 80}}),
    );
    add(
        "wallet",
        "wallet",
        json!({"ut": {"available": user.ut.available, "frozen": user.ut.frozen}}),
    );
    add("assets_pending", "assets_pending_publish_count", json!(0));
    let waiting = store.transactions_for(caller, None, None);
    let pending: Vec<Value> = waiting
        .iter()
        .filter(|t| needs_action(t, caller))
        .map(|t| json!({"id": t.id, "status": t.status, "price_ut": t.price_ut, "capability_id": t.capability_id}))
        .collect();
    let todos: Vec<Value> = pending
        .iter()
        .map(|t| json!({"kind": "transaction", "id": t["id"], "status": t["status"]}))
        .collect();
    add("todos", "todos", json!({"items": todos}));
    let active: Vec<Value> = store
        .tasks
        .iter()
        .filter(|t| t.publisher_id == caller && (t.status == "open" || t.status == "draft"))
        .map(|t| json!({"id": t.id, "title": t.title, "status": t.status}))
        .collect();
    add("tasks", "tasks", json!({"active": active}));
    add(
        "pending_transactions",
        "pending_transactions",
        json!(pending),
    );
    Ok(Value::Object(snapshot))
}

/// Whether `caller` must act next on the transaction.
fn needs_action(transaction: &crate::store::Transaction, caller: Uuid) -> bool {
    let buyer = transaction.buyer_user_id == caller;
    if transaction.status.is_terminal() {
        return false;
    }
    match transaction.status {
        TxStatus::PendingFreeze | TxStatus::Delivered => buyer,
        TxStatus::Frozen | TxStatus::Accepted => !buyer,
        _ => false,
    }
}
