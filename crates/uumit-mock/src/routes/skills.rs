//! Skills: the caller's own, their create, read, update and delete, and the hall.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{MethodRouter, get};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uumit_api::Money;

use crate::http::{Body422, Caller, Query422, Reply, ok, path_uuid};
use crate::routes::input::{Check, SkillPricingModel, SkillStatus, WorkMode, null_or, query_bool};
use crate::routes::paged::PageQuery;
use crate::routes::tasks::contains_keyword;
use crate::server::AppState;
use crate::store::{Fail, Skill};

pub(super) fn routes() -> Router<AppState> {
    let routes: [(&str, MethodRouter<AppState>); 3] = [
        ("/api/v1/skills", get(mine).post(create)),
        ("/api/v1/skills/hall", get(hall)),
        (
            "/api/v1/skills/{skill_id}",
            get(read).put(update).delete(delete),
        ),
    ];
    super::with_both_slash_forms(routes)
}

/// The fields of `SkillCreate`, and of `SkillUpdate` when every one is optional.
#[derive(Deserialize)]
struct SkillInput {
    name: Option<String>,
    description: Option<String>,
    #[serde(default, deserialize_with = "null_or")]
    mode: Option<Option<WorkMode>>,
    category: Option<String>,
    pricing_model: Option<SkillPricingModel>,
    ut_price: Option<Money>,
    #[serde(default, deserialize_with = "null_or")]
    tags: Option<Option<Vec<String>>>,
    deliverables: Option<Vec<String>>,
    city: Option<String>,
    input_schema: Option<Vec<Map<String, Value>>>,
    status: Option<SkillStatus>,
}

impl SkillInput {
    fn check(&self, create: bool) -> Result<(), crate::http::Invalid> {
        let mut check = Check::body();
        if create {
            let required = [
                ("name", self.name.is_some()),
                ("description", self.description.is_some()),
                ("category", self.category.is_some()),
                ("pricing_model", self.pricing_model.is_some()),
                ("ut_price", self.ut_price.is_some()),
                ("deliverables", self.deliverables.is_some()),
            ];
            for (field, present) in required {
                if !present {
                    check.missing(field);
                }
            }
            check
                .not_null("mode", &self.mode)
                .not_null("tags", &self.tags);
        }
        check
            .max_chars("category", self.category.as_deref(), 50)
            .amount("ut_price", self.ut_price)
            .finish()
    }

    fn apply(self, skill: &mut Skill) {
        set(&mut skill.name, self.name);
        set(&mut skill.description, self.description);
        set(&mut skill.mode, self.mode.flatten().map(|v| v.0));
        set(&mut skill.category, self.category);
        set(&mut skill.pricing_model, self.pricing_model.map(|v| v.0));
        set(&mut skill.ut_price, self.ut_price);
        set(&mut skill.tags, self.tags.flatten());
        set(&mut skill.deliverables, self.deliverables);
        set(&mut skill.status, self.status.map(|v| v.0));
        if self.city.is_some() {
            skill.city = self.city;
        }
        if let Some(schema) = self.input_schema {
            skill.input_schema = Some(schema.into_iter().map(Value::Object).collect());
        }
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body422(body): Body422<SkillInput>,
) -> Reply {
    body.check(true)?;
    let skill = state.with(|store| {
        let mut skill = Skill {
            id: store.new_id(),
            user_id: caller,
            name: String::new(),
            description: String::new(),
            mode: "online".to_owned(),
            category: String::new(),
            pricing_model: String::new(),
            ut_price: Money::ZERO,
            tags: Vec::new(),
            deliverables: Vec::new(),
            status: "active".to_owned(),
            city: None,
            input_schema: None,
            created_at: Utc::now(),
        };
        body.apply(&mut skill);
        store.skills.insert(0, skill.clone());
        skill
    });
    Ok(ok(skill))
}

#[derive(Deserialize)]
struct MineQuery {
    status: Option<SkillStatus>,
    #[serde(flatten)]
    page: PageQuery,
}

async fn mine(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<MineQuery>,
) -> Reply {
    let page = query.page.validate()?;
    let items: Vec<Skill> = state.with(|store| {
        store
            .skills
            .iter()
            .filter(|s| s.user_id == caller)
            .filter(|s| query.status.as_ref().is_none_or(|v| s.status == v.0))
            .cloned()
            .collect()
    });
    Ok(ok(page.slice(items)))
}

#[derive(Deserialize)]
struct HallQuery {
    keyword: Option<String>,
    category: Option<String>,
    mode: Option<WorkMode>,
    city: Option<String>,
    #[serde(default, deserialize_with = "query_bool")]
    supports_agent_call: Option<bool>,
    #[serde(flatten)]
    page: PageQuery,
}

async fn hall(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<HallQuery>,
) -> Reply {
    Check::under(vec![json!("query")])
        .max_chars("category", query.category.as_deref(), 50)
        .finish()?;
    let page = query.page.validate()?;
    // Every skill in an agent's hall is priced in UT, so agents can order each one directly.
    let agent_callable = query.supports_agent_call.unwrap_or(true);
    let items: Vec<Skill> = state.with(|store| {
        store
            .skills
            .iter()
            .filter(|s| agent_callable && s.status == "active" && s.user_id != caller)
            .filter(|s| contains_keyword(query.keyword.as_deref(), &[&s.name, &s.description]))
            .filter(|s| query.category.as_ref().is_none_or(|c| &s.category == c))
            .filter(|s| query.mode.as_ref().is_none_or(|m| s.mode == m.0))
            .filter(|s| query.city.is_none() || s.city == query.city)
            .cloned()
            .collect()
    });
    Ok(ok(page.slice(items)))
}

async fn read(
    State(state): State<AppState>,
    Caller(_): Caller,
    Path(skill_id): Path<String>,
) -> Reply {
    let id = path_uuid("skill_id", &skill_id)?;
    Ok(ok(state.with(|store| store.skill(id).cloned())?))
}

async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(skill_id): Path<String>,
    Body422(body): Body422<SkillInput>,
) -> Reply {
    body.check(false)?;
    let id = path_uuid("skill_id", &skill_id)?;
    let skill = state.with(|store| {
        let skill = store.own_skill(caller, id)?;
        body.apply(skill);
        Ok::<_, Fail>(skill.clone())
    })?;
    Ok(ok(skill))
}

async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(skill_id): Path<String>,
) -> Reply {
    let id = path_uuid("skill_id", &skill_id)?;
    state.with(|store| store.delete_skill(caller, id))?;
    Ok(ok(Value::Null))
}
