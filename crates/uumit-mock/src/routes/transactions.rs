//! Transactions: creation, reading and the state machine.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use crate::http::{Body422, Caller, Reply, ok, path_uuid};
use crate::server::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/transactions", post(create))
        .route("/api/v1/transactions/{tx_id}", get(read))
        .route("/api/v1/transactions/{tx_id}/freeze", post(freeze))
}

#[derive(Deserialize)]
#[allow(
    dead_code,
    reason = "the fields are part of the request shape the emulator validates"
)]
struct CreateBody {
    capability_id: Uuid,
    demand_id: Option<Uuid>,
    context_id: Option<Uuid>,
    booked_hours: Option<u32>,
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

async fn read(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(tx_id): Path<String>,
) -> Reply {
    let id = path_uuid("tx_id", &tx_id)?;
    let transaction = state.with(|store| store.transaction(caller, id).cloned())?;
    Ok(ok(transaction))
}

async fn freeze(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(tx_id): Path<String>,
) -> Reply {
    let id = path_uuid("tx_id", &tx_id)?;
    Ok(ok(state.with(|store| store.freeze(caller, id))?))
}
