//! The agent runtime: `GET /api/v1/agent-runtime/connect` (the job channel as
//! Server-Sent Events) and `POST /api/v1/agent-runtime/act`.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::http::{Body422, Caller, Reply, ok};
use crate::protocols::{Protocols, sse};
use crate::server::AppState;
use crate::store::{Fail, TxStatus};

/// `Retry-After` during maintenance, in seconds.
const MAINTENANCE_RETRY_SECONDS: &str = "30";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/agent-runtime/connect", get(connect))
        .route("/api/v1/agent-runtime/act", post(act))
}

fn maintenance() -> Response {
    let mut response = Fail::new(
        503,
        9999,
        "the agent runtime is down for maintenance; retry later",
    )
    .into_response();
    response.headers_mut().insert(
        "retry-after",
        HeaderValue::from_static(MAINTENANCE_RETRY_SECONDS),
    );
    response
}

/// The id to resume from: `Last-Event-ID`, else the `last_event_id` query parameter.
fn resume_id(headers: &HeaderMap, uri: &Uri) -> Option<u64> {
    let header = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let query = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "last_event_id")
        .map(|(_, v)| v.into_owned());
    header.or(query)?.trim().parse().ok()
}

async fn connect(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if state.protocols.config.runtime_maintenance {
        return maintenance();
    }
    // Events from the resume id on, that one included: a resume repeats the last
    // event, as the platform's does, and clients drop the repeat by job id.
    let from = resume_id(&headers, &uri).unwrap_or(0).max(1);
    let cut = state.protocols.config.faults.cut_runtime_after_events;
    let cut = cut.filter(|_| state.protocols.fire_once("cut_runtime", true));
    state.protocols.connect(caller);
    let changes = state.protocols.watch(caller);
    let connection = Connection {
        guard: Guard {
            protocols: state.protocols.clone(),
            user: caller,
        },
        state,
        user: caller,
        next_from: from,
        queue: VecDeque::new(),
        last_beat: tokio::time::Instant::now(),
        sent: 0,
        cut,
        ended: false,
        changes,
    };
    sse::response(futures::stream::unfold(connection, |mut c| async move {
        let frame = c.next_frame().await?;
        Some((frame, c))
    }))
}

/// Marks the user disconnected when the stream's body is dropped.
struct Guard {
    protocols: Arc<Protocols>,
    user: Uuid,
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.protocols.disconnect(self.user);
    }
}

struct Connection {
    #[allow(dead_code, reason = "held for its Drop, which records the disconnect")]
    guard: Guard,
    state: AppState,
    user: Uuid,
    next_from: u64,
    queue: VecDeque<(u64, &'static str, Value)>,
    last_beat: tokio::time::Instant,
    sent: usize,
    cut: Option<usize>,
    ended: bool,
    /// Wakes the stream on a change for its user.
    changes: tokio::sync::watch::Receiver<u64>,
}

impl Connection {
    async fn next_frame(&mut self) -> Option<Bytes> {
        if self.ended {
            return None;
        }
        loop {
            if let Some((id, event, data)) = self.queue.pop_front() {
                if self.cut == Some(self.sent) {
                    self.ended = true;
                    return Some(sse::cut_frame(event, id, &data));
                }
                self.sent += 1;
                return Some(sse::frame(event, Some(id), &data));
            }
            self.dispatch_jobs();
            self.close_jobs();
            let events = self.state.protocols.events_from(self.user, self.next_from);
            if let Some(last) = events.last() {
                self.next_from = last.id + 1;
                self.queue
                    .extend(events.into_iter().map(|e| (e.id, e.event, e.data)));
                continue;
            }
            let interval = self.state.protocols.config.heartbeat_interval;
            if self.last_beat.elapsed() >= interval {
                self.last_beat = tokio::time::Instant::now();
                let id = self.state.protocols.last_id();
                let beat =
                    json!({"ts": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)});
                self.queue.push_back((id, "heartbeat", beat));
                continue;
            }
            let until_beat = interval.saturating_sub(self.last_beat.elapsed());
            let wait = self.state.protocols.wait_for_change(&mut self.changes);
            let _ = tokio::time::timeout(until_beat, wait).await;
        }
    }

    /// Dispatches a job for every frozen transaction of the user's capabilities that
    /// has none yet.
    fn dispatch_jobs(&self) {
        let user = self.user;
        let frozen: Vec<(Uuid, Uuid, Value)> = self.state.with(|store| {
            store
                .frozen_for(user)
                .map(|t| (t.id, t.capability_id, json!(t.price_ut)))
                .collect()
        });
        let protocols = &self.state.protocols;
        for (transaction_id, capability_id, price) in frozen {
            let now = Utc::now();
            let Some(job_id) = protocols.new_job(transaction_id, user, now) else {
                continue;
            };
            let expires_at = (now + crate::protocols::JOB_LIFETIME)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let data = json!({
                "job_id": job_id,
                "transaction_id": transaction_id,
                "capability_id": capability_id,
                "price_ut": price,
                "input_payload": {},
                "expires_at": expires_at,
            });
            protocols.log(user, "job_dispatch", data);
        }
    }
}

impl Connection {
    /// Sends `job_cancel` for jobs whose buyer cancelled, and a `job_update` with status
    /// `expired` for jobs not accepted within their lifetime.
    fn close_jobs(&self) {
        let protocols = &self.state.protocols;
        let now = Utc::now();
        for (job_id, job) in protocols.open_jobs(self.user) {
            let tx = job.transaction_id;
            let status = self
                .state
                .with(|store| store.transactions.get(&tx).map(|t| t.status));
            match status {
                Some(TxStatus::CancelledByBuyer) => {
                    let reason = "the buyer cancelled the transaction";
                    let data = json!({"job_id": job_id, "reason": reason});
                    protocols.log(self.user, "job_cancel", data);
                    protocols.close_job(job_id);
                }
                Some(TxStatus::Frozen) if now > job.expires_at => {
                    let note = "the job was not accepted within 5 minutes";
                    job_update(protocols, self.user, job_id, tx, "expired", note);
                    protocols.close_job(job_id);
                }
                _ => {}
            }
        }
    }
}

#[derive(Deserialize)]
struct ActBody {
    action: String,
    payload: Map<String, Value>,
}

async fn act(
    State(state): State<AppState>,
    Caller(caller): Caller,
    headers: HeaderMap,
    Body422(body): Body422<ActBody>,
) -> Reply {
    if state.protocols.config.runtime_maintenance {
        return Err(maintenance());
    }
    if !headers.contains_key("idempotency-key") {
        return Err(Fail::invalid(
            "the Idempotency-Key header is required on agent-runtime actions; send one per job and action, such as accept-<job_id>",
        )
        .into());
    }
    let payload = body.payload;
    let outcome = match body.action.as_str() {
        "accept_job" | "reject_job" | "heartbeat_job" | "deliver_job" | "fail_job" => {
            job_action(&state, caller, &body.action, &payload)
        }
        "send_message" => send_message(&state, caller, &payload),
        other => Err(Fail::invalid(format!(
            "unknown action {other:?}; expected accept_job, reject_job, heartbeat_job, deliver_job, fail_job or send_message"
        ))),
    };
    outcome.map(ok).map_err(Into::into)
}

fn field<'a>(payload: &'a Map<String, Value>, name: &str) -> Result<&'a Value, Fail> {
    payload
        .get(name)
        .ok_or_else(|| Fail::invalid(format!("payload.{name} is required")))
}

fn uuid_field(payload: &Map<String, Value>, name: &str) -> Result<Uuid, Fail> {
    let value = field(payload, name)?;
    value
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| Fail::invalid(format!("payload.{name} must be a UUID, got {value}")))
}

fn job_action(
    state: &AppState,
    caller: Uuid,
    action: &str,
    payload: &Map<String, Value>,
) -> Result<Value, Fail> {
    let job_id = uuid_field(payload, "job_id")?;
    let protocols = &state.protocols;
    let job = protocols
        .job(job_id)
        .filter(|job| job.seller == caller)
        .ok_or_else(|| Fail::new(400, 1004, format!("job {job_id} does not exist")))?;
    let tx = job.transaction_id;
    let status = state.with(|store| store.transaction(caller, tx).map(|t| t.status))?;
    if status == TxStatus::Frozen && Utc::now() > job.expires_at {
        return Err(Fail::new(
            400,
            1004,
            format!("job {job_id} expired; it was not accepted within 5 minutes"),
        ));
    }
    let status = match action {
        "accept_job" => state.with(|store| store.accept(caller, tx))?.status,
        "reject_job" => state.with(|store| store.reject(caller, tx))?.status,
        "heartbeat_job" => {
            field(payload, "progress")?;
            status
        }
        "deliver_job" => {
            let result = field(payload, "result_payload")?.clone();
            if job.delivered {
                let message = format!("job {job_id} was already delivered");
                return Err(Fail::new(409, 4501, message));
            }
            let delivered = state.with(|store| store.deliver(caller, tx, result))?;
            protocols.mark_delivered(job_id);
            job_update(
                protocols,
                caller,
                job_id,
                tx,
                "delivered",
                "the result was delivered",
            );
            delivered.status
        }
        _ => {
            let code = field(payload, "error_code")?.clone();
            let failed = state.with(|store| store.reject(caller, tx))?;
            let note = format!("the job failed with {code}; the buyer was refunded");
            job_update(protocols, caller, job_id, tx, "failed", &note);
            failed.status
        }
    };
    Ok(json!({"action": action, "job_id": job_id, "status": job_status(status)}))
}

fn job_status(status: TxStatus) -> &'static str {
    match status {
        TxStatus::RejectedBySeller => "failed",
        other => other.as_str(),
    }
}

fn job_update(
    protocols: &Protocols,
    seller: Uuid,
    job_id: Uuid,
    tx: Uuid,
    status: &str,
    message: &str,
) {
    let data =
        json!({"job_id": job_id, "transaction_id": tx, "status": status, "message": message});
    protocols.log(seller, "job_update", data);
}

fn send_message(
    state: &AppState,
    caller: Uuid,
    payload: &Map<String, Value>,
) -> Result<Value, Fail> {
    let to = uuid_field(payload, "to_user_id")?;
    state.with(|store| store.user(to).map(|_| ()))?;
    let text = |name: &str| -> Result<String, Fail> {
        let value = field(payload, name)?;
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| Fail::invalid(format!("payload.{name} must be a string")))
    };
    let message_id = Uuid::new_v4();
    let data = json!({
        "message_id": message_id,
        "from_user_id": caller,
        "context_type": text("context_type")?,
        "context_id": text("context_id")?,
        "content_type": text("content_type")?,
        "content": text("content")?,
    });
    state.protocols.log(to, "agent_msg", data);
    Ok(json!({"action": "send_message", "message_id": message_id}))
}
