//! Device authorization: the agent's start and poll operations, the page where a person
//! approves or denies a user code, and the emulator-only shortcut for tests.
//!
//! Emulator-only, not in the platform's spec: `POST /_mock/device-auth/approve` and
//! `POST /_mock/device-auth/deny` with the JSON body `{"user_code": "..."}` decide a
//! pending authorization without the page, as [`crate::MockServer::approve_device`] does.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::http::{Body422, Reply, ok};
use crate::routes::agents::origin;
use crate::routes::input::AgentPlatformType;
use crate::server::AppState;
use crate::store::{DeviceGrant, PollStatus};

/// Seconds an agent waits between polls.
const POLL_INTERVAL_SECS: i64 = 5;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/device-auth", post(start))
        .route("/api/v1/auth/device-auth/poll", post(poll))
        .route("/link", get(page).post(decide_form))
        .route("/_mock/device-auth/approve", post(approve))
        .route("/_mock/device-auth/deny", post(deny))
}

#[derive(Deserialize)]
struct StartBody {
    agent_platform_type: AgentPlatformType,
}

async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body422(body): Body422<StartBody>,
) -> Reply {
    let platform = body.agent_platform_type.0;
    let (grant, ttl) = state.with(|store| (store.start_device(&platform), store.device_ttl));
    Ok(ok(json!({
        "device_code": grant.device_code,
        "user_code": grant.user_code,
        "verification_url": format!("{}/link", origin(&headers)),
        "expires_in": ttl.num_seconds(),
        "interval": POLL_INTERVAL_SECS,
        "agent_platform_type": grant.platform_type,
    })))
}

#[derive(Deserialize)]
struct PollBody {
    device_code: String,
}

async fn poll(State(state): State<AppState>, Body422(body): Body422<PollBody>) -> Reply {
    let status = state.with(|store| store.poll_device(&body.device_code))?;
    let data = match status {
        PollStatus::Approved(api_key, user_id) => {
            json!({"status": "approved", "api_key": api_key, "user_id": user_id})
        }
        PollStatus::Pending => json!({"status": "pending", "api_key": null, "user_id": null}),
        PollStatus::Expired => json!({"status": "expired", "api_key": null, "user_id": null}),
        PollStatus::Denied => json!({"status": "denied", "api_key": null, "user_id": null}),
    };
    Ok(ok(data))
}

#[derive(Deserialize)]
struct PageQuery {
    user_code: Option<String>,
}

const PAGE_STYLE: &str = "body{font-family:sans-serif;max-width:32rem;margin:4rem auto}\
    input{font-size:1.5rem;letter-spacing:.2rem;width:12rem}button{font-size:1rem;margin:.5rem}";

fn html_page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{PAGE_STYLE}</style></head><body><h1>{title}</h1>{body}</body></html>"
    )
}

/// Escapes text for an HTML attribute or element.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn page(Query(query): Query<PageQuery>) -> Html<String> {
    let code = escape(query.user_code.as_deref().unwrap_or_default());
    let form = format!(
        "<p>An agent asks for an API key of the UUMit emulator. Enter the code it shows.</p>\
         <form method=\"post\" action=\"/link\">\
         <p><input name=\"user_code\" maxlength=\"9\" autofocus required value=\"{code}\"></p>\
         <button name=\"decision\" value=\"approve\">Approve</button>\
         <button name=\"decision\" value=\"deny\">Deny</button></form>"
    );
    Html(html_page("Link an agent", &form))
}

async fn decide_form(State(state): State<AppState>, body: Bytes) -> Response {
    let fields: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let approve = field("decision") == "approve";
    match state.with(|store| store.decide_device(&field("user_code"), approve)) {
        Ok(grant) => {
            let verb = if approve { "approved" } else { "denied" };
            let text = format!(
                "<p>Code {} {verb}. You can close this page; the agent will continue.</p>",
                escape(&grant.user_code)
            );
            Html(html_page("Done", &text)).into_response()
        }
        Err(fail) => {
            let text = format!(
                "<p>{}</p><p><a href=\"/link\">Try again</a></p>",
                escape(&fail.message)
            );
            let status = if fail.status == 200 { 409 } else { fail.status };
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            (status, Html(html_page("Not linked", &text))).into_response()
        }
    }
}

#[derive(Deserialize)]
struct DecideBody {
    user_code: String,
}

fn decided(grant: DeviceGrant) -> serde_json::Value {
    json!({"user_code": grant.user_code, "device_code": grant.device_code})
}

async fn approve(State(state): State<AppState>, Body422(body): Body422<DecideBody>) -> Reply {
    let grant = state.with(|store| store.decide_device(&body.user_code, true))?;
    Ok(ok(decided(grant)))
}

async fn deny(State(state): State<AppState>, Body422(body): Body422<DecideBody>) -> Reply {
    let grant = state.with(|store| store.decide_device(&body.user_code, false))?;
    Ok(ok(decided(grant)))
}
