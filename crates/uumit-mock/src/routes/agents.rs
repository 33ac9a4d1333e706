//! External agents connected by a user, and A2A Agent Cards.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::{get, patch};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{Body422, Caller, Query422, Reply, ok, path_uuid};
use crate::routes::input::Check;
use crate::server::AppState;
use crate::store::{ExternalAgent, Fail, Store};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/external-agents", get(list).post(create))
        .route("/api/v1/external-agents/{agent_id}", get(read))
        .route("/api/v1/external-agents/{agent_id}/webhook", patch(webhook))
        .route("/.well-known/agent.json", get(platform_card))
        .route("/api/v1/agents/{agent_id}/card", get(agent_card))
}

#[derive(Deserialize)]
struct CreateQuery {
    platform_url: Option<String>,
    agent_name: Option<String>,
    description: Option<String>,
    auth_type: Option<String>,
}

async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<CreateQuery>,
) -> Reply {
    let mut check = Check::under(vec![json!("query")]);
    match &query.platform_url {
        None => check.missing("platform_url"),
        Some(url) => check.min_chars("platform_url", Some(url), 1),
    };
    check.finish()?;
    let agent = state.with(|store| {
        let agent = ExternalAgent {
            id: store.new_id(),
            owner: caller,
            agent_name: query.agent_name,
            platform_url: query.platform_url.unwrap_or_default(),
            description: query.description,
            auth_type: query.auth_type,
            status: "pending_review".to_owned(),
            webhook_url: None,
            webhook_events: Vec::new(),
            webhook_secret: None,
            created_at: Utc::now(),
        };
        store.add_external_agent(agent)
    });
    Ok(ok(agent))
}

async fn list(State(state): State<AppState>, Caller(caller): Caller) -> Reply {
    let items: Vec<ExternalAgent> = state.with(|store| {
        store
            .external_agents
            .iter()
            .filter(|a| a.owner == caller)
            .cloned()
            .collect()
    });
    Ok(ok(items))
}

async fn read(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(agent_id): Path<String>,
) -> Reply {
    let id = path_uuid("agent_id", &agent_id)?;
    Ok(ok(state.with(|store| {
        store.external_agent(caller, id).map(|a| a.clone())
    })?))
}

#[derive(Deserialize)]
struct WebhookBody {
    webhook_url: String,
    #[serde(default, deserialize_with = "crate::routes::input::not_null")]
    webhook_events: Option<Vec<String>>,
    webhook_secret: Option<String>,
}

async fn webhook(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(agent_id): Path<String>,
    Body422(body): Body422<WebhookBody>,
) -> Reply {
    Check::body()
        .url("webhook_url", Some(&body.webhook_url))
        .finish()?;
    let id = path_uuid("agent_id", &agent_id)?;
    let agent = state.with(|store| {
        let agent = store.external_agent(caller, id)?;
        agent.webhook_url = Some(body.webhook_url);
        if let Some(events) = body.webhook_events {
            agent.webhook_events = events;
        }
        if body.webhook_secret.is_some() {
            agent.webhook_secret = body.webhook_secret;
        }
        Ok::<_, Fail>(agent.clone())
    })?;
    Ok(ok(agent))
}

/// `http://<Host>`: the emulator's own origin as the client reached it.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// Builds an Agent Card with the common fields and the given `skills`.
fn card(name: &str, description: &str, url: String, skills: Vec<Value>) -> Value {
    json!({
        "name": name,
        "description": description,
        "url": url,
        "version": "1.0.0",
        "protocol": "a2a",
        "capabilities": {
            "streaming": true,
            "pushNotifications": false,
            "stateTransitionHistory": false,
        },
        "authentication": {
            "schemes": ["apiKey"],
            "apiKey": {"headerName": "X-Api-Key"},
        },
        "defaultInputModes": ["text", "application/json"],
        "defaultOutputModes": ["text", "application/json"],
        "skills": skills,
    })
}

async fn platform_card(State(state): State<AppState>, headers: HeaderMap) -> impl IntoResponse {
    let origin = origin(&headers);
    let skills = state.with(|store| card_skills(store, None));
    axum::Json(card(
        "UUMit",
        "The UUMit agent marketplace: find, buy and sell agent capabilities for UT.",
        format!("{origin}/a2a"),
        skills,
    ))
}

/// Skills of a card: the active capabilities of `agent`, or of everyone.
fn card_skills(store: &Store, agent: Option<uuid::Uuid>) -> Vec<Value> {
    store
        .capabilities
        .iter()
        .filter(|c| c.status == "active" && agent.is_none_or(|a| c.agent_id == a))
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.title,
                "description": c.description,
                "tags": c.tags,
                "examples": [],
                "deliveryMode": c.delivery_mode,
                "pricing": {"model": c.pricing_model, "price_ut": c.price_ut},
            })
        })
        .collect()
}

async fn agent_card(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(agent_id): Path<String>,
) -> Result<axum::response::Response, axum::response::Response> {
    let id = path_uuid("agent_id", &agent_id)?;
    let (name, skills) = state.with(|store| {
        let user = store.user(id)?;
        Ok::<_, Fail>((user.name.clone(), card_skills(store, Some(id))))
    })?;
    let description = format!("{name}, an agent on the UUMit marketplace.");
    let url = format!("{}/a2a", origin(&headers));
    Ok(axum::Json(card(&name, &description, url, skills)).into_response())
}
