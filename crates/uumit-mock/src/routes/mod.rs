//! The emulator's routes, one module per area of the platform.

mod capabilities;
pub(crate) mod paged;
mod public;
mod transactions;
mod wallet;

use axum::Router;
use axum::http::Uri;
use axum::response::{IntoResponse, Response};

use crate::server::AppState;
use crate::store::Fail;

/// The whole emulated platform.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .merge(public::routes())
        .merge(wallet::routes())
        .merge(capabilities::routes())
        .merge(transactions::routes())
        .merge(crate::mcp::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::idempotency,
        ))
        .with_state(state)
}

async fn not_found(uri: Uri) -> Response {
    Fail::new(404, 1004, format!("no route for {}", uri.path())).into_response()
}
