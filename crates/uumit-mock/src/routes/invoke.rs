//! Buying and finding capabilities: invoke, batch create, match and pricing
//! suggestions.

use std::time::Instant;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::http::{Body422, Caller, Invalid, Query422, Reply, ok, path_uuid};
use crate::routes::capabilities::CapabilityInput;
use crate::routes::input::{CapabilityType, Check, PricingModel, not_null};
use crate::server::AppState;
use crate::store::{Fail, Outcome, Store, TxStatus};

/// Most items one batch create takes.
const MAX_BATCH: usize = 50;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/capabilities/{cap_id}/invoke", post(invoke))
        .route("/api/v1/capabilities/batch", post(batch))
        .route("/api/v1/capabilities/match", post(find_matches))
        .route("/api/v1/pricing/suggestion", get(pricing))
}

#[derive(Deserialize)]
#[allow(
    dead_code,
    reason = "the idempotency middleware reads the key from the raw body"
)]
struct InvokeBody {
    input: Map<String, Value>,
    #[serde(default, deserialize_with = "crate::http::idempotency_key_field")]
    idempotency_key: Option<String>,
}

async fn invoke(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(cap_id): Path<String>,
    Body422(body): Body422<InvokeBody>,
) -> Reply {
    let id = path_uuid("cap_id", &cap_id)?;
    let started = Instant::now();
    let result = state.with(|store| run_invocation(store, caller, id, body.input))?;
    let latency = started.elapsed().as_millis().max(1) as u64;
    Ok(ok(json!({
        "transaction_id": result.0,
        "status": TxStatus::Settled,
        "charged_ut": result.1,
        "result": result.2,
        "latency_ms": latency,
    })))
}

/// Buys one call of a `per_query` or `per_use` capability: creates the transaction,
/// freezes the price, lets the seller respond and settles, all at once. Nothing is left
/// behind when a step fails, because each step checks before it writes and the first
/// one that can fail for the caller (the freeze) runs before any money moves.
fn run_invocation(
    store: &mut Store,
    caller: Uuid,
    id: Uuid,
    input: Map<String, Value>,
) -> Outcome<(Uuid, uumit_api::Money, Value)> {
    let capability = store.capability(id)?.clone();
    if !matches!(capability.pricing_model.as_str(), "per_query" | "per_use") {
        return Err(Fail::invalid(format!(
            "capability {id} is priced {}; invoke takes per_query or per_use capabilities, \
             so buy it with POST /api/v1/transactions",
            capability.pricing_model
        )));
    }
    let transaction = store.create_transaction(caller, id, None)?;
    if let Err(fail) = store.freeze(caller, transaction.id) {
        store.cancel(caller, transaction.id)?;
        return Err(fail);
    }
    let seller = transaction.seller_user_id;
    let result = json!({
        "capability": capability.title,
        "input": Value::Object(input),
        "output": format!("{} finished the request.", capability.title),
    });
    store.accept(seller, transaction.id)?;
    store.deliver(seller, transaction.id, result.clone())?;
    store.confirm(caller, transaction.id)?;
    Ok((transaction.id, transaction.price_ut, result))
}

#[derive(Deserialize)]
struct BatchBody {
    items: Vec<CapabilityInput>,
}

impl BatchBody {
    /// Checks the list's length and every item as FastAPI would, reporting all errors.
    fn check(&self) -> Result<(), Invalid> {
        let count = self.items.len();
        if !(1..=MAX_BATCH).contains(&count) {
            let (kind, message) = if count == 0 {
                (
                    "too_short",
                    "List should have at least 1 item after validation, not 0".to_owned(),
                )
            } else {
                (
                    "too_long",
                    format!(
                        "List should have at most {MAX_BATCH} items after validation, not {count}"
                    ),
                )
            };
            return Err(Invalid::one(
                vec![json!("body"), json!("items")],
                kind,
                message,
            ));
        }
        let mut errors = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            let root = || vec![json!("body"), json!("items"), json!(index)];
            for result in [
                item.require_all(&mut Check::under(root())),
                item.check(&mut Check::under(root())),
            ] {
                if let Err(invalid) = result {
                    errors.extend(invalid.into_entries());
                }
            }
        }
        if errors.is_empty() {
            return Ok(());
        }
        Err(Invalid::many(errors))
    }
}

async fn batch(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body422(body): Body422<BatchBody>,
) -> Reply {
    body.check()?;
    let results: Vec<Value> = state.with(|store| {
        body.items
            .into_iter()
            .enumerate()
            .map(|(index, item)| batch_item(store, caller, index, item))
            .collect()
    });
    Ok(ok(results))
}

/// Creates one checked batch item; a rule it breaks fails only this item.
fn batch_item(store: &mut Store, caller: Uuid, index: usize, item: CapabilityInput) -> Value {
    match item.into_capability(store.new_id(), caller) {
        Ok(capability) => {
            let id = store.insert_capability(capability).id;
            json!({"index": index, "ok": true, "id": id, "code": 0, "message": "success"})
        }
        Err(fail) => {
            json!({"index": index, "ok": false, "id": null, "code": fail.code, "message": fail.message})
        }
    }
}

#[derive(Deserialize)]
struct MatchBody {
    demand_id: Option<Uuid>,
    query: Option<String>,
    category: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    top_k: Option<i64>,
}

async fn find_matches(
    State(state): State<AppState>,
    Caller(_): Caller,
    Body422(body): Body422<MatchBody>,
) -> Reply {
    Check::body()
        .min_chars("query", body.query.as_deref(), 1)
        .max_chars("category", body.category.as_deref(), 50)
        .at_least("top_k", body.top_k, 1)
        .at_most("top_k", body.top_k, 50)
        .finish()?;
    let top_k = body.top_k.unwrap_or(10) as usize;
    let query = match (&body.demand_id, &body.query) {
        (_, Some(query)) => query.clone(),
        (Some(demand), None) => state.with(|store| demand_text(store, *demand))?,
        (None, None) => {
            return Err(Fail::invalid("send a query or a demand_id to match against").into());
        }
    };
    let ranked =
        state.with(|store| store.match_capabilities(&query, body.category.as_deref(), top_k));
    let items: Vec<Value> = ranked
        .into_iter()
        .map(|(capability, score, reason)| {
            json!({"capability": capability, "match_score": score, "match_reason": reason})
        })
        .collect();
    Ok(ok(items))
}

/// Returns the text of a demand. The emulator's demands are its tasks.
fn demand_text(store: &Store, demand: Uuid) -> Outcome<String> {
    store
        .tasks
        .iter()
        .find(|t| t.id == demand)
        .map(|t| format!("{} {}", t.title, t.description))
        .ok_or_else(|| Fail::not_found("demand", demand))
}

#[derive(Deserialize)]
struct PricingQuery {
    category: Option<String>,
    capability_type: Option<CapabilityType>,
    pricing_model: Option<PricingModel>,
}

async fn pricing(
    State(state): State<AppState>,
    Caller(_): Caller,
    Query422(query): Query422<PricingQuery>,
) -> Reply {
    let mut check = Check::under(vec![json!("query")]);
    let Some(category) = query.category else {
        check.missing("category").finish()?;
        return Err(Fail::invalid("category is required").into());
    };
    check.max_chars("category", Some(&category), 50).finish()?;
    let suggestion = state.with(|store| {
        store.pricing_suggestion(
            &category,
            query.capability_type.as_ref().map(CapabilityType::as_str),
            query.pricing_model.as_ref().map(PricingModel::as_str),
        )
    });
    Ok(ok(suggestion))
}
