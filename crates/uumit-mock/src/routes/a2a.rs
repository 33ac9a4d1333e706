//! `POST /a2a`: A2A JSON-RPC 2.0 with `tasks/send`, `tasks/get`, `tasks/cancel` and
//! `tasks/sendSubscribe`, over the transaction state machine.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::http::Caller;
use crate::protocols::sse;
use crate::server::AppState;
use crate::store::{Fail, Store, Transaction, TxStatus};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/a2a", post(rpc))
}

/// A JSON-RPC error to send back.
struct RpcFailure {
    code: i64,
    message: String,
    data: Option<Value>,
}

impl RpcFailure {
    fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    fn invalid_params(detail: impl Into<String>) -> Self {
        let detail = detail.into();
        Self {
            code: -32602,
            message: "Invalid params".into(),
            data: Some(json!({ "detail": detail })),
        }
    }

    /// Maps a state-machine failure: a missing or hidden transaction is -32001.
    fn from_fail(fail: Fail) -> Self {
        match fail.status {
            404 | 403 => Self::new(-32001, "Task not found"),
            _ => Self {
                code: -32603,
                message: fail.message.clone(),
                data: Some(json!({"code": fail.code, "detail": fail.message})),
            },
        }
    }
}

fn reply(id: &Value, outcome: Result<Value, RpcFailure>) -> Response {
    let body = match outcome {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(failure) => {
            let mut error = json!({"code": failure.code, "message": failure.message});
            if let Some(data) = failure.data {
                error["data"] = data;
            }
            json!({"jsonrpc": "2.0", "id": id, "error": error})
        }
    };
    axum::Json(body).into_response()
}

async fn rpc(State(state): State<AppState>, Caller(caller): Caller, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return reply(&Value::Null, Err(RpcFailure::new(-32700, "Parse error")));
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let method = request.get("method").and_then(Value::as_str);
    let valid_id = matches!(id, Value::Null | Value::Number(_) | Value::String(_));
    let (Some(method), Some("2.0"), true) = (
        method,
        request.get("jsonrpc").and_then(Value::as_str),
        valid_id,
    ) else {
        return reply(&id, Err(RpcFailure::new(-32600, "Invalid Request")));
    };
    let params = request.get("params").cloned().unwrap_or(json!({}));
    match method {
        "tasks/send" => reply(&id, send(&state, caller, params)),
        "tasks/get" => reply(&id, task_id(&params).and_then(|t| get(&state, caller, t))),
        "tasks/cancel" => reply(
            &id,
            task_id(&params).and_then(|t| cancel(&state, caller, t)),
        ),
        "tasks/sendSubscribe" => subscribe(state, caller, id, &params),
        other => reply(
            &id,
            Err(RpcFailure::new(
                -32601,
                format!("Method not found: {other}"),
            )),
        ),
    }
}

#[derive(Deserialize)]
#[allow(
    dead_code,
    reason = "demand_id, context_id, message and metadata are validated but not stored"
)]
struct SendParams {
    capability_id: Uuid,
    #[serde(default)]
    booked_hours: Option<u32>,
    #[serde(default)]
    demand_id: Option<Uuid>,
    #[serde(default)]
    context_id: Option<Uuid>,
    #[serde(default)]
    message: Option<Value>,
    #[serde(default)]
    metadata: Option<Value>,
}

fn send(state: &AppState, caller: Uuid, params: Value) -> Result<Value, RpcFailure> {
    let params: SendParams =
        serde_json::from_value(params).map_err(|e| RpcFailure::invalid_params(e.to_string()))?;
    let created = state
        .with(|store| store.create_transaction(caller, params.capability_id, params.booked_hours))
        .map_err(|fail| match fail.status {
            404 | 400 => RpcFailure::invalid_params(fail.message),
            _ => RpcFailure::from_fail(fail),
        })?;
    Ok(task_view(&created))
}

fn task_id(params: &Value) -> Result<Uuid, RpcFailure> {
    let id = params
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcFailure::invalid_params("params.id is required: the task id"))?;
    Uuid::parse_str(id).map_err(|_| RpcFailure::new(-32001, "Task not found"))
}

fn get(state: &AppState, caller: Uuid, id: Uuid) -> Result<Value, RpcFailure> {
    let transaction = state
        .with(|store| store.transaction(caller, id).cloned())
        .map_err(RpcFailure::from_fail)?;
    Ok(task_view(&transaction))
}

fn cancel(state: &AppState, caller: Uuid, id: Uuid) -> Result<Value, RpcFailure> {
    get(state, caller, id)?;
    let cancelled = state
        .with(|store| store.cancel(caller, id))
        .map_err(|fail| {
            if fail.status == 200 {
                RpcFailure::new(-32002, format!("Task cannot be canceled: {}", fail.message))
            } else {
                RpcFailure::from_fail(fail)
            }
        })?;
    Ok(task_view(&cancelled))
}

/// The A2A name of a transaction status.
fn a2a_state(status: TxStatus) -> &'static str {
    match status {
        TxStatus::PendingFreeze => "submitted",
        TxStatus::Frozen | TxStatus::Accepted => "working",
        TxStatus::Delivered => "input-required",
        TxStatus::Settled => "completed",
        TxStatus::RejectedBySeller => "failed",
        TxStatus::CancelledByBuyer => "canceled",
    }
}

fn task_view(transaction: &Transaction) -> Value {
    let mut task = json!({
        "id": transaction.id,
        "status": a2a_state(transaction.status),
        "transaction_status": transaction.status.as_str(),
        "capability_id": transaction.capability_id,
        "price_ut": transaction.price_ut,
        "created_at": transaction.created_at,
        "updated_at": transaction.updated_at,
    });
    if let Some(result) = &transaction.result_payload {
        task["artifacts"] = json!([{ "parts": [{ "type": "data", "data": result }] }]);
    }
    task
}

fn subscribe(state: AppState, caller: Uuid, id: Value, params: &Value) -> Response {
    let first = task_id(params).and_then(|t| get(&state, caller, t).map(|task| (t, task)));
    let (tx, task) = match first {
        Ok(found) => found,
        Err(failure) => return reply(&id, Err(failure)),
    };
    let faults = &state.protocols.config.faults;
    if state
        .protocols
        .fire_once("subscribe_json_error", faults.subscribe_json_error)
    {
        let failure = RpcFailure::new(-32603, "the subscription could not be opened");
        return reply(&id, Err(failure));
    }
    let end_early = state
        .protocols
        .fire_once("subscribe_end_early", faults.subscribe_end_early);
    // The seller's channel moves on every change of the transaction and when the
    // seller connects or leaves, which decides whether the auto-seller plays.
    let seller = state.with(|store| store.transactions.get(&tx).map(|t| t.seller_user_id));
    let changes = state.protocols.watch(seller.unwrap_or(caller));
    let watch = Watch {
        changes,
        state,
        caller,
        tx,
        id,
        last: None,
        pending: Some(task),
        end_early,
        done: false,
    };
    sse::response(futures::stream::unfold(watch, |mut w| async move {
        let frame = w.next_frame().await?;
        Some((frame, w))
    }))
}

/// One subscription: sends the task whenever its state changes, and plays the seller
/// when the auto-seller is on and the real seller is not connected.
struct Watch {
    /// Wakes the subscription when the transaction changes or its seller connects or
    /// leaves.
    changes: tokio::sync::watch::Receiver<u64>,
    state: AppState,
    caller: Uuid,
    tx: Uuid,
    id: Value,
    last: Option<Value>,
    pending: Option<Value>,
    end_early: bool,
    done: bool,
}

impl Watch {
    async fn next_frame(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        loop {
            if let Some(task) = self.pending.take() {
                let terminal = matches!(
                    task["status"].as_str(),
                    Some("completed" | "failed" | "canceled")
                );
                self.done = terminal || self.end_early;
                self.last = Some(task.clone());
                let body = json!({"jsonrpc": "2.0", "id": self.id, "result": task});
                return Some(sse::frame("message", None, &body));
            }
            self.wait_and_step().await;
            let current = get(&self.state, self.caller, self.tx).ok()?;
            if self.last.as_ref().map(|t| &t["status"]) != Some(&current["status"]) {
                self.pending = Some(current);
            }
        }
    }

    async fn wait_and_step(&mut self) {
        let protocols = &self.state.protocols;
        let seller = self
            .state
            .with(|store| store.transactions.get(&self.tx).map(|t| t.seller_user_id));
        let auto = protocols.config.auto_seller.clone();
        match (auto, seller) {
            (Some(auto), Some(seller)) if !protocols.is_connected(seller) => {
                tokio::time::sleep(auto.step_delay).await;
                let (buyer, tx) = (self.caller, self.tx);
                self.state.with(|store| auto_step(store, buyer, seller, tx));
            }
            _ => protocols.wait_for_change(&mut self.changes).await,
        }
    }
}

/// Moves the transaction one step along the happy path, acting as whichever side must
/// act next.
fn auto_step(store: &mut Store, buyer: Uuid, seller: Uuid, tx: Uuid) {
    let Some(status) = store.transactions.get(&tx).map(|t| t.status) else {
        return;
    };
    let outcome = match status {
        TxStatus::PendingFreeze => store.freeze(buyer, tx),
        TxStatus::Frozen => store.accept(seller, tx),
        TxStatus::Accepted => store.deliver(
            seller,
            tx,
            json!({"text": "Delivered by the emulator's auto-seller."}),
        ),
        TxStatus::Delivered => store.confirm(buyer, tx),
        _ => return,
    };
    if let Err(fail) = outcome {
        tracing::debug!(%tx, message = fail.message, "auto-seller step failed");
    }
}
