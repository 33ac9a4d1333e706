//! The emulator's routes, one module per area of the platform.

mod a2a;
mod agents;
mod ai_create;
mod capabilities;
mod device;
mod input;
mod invoke;
mod market;
pub(crate) mod paged;
mod public;
mod runtime;
mod skills;
mod tasks;
mod transactions;
mod users;
mod wallet;

use axum::Router;
use axum::http::{Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use crate::server::AppState;
use crate::store::Fail;

/// The whole emulated platform. Middleware, outermost first: faults, the rate limit,
/// the body size limit, idempotency replay.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .merge(public::routes())
        .merge(users::routes())
        .merge(device::routes())
        .merge(wallet::routes())
        .merge(capabilities::routes())
        .merge(invoke::routes())
        .merge(transactions::routes())
        .merge(tasks::routes())
        .merge(skills::routes())
        .merge(market::routes())
        .merge(agents::routes())
        .merge(a2a::routes())
        .merge(ai_create::routes())
        .merge(runtime::routes())
        .merge(crate::mcp::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::http::idempotency,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::http::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::limits::limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::faults::inject,
        ))
        .with_state(state)
}

/// Routes each path both with and without a trailing slash, as the platform does for
/// its wallet, tasks and skills.
fn with_both_slash_forms<const N: usize>(
    routes: [(&str, MethodRouter<AppState>); N],
) -> Router<AppState> {
    routes
        .into_iter()
        .fold(Router::new(), |router, (path, method_router)| {
            router
                .route(path, method_router.clone())
                .route(&format!("{path}/"), method_router)
        })
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let message = format!("{method} is not allowed on {}", uri.path());
    Fail::new(405, 1001, message).into_response()
}

async fn not_found(uri: Uri) -> Response {
    Fail::new(404, 1004, format!("no route for {}", uri.path())).into_response()
}
