//! The caller's wallet.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::json;

use crate::http::{Caller, Reply, ok};
use crate::server::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/wallet", get(wallet))
        .route("/api/v1/wallet/", get(wallet))
}

async fn wallet(State(state): State<AppState>, Caller(caller): Caller) -> Reply {
    let user = state.with(|store| store.user(caller).cloned())?;
    Ok(ok(json!({"ut": user.ut.view(), "cash": user.cash.view()})))
}
