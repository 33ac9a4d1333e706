//! The marketplace search, the data marketplace and the digital-asset store.

use std::time::Instant;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::http::{Body422, Caller, Query422, Reply, ok, path_uuid};
use crate::routes::input::{Check, query_f64, query_i64};
use crate::routes::tasks::contains_keyword;
use crate::server::AppState;
use crate::store::{DataApi, DigitalAsset, Store};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/marketplace/search", get(search))
        .route("/api/v1/data-marketplace", get(redirect_to_slash))
        .route("/api/v1/data-marketplace/", get(data_apis))
        .route("/api/v1/data-marketplace/{api_id}", get(data_api))
        .route(
            "/api/v1/data-marketplace/{api_id}/call",
            post(call_data_api),
        )
        .route("/api/v1/digital-assets/market/list", get(assets))
        .route("/api/v1/digital-assets/market/{asset_id}", get(asset))
        .route("/api/v1/digital-assets/{asset_id}/purchase", post(purchase))
        .route("/api/v1/digital-assets/purchased", get(purchased))
}

#[derive(Deserialize)]
struct SearchQuery {
    keyword: Option<String>,
    #[serde(default, deserialize_with = "query_i64")]
    limit: Option<i64>,
}

fn matching_assets(store: &Store, keyword: Option<&str>) -> Vec<DigitalAsset> {
    store
        .assets
        .iter()
        .filter(|a| contains_keyword(keyword, &[&a.title, &a.description]))
        .cloned()
        .collect()
}

fn matching_apis(store: &Store, keyword: Option<&str>) -> Vec<DataApi> {
    store
        .data_apis
        .iter()
        .filter(|a| contains_keyword(keyword, &[&a.name, &a.description, &a.category]))
        .cloned()
        .collect()
}

async fn search(
    State(state): State<AppState>,
    Caller(_): Caller,
    Query422(query): Query422<SearchQuery>,
) -> Reply {
    let mut check = Check::under(vec![json!("query")]);
    match &query.keyword {
        None => check.missing("keyword"),
        Some(keyword) => check.min_chars("keyword", Some(keyword), 1),
    };
    check
        .at_least("limit", query.limit, 1)
        .at_most("limit", query.limit, 50)
        .finish()?;
    let limit = query.limit.unwrap_or(20) as usize;
    let keyword = query.keyword.as_deref();
    let (mut assets, mut apis) = state.with(|store| {
        (
            matching_assets(store, keyword),
            matching_apis(store, keyword),
        )
    });
    assets.truncate(limit);
    apis.truncate(limit);
    Ok(ok(json!({
        "knowledge_store": {"items": assets},
        "data_apis": {"items": apis},
    })))
}

/// FastAPI's answer to a collection path without its trailing slash.
async fn redirect_to_slash(uri: Uri) -> Response {
    let target = match uri.query() {
        Some(query) => format!("{}/?{query}", uri.path()),
        None => format!("{}/", uri.path()),
    };
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(location) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

#[derive(Deserialize)]
struct DataQuery {
    keyword: Option<String>,
    category: Option<String>,
    sort_by: Option<String>,
    #[serde(default, deserialize_with = "query_f64")]
    min_rating: Option<f64>,
}

async fn data_apis(
    State(state): State<AppState>,
    Caller(_): Caller,
    Query422(query): Query422<DataQuery>,
) -> Reply {
    let rating = query.min_rating.map(|r| (r * 100.0).round() as i64);
    Check::under(vec![json!("query")])
        .at_least("min_rating", rating, 0)
        .at_most("min_rating", rating, 500)
        .finish()?;
    let mut items: Vec<DataApi> =
        state.with(|store| matching_apis(store, query.keyword.as_deref()));
    items.retain(|a| a.status == "online");
    items.retain(|a| query.category.as_ref().is_none_or(|c| &a.category == c));
    items.retain(|a| query.min_rating.is_none_or(|r| a.rating >= r));
    match query.sort_by.as_deref() {
        Some("price") | Some("price_asc") => items.sort_by_key(|a| a.price_ut),
        Some("price_desc") => items.sort_by_key(|a| std::cmp::Reverse(a.price_ut)),
        Some("rating") => items.sort_by(|a, b| b.rating.total_cmp(&a.rating)),
        _ => {}
    }
    Ok(ok(json!({"items": items})))
}

async fn data_api(
    State(state): State<AppState>,
    Caller(_): Caller,
    Path(api_id): Path<String>,
) -> Reply {
    let id = path_uuid("api_id", &api_id)?;
    Ok(ok(state.with(|store| store.data_api(id).cloned())?))
}

#[derive(Deserialize)]
#[allow(
    dead_code,
    reason = "the idempotency middleware reads the key from the raw body"
)]
struct CallBody {
    params: Map<String, Value>,
    #[serde(default, deserialize_with = "crate::http::idempotency_key_field")]
    idempotency_key: Option<String>,
}

async fn call_data_api(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(api_id): Path<String>,
    Body422(body): Body422<CallBody>,
) -> Reply {
    let id = path_uuid("api_id", &api_id)?;
    let started = Instant::now();
    let params = Value::Object(body.params);
    let call = state.with(|store| store.call_data_api(caller, id, params))?;
    Ok(ok(json!({
        "call_id": call.call_id,
        "is_free": call.charged == uumit_api::Money::ZERO,
        "charged_ut": call.charged,
        "latency_ms": started.elapsed().as_millis().max(1) as u64,
        "result": call.result,
    })))
}

#[derive(Deserialize)]
struct AssetQuery {
    search: Option<String>,
}

async fn assets(
    State(state): State<AppState>,
    Caller(_): Caller,
    Query422(query): Query422<AssetQuery>,
) -> Reply {
    let items = state.with(|store| matching_assets(store, query.search.as_deref()));
    Ok(ok(json!({"items": items})))
}

async fn asset(
    State(state): State<AppState>,
    Caller(_): Caller,
    Path(asset_id): Path<String>,
) -> Reply {
    let id = path_uuid("asset_id", &asset_id)?;
    Ok(ok(state.with(|store| store.asset(id).cloned())?))
}

#[derive(Deserialize, Default)]
#[allow(
    dead_code,
    reason = "validated; the idempotency middleware reads the key itself"
)]
struct PurchaseBody {
    negotiation_session_id: Option<uuid::Uuid>,
    #[serde(default, deserialize_with = "crate::http::idempotency_key_field")]
    idempotency_key: Option<String>,
}

async fn purchase(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(asset_id): Path<String>,
    Body422(body): Body422<PurchaseBody>,
) -> Reply {
    let _ = body;
    let id = path_uuid("asset_id", &asset_id)?;
    let bought = state.with(|store| store.purchase_asset(caller, id))?;
    Ok(ok(json!({
        "access_token": bought.access_token,
        "transaction_id": bought.transaction_id,
        "external_url": bought.external_url,
        "external_access_info": null,
    })))
}

async fn purchased(State(state): State<AppState>, Caller(caller): Caller) -> Reply {
    let items: Vec<_> = state.with(|store| {
        store
            .purchases
            .iter()
            .filter(|p| p.buyer == caller)
            .cloned()
            .collect()
    });
    Ok(ok(json!({"items": items})))
}
