//! Tasks: publishing with a bounty, drafts, the hall, closing, and applications.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{MethodRouter, get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;
use uumit_api::Money;

use crate::http::{Body422, Caller, Query422, Reply, ok, ok_with_code, path_uuid};
use crate::routes::input::{ApplicationStatus, Check, TaskBillingModel, WorkMode, not_null};
use crate::routes::paged::PageQuery;
use crate::server::AppState;
use crate::store::{Application, CODE_DRAFT_SAVED, Task};

pub(super) fn routes() -> Router<AppState> {
    let routes: [(&str, MethodRouter<AppState>); 9] = [
        ("/api/v1/tasks", post(create).get(mine)),
        ("/api/v1/tasks/hall", get(hall)),
        ("/api/v1/tasks/applications/mine", get(my_applications)),
        ("/api/v1/tasks/{task_id}", get(read)),
        ("/api/v1/tasks/{task_id}/close", post(close)),
        ("/api/v1/tasks/{task_id}/publish-draft", post(publish_draft)),
        (
            "/api/v1/tasks/{task_id}/applications",
            post(apply).get(applications),
        ),
        (
            "/api/v1/tasks/{task_id}/applications/{app_id}/accept",
            post(accept_application),
        ),
        (
            "/api/v1/tasks/{task_id}/applications/{app_id}/reject",
            post(reject_application),
        ),
    ];
    super::with_both_slash_forms(routes)
}

#[derive(Deserialize)]
struct ContactInfo {
    #[serde(rename = "type")]
    #[allow(dead_code, reason = "validated, not stored")]
    kind: String,
    #[allow(dead_code, reason = "validated, not stored")]
    value: String,
}

#[derive(Deserialize)]
#[allow(
    dead_code,
    reason = "contact and scheduling fields are validated, not stored"
)]
struct TaskBody {
    title: String,
    description: String,
    #[serde(default, deserialize_with = "not_null")]
    mode: Option<WorkMode>,
    #[serde(default, deserialize_with = "not_null")]
    billing_model: Option<TaskBillingModel>,
    bounty_amount: Money,
    #[serde(default, deserialize_with = "not_null")]
    bounty_currency: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    delivery_hours: Option<i64>,
    category: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    tags: Option<Vec<String>>,
    deadline: Option<DateTime<Utc>>,
    city: Option<String>,
    contact_info: Option<ContactInfo>,
    scheduled_start_at: Option<DateTime<Utc>>,
    unit_price: Option<Money>,
    total_quantity: Option<i64>,
}

impl TaskBody {
    fn check(&self) -> Result<(), crate::http::Invalid> {
        let mut check = Check::body();
        check
            .amount("bounty_amount", Some(self.bounty_amount))
            .amount("unit_price", self.unit_price)
            .max_chars("category", self.category.as_deref(), 50)
            .at_least("total_quantity", self.total_quantity, 1)
            .at_least("delivery_hours", self.delivery_hours, 1);
        if self.bounty_currency.as_deref().is_some_and(|c| c != "UT") {
            check.literal("bounty_currency", "UT");
        }
        check.finish()
    }

    fn into_task(self, id: Uuid, publisher: Uuid) -> Task {
        let now = Utc::now();
        Task {
            id,
            publisher_id: publisher,
            title: self.title,
            description: self.description,
            mode: self.mode.map_or_else(|| "online".to_owned(), |m| m.0),
            billing_model: self
                .billing_model
                .map_or_else(|| "fixed_deadline".to_owned(), |m| m.0),
            status: "draft".to_owned(),
            owner_type: "agent".to_owned(),
            bounty_amount: self.bounty_amount,
            bounty_currency: "UT".to_owned(),
            category: self.category,
            tags: self.tags.unwrap_or_default(),
            deliverables: Value::Null,
            approval_mode: "manual".to_owned(),
            completion_mode: "manual".to_owned(),
            delivery_hours: self.delivery_hours.unwrap_or(24),
            deadline: self.deadline,
            city: self.city,
            created_at: now,
            updated_at: now,
        }
    }
}

async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Body422(body): Body422<TaskBody>,
) -> Reply {
    body.check()?;
    let (task, draft) = state.with(|store| {
        let task = body.into_task(store.new_id(), caller);
        store.publish_task(task)
    });
    if draft {
        let message = format!(
            "the bounty {} UT exceeds the available UT; the task was saved as a draft, \
             publish it with publish-draft once the balance covers it",
            task.bounty_amount
        );
        return Ok(ok_with_code(CODE_DRAFT_SAVED, &message, task));
    }
    Ok(ok(task))
}

#[derive(Deserialize)]
struct MineQuery {
    status: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

async fn mine(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<MineQuery>,
) -> Reply {
    let page = query.page.validate()?;
    let items: Vec<Task> = state.with(|store| {
        store
            .tasks
            .iter()
            .filter(|t| t.publisher_id == caller)
            .filter(|t| query.status.as_ref().is_none_or(|s| &t.status == s))
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
    status: Option<String>,
    #[serde(flatten)]
    page: PageQuery,
}

/// Whether `text` contains `keyword`, ignoring case; true when there is no keyword.
pub(super) fn contains_keyword(keyword: Option<&str>, texts: &[&str]) -> bool {
    let Some(keyword) = keyword.map(str::to_lowercase) else {
        return true;
    };
    texts.iter().any(|t| t.to_lowercase().contains(&keyword))
}

async fn hall(
    State(state): State<AppState>,
    Caller(_): Caller,
    Query422(query): Query422<HallQuery>,
) -> Reply {
    Check::under(vec![json!("query")])
        .max_chars("category", query.category.as_deref(), 50)
        .finish()?;
    let page = query.page.validate()?;
    let status = query.status.as_deref().unwrap_or("open");
    let items: Vec<Task> = state.with(|store| {
        store
            .tasks
            .iter()
            .filter(|t| t.status == status && t.owner_type == "agent")
            .filter(|t| contains_keyword(query.keyword.as_deref(), &[&t.title, &t.description]))
            .filter(|t| query.category.is_none() || t.category == query.category)
            .filter(|t| query.mode.as_ref().is_none_or(|m| t.mode == m.0))
            .filter(|t| query.city.is_none() || t.city == query.city)
            .cloned()
            .collect()
    });
    Ok(ok(page.slice(items)))
}

async fn read(
    State(state): State<AppState>,
    Caller(_): Caller,
    Path(task_id): Path<String>,
) -> Reply {
    let id = path_uuid("task_id", &task_id)?;
    Ok(ok(state.with(|store| store.task(id).cloned())?))
}

async fn close(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(task_id): Path<String>,
) -> Reply {
    let id = path_uuid("task_id", &task_id)?;
    Ok(ok(state.with(|store| store.close_task(caller, id))?))
}

async fn publish_draft(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(task_id): Path<String>,
) -> Reply {
    let id = path_uuid("task_id", &task_id)?;
    Ok(ok(state.with(|store| store.publish_draft(caller, id))?))
}

#[derive(Deserialize)]
struct ApplyBody {
    skill_id: Uuid,
    message: Option<String>,
    proposed_price: Option<Money>,
}

async fn apply(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(task_id): Path<String>,
    Body422(body): Body422<ApplyBody>,
) -> Reply {
    Check::body()
        .amount("proposed_price", body.proposed_price)
        .finish()?;
    let id = path_uuid("task_id", &task_id)?;
    let application = state.with(|store| {
        store.apply_to_task(caller, id, body.skill_id, body.message, body.proposed_price)
    })?;
    Ok(ok(application))
}

#[derive(Deserialize)]
struct ApplicationsQuery {
    status: Option<ApplicationStatus>,
    #[serde(flatten)]
    page: PageQuery,
}

fn filter_status(items: Vec<Application>, status: Option<&ApplicationStatus>) -> Vec<Application> {
    items
        .into_iter()
        .filter(|a| status.is_none_or(|s| a.status == s.0))
        .collect()
}

async fn applications(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path(task_id): Path<String>,
    Query422(query): Query422<ApplicationsQuery>,
) -> Reply {
    let id = path_uuid("task_id", &task_id)?;
    let page = query.page.validate()?;
    let items = state.with(|store| store.applications_of(caller, id))?;
    Ok(ok(page.slice(filter_status(items, query.status.as_ref()))))
}

async fn my_applications(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Query422(query): Query422<ApplicationsQuery>,
) -> Reply {
    let page = query.page.validate()?;
    let items: Vec<Application> = state.with(|store| {
        store
            .applications
            .iter()
            .filter(|a| a.applicant_id == caller)
            .cloned()
            .collect()
    });
    Ok(ok(page.slice(filter_status(items, query.status.as_ref()))))
}

fn application_ids(task_id: &str, app_id: &str) -> Result<(Uuid, Uuid), crate::http::Invalid> {
    Ok((path_uuid("task_id", task_id)?, path_uuid("app_id", app_id)?))
}

async fn accept_application(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((task_id, app_id)): Path<(String, String)>,
) -> Reply {
    let (task, app) = application_ids(&task_id, &app_id)?;
    let accepted = state.with(|store| store.accept_application(caller, task, app))?;
    Ok(ok(accepted))
}

async fn reject_application(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Path((task_id, app_id)): Path<(String, String)>,
) -> Reply {
    let (task, app) = application_ids(&task_id, &app_id)?;
    let rejected = state.with(|store| store.reject_application(caller, task, app))?;
    Ok(ok(rejected))
}
