//! Transactions: creation, reading and the state machine.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::http::{Body422, Caller, Query422, Reply, ok, path_uuid};
use crate::routes::paged::PageQuery;
use crate::server::AppState;
use crate::store::{Outcome, Role, Store, Transaction, TxStatus};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/transactions", post(create).get(list))
        .route("/api/v1/transactions/{tx_id}", get(read))
        .route("/api/v1/transactions/{tx_id}/freeze", post(freeze))
        .route("/api/v1/transactions/{tx_id}/accept", post(accept))
        .route("/api/v1/transactions/{tx_id}/reject", post(reject))
        .route("/api/v1/transactions/{tx_id}/deliver", post(deliver))
        .route("/api/v1/transactions/{tx_id}/confirm", post(confirm))
        .route("/api/v1/transactions/{tx_id}/cancel", post(cancel))
}

#[derive(Deserialize)]
#[allow(
    dead_code,
    reason = "demand_id, context_id and idempotency_key are validated but not stored"
)]
struct CreateBody {
    capability_id: Uuid,
    demand_id: Option<Uuid>,
    context_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::http::positive_u32")]
    booked_hours: Option<u32>,
    #[serde(default, deserialize_with = "crate::http::idempotency_key_field")]
    idempotency_key: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body422(body): Body422<CreateBody>,
) -> Reply {
    let transaction = state
        .with(|store| store.create_transaction(caller, body.capability_id, body.booked_hours))?;
    Ok(ok(transaction))
}

#[derive(Deserialize)]
struct ListQuery {
    role: Option<Role>,
    status: Option<TxStatus>,
    #[serde(flatten)]
    page: PageQuery,
}

async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<ListQuery>,
) -> Reply {
    let page = query.page.validate()?;
    let items = state.with(|store| store.transactions_for(caller, query.role, query.status));
    Ok(ok(page.slice(items)))
}

async fn read(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(tx_id): Path<String>,
) -> Reply {
    let id = path_uuid("tx_id", &tx_id)?;
    let transaction = state.with(|store| store.transaction(caller, id).cloned())?;
    Ok(ok(transaction))
}

/// Runs one state-machine step on the transaction named in the path.
async fn step(
    state: &AppState,
    caller: Uuid,
    tx_id: &str,
    action: impl FnOnce(&mut Store, Uuid, Uuid) -> Outcome<Transaction>,
) -> Reply {
    let id = path_uuid("tx_id", tx_id)?;
    Ok(ok(state.with(|store| action(store, caller, id))?))
}

async fn freeze(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Reply {
    step(&state, caller, &id, Store::freeze).await
}

async fn accept(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Reply {
    step(&state, caller, &id, Store::accept).await
}

async fn reject(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Reply {
    step(&state, caller, &id, Store::reject).await
}

async fn confirm(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Reply {
    step(&state, caller, &id, Store::confirm).await
}

async fn cancel(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Reply {
    step(&state, caller, &id, Store::cancel).await
}

#[derive(Deserialize)]
struct DeliverBody {
    result_payload: serde_json::Map<String, Value>,
}

async fn deliver(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(id): Path<String>,
    Body422(body): Body422<DeliverBody>,
) -> Reply {
    let payload = Value::Object(body.result_payload);
    step(&state, caller, &id, |store, caller, id| {
        store.deliver(caller, id, payload)
    })
    .await
}
