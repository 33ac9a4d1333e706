//! Public operations: community stats and the OpenAPI document.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::http::{Reply, ok};
use crate::server::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/public/community-stats", get(community_stats))
        .route("/openapi.json", get(openapi))
        .route("/api/v1/public/openapi.json", get(openapi))
}

async fn community_stats(State(state): State<AppState>) -> Reply {
    Ok(ok(state.with(|store| store.community_stats())))
}

/// The workspace's spec, byte for byte.
async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        uumit_api::OPENAPI_JSON,
    )
}
