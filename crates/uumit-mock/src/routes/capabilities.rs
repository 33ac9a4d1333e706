//! Capability listings: the marketplace list, the caller's own listings and their
//! create, read, update and delete.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;
use uumit_api::Money;

use crate::http::{Body422, Caller, Query422, Reply, ok, path_uuid};
use crate::routes::input::{
    CapabilityStatus, CapabilityType, Check, DeliveryMode, PricingModel, null_or,
};
use crate::routes::paged::PageQuery;
use crate::server::AppState;
use crate::store::{Capability, Fail, JsonCache, Outcome};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/capabilities", get(list).post(create))
        .route("/api/v1/capabilities/mine", get(mine))
        .route(
            "/api/v1/capabilities/{cap_id}",
            get(read).put(update).delete(delete),
        )
}

#[derive(Deserialize)]
struct ListQuery {
    category: Option<String>,
    capability_type: Option<CapabilityType>,
    agent_id: Option<Uuid>,
    #[serde(flatten)]
    page: PageQuery,
}

async fn list(
    State(state): State<AppState>,
    Caller(_): Caller,
    Query422(query): Query422<ListQuery>,
) -> Reply {
    Check::under(vec![json!("query")])
        .max_chars("category", query.category.as_deref(), 50)
        .finish()?;
    let page = query.page.validate()?;
    let capability_type = query.capability_type.as_ref().map(CapabilityType::as_str);
    let data = state.with(|store| {
        let items = store
            .capabilities
            .iter()
            .filter(|c| c.status == "active")
            .filter(|c| query.category.as_ref().is_none_or(|v| &c.category == v))
            .filter(|c| capability_type.is_none_or(|v| c.capability_type == v))
            .filter(|c| query.agent_id.is_none_or(|v| c.agent_id == v))
            .collect::<Vec<_>>();
        page.slice(items).map(|c| c.json())
    });
    Ok(ok(data))
}

#[derive(Deserialize)]
struct MineQuery {
    status: Option<CapabilityStatus>,
    #[serde(flatten)]
    page: PageQuery,
}

async fn mine(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<MineQuery>,
) -> Reply {
    let page = query.page.validate()?;
    let status = query.status.as_ref().map(CapabilityStatus::as_str);
    let data = state.with(|store| {
        let items = store
            .capabilities
            .iter()
            .filter(|c| c.agent_id == caller)
            .filter(|c| status.is_none_or(|s| c.status == s))
            .collect::<Vec<_>>();
        page.slice(items).map(|c| c.json())
    });
    Ok(ok(data))
}

/// The fields of `CapabilityCreate`, and of `CapabilityUpdate` when every one is
/// optional.
#[derive(Deserialize, Default)]
pub(super) struct CapabilityInput {
    title: Option<String>,
    description: Option<String>,
    category: Option<String>,
    capability_type: Option<CapabilityType>,
    pricing_model: Option<PricingModel>,
    #[serde(default, deserialize_with = "null_or")]
    price_ut: Option<Option<Money>>,
    #[serde(default, deserialize_with = "null_or")]
    tags: Option<Option<Vec<String>>>,
    #[serde(default, deserialize_with = "null_or")]
    delivery_mode: Option<Option<DeliveryMode>>,
    callback_url: Option<String>,
    callback_timeout_sec: Option<i64>,
    auto_accept_min_ut: Option<Money>,
    daily_limit: Option<i64>,
    rate_limit_per_min: Option<i64>,
    input_schema: Option<Map<String, Value>>,
}

impl CapabilityInput {
    /// Checks the values FastAPI would check, with locations under `check`'s root.
    pub(super) fn check(&self, check: &mut Check) -> Result<(), crate::http::Invalid> {
        check
            .max_chars("title", self.title.as_deref(), 200)
            .max_chars("category", self.category.as_deref(), 50)
            .amount("price_ut", self.price_ut.flatten())
            .amount("auto_accept_min_ut", self.auto_accept_min_ut)
            .url("callback_url", self.callback_url.as_deref())
            .at_least("callback_timeout_sec", self.callback_timeout_sec, 1)
            .at_least("daily_limit", self.daily_limit, 0)
            .at_least("rate_limit_per_min", self.rate_limit_per_min, 1)
            .finish()
    }

    /// Reports the missing required fields of a create body as FastAPI does.
    pub(super) fn require_all(&self, check: &mut Check) -> Result<(), crate::http::Invalid> {
        let present = [
            ("title", self.title.is_some()),
            ("description", self.description.is_some()),
            ("category", self.category.is_some()),
            ("capability_type", self.capability_type.is_some()),
            ("pricing_model", self.pricing_model.is_some()),
        ];
        for (field, is_present) in present {
            if !is_present {
                check.missing(field);
            }
        }
        check
            .not_null("price_ut", &self.price_ut)
            .not_null("tags", &self.tags)
            .not_null("delivery_mode", &self.delivery_mode)
            .finish()
    }

    /// Builds a new listing of `owner` from a checked create body.
    pub(super) fn into_capability(self, id: Uuid, owner: Uuid) -> Outcome<Capability> {
        let mut capability = Capability {
            id,
            agent_id: owner,
            title: String::new(),
            description: String::new(),
            category: String::new(),
            capability_type: String::new(),
            pricing_model: String::new(),
            price_ut: Money::ZERO,
            tags: Vec::new(),
            delivery_mode: "instant".to_owned(),
            status: "active".to_owned(),
            created_at: Utc::now(),
            input_schema: None,
            callback_url: None,
            json: JsonCache::default(),
        };
        self.apply(&mut capability)?;
        Ok(capability)
    }

    /// Writes the given fields over `capability`, then checks the listing's rules.
    pub(super) fn apply(self, capability: &mut Capability) -> Outcome<()> {
        let mut next = capability.clone();
        set(&mut next.title, self.title);
        set(&mut next.description, self.description);
        set(&mut next.category, self.category);
        set(&mut next.capability_type, self.capability_type.map(|v| v.0));
        set(&mut next.pricing_model, self.pricing_model.map(|v| v.0));
        set(&mut next.price_ut, self.price_ut.flatten());
        set(&mut next.tags, self.tags.flatten());
        set(
            &mut next.delivery_mode,
            self.delivery_mode.flatten().map(|v| v.0),
        );
        if self.callback_url.is_some() {
            next.callback_url = self.callback_url;
        }
        if let Some(schema) = self.input_schema {
            next.input_schema = Some(Value::Object(schema));
        }
        check_callback(&next)?;
        *capability = next;
        Ok(())
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// Checks that a `per_query` capability has a public HTTPS `callback_url`. The platform
/// calls it synchronously, so local and private addresses are rejected.
fn check_callback(capability: &Capability) -> Outcome<()> {
    if capability.pricing_model != "per_query" {
        return Ok(());
    }
    let url = capability.callback_url.as_deref().unwrap_or_default();
    let parsed = url::Url::parse(url).ok();
    let public = parsed
        .as_ref()
        .is_some_and(|u| u.scheme() == "https" && u.host().is_some_and(|h| is_public_host(&h)));
    if !public {
        return Err(Fail::invalid(format!(
            "a per_query capability needs a public https callback_url; {url:?} is not one"
        )));
    }
    Ok(())
}

fn is_public_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(name) => {
            let name = name.to_ascii_lowercase();
            name != "localhost" && !name.ends_with(".localhost") && !name.ends_with(".local")
        }
        url::Host::Ipv4(ip) => {
            !(ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified())
        }
        url::Host::Ipv6(ip) => !(ip.is_loopback() || ip.is_unspecified()),
    }
}

async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body422(body): Body422<CapabilityInput>,
) -> Reply {
    body.require_all(&mut Check::body())?;
    body.check(&mut Check::body())?;
    let created = state.with(|store| {
        let capability = body.into_capability(store.new_id(), caller)?;
        Ok::<_, Fail>(store.insert_capability(capability))
    })?;
    Ok(ok(created))
}

async fn read(
    State(state): State<AppState>,
    Caller(_): Caller,
    Path(cap_id): Path<String>,
) -> Reply {
    let id = path_uuid("cap_id", &cap_id)?;
    Ok(ok(state.with(|store| store.capability(id).cloned())?))
}

async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(cap_id): Path<String>,
    Body422(body): Body422<CapabilityInput>,
) -> Reply {
    body.check(&mut Check::body())?;
    let id = path_uuid("cap_id", &cap_id)?;
    let updated = state.with(|store| {
        let capability = store.own_capability(caller, id)?;
        body.apply(capability)?;
        Ok::<_, Fail>(capability.clone())
    })?;
    Ok(ok(updated))
}

async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(cap_id): Path<String>,
) -> Reply {
    let id = path_uuid("cap_id", &cap_id)?;
    state.with(|store| store.delete_capability(caller, id))?;
    Ok(ok(Value::Null))
}
