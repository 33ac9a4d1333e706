//! Capability listings.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde::Deserialize;
use uuid::Uuid;

use crate::http::{Caller, Query422, Reply, ok};
use crate::routes::paged;
use crate::server::AppState;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/capabilities", get(list))
}

#[derive(Deserialize)]
struct ListQuery {
    category: Option<String>,
    capability_type: Option<String>,
    agent_id: Option<Uuid>,
    #[serde(flatten)]
    page: paged::PageQuery,
}

async fn list(
    State(state): State<AppState>,
    Caller(_): Caller,
    Query422(query): Query422<ListQuery>,
) -> Reply {
    let page = query.page.validate()?;
    let data = state.with(|store| {
        let items = store
            .capabilities
            .iter()
            .filter(|c| c.status == "active")
            .filter(|c| query.category.as_ref().is_none_or(|v| &c.category == v))
            .filter(|c| {
                query
                    .capability_type
                    .as_ref()
                    .is_none_or(|v| &c.capability_type == v)
            })
            .filter(|c| query.agent_id.is_none_or(|v| c.agent_id == v))
            .collect::<Vec<_>>();
        page.slice(items).map(Clone::clone)
    });
    Ok(ok(data))
}
