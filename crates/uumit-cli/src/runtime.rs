//! `uumit runtime listen`: the agent-runtime job channel, printed as events arrive.

use serde_json::{Value, json};

use uumit::runtime::{Received, RuntimeEvent};

use crate::failure::Outcome;
use crate::output::Progress;
use crate::session::Session;

/// `uumit runtime` subcommands.
#[derive(clap::Subcommand, Debug)]
pub(crate) enum RuntimeCommand {
    /// Opens the job channel and prints each event as it arrives, until Ctrl-C or the
    /// server ends the channel
    Listen(ListenArgs),
}

/// Options of `uumit runtime listen`.
#[derive(clap::Args, Debug)]
pub(crate) struct ListenArgs {
    /// Resume after this event id, as printed in the ID column
    #[arg(long, value_name = "ID")]
    after: Option<String>,
    /// Print heartbeats too (the server sends one every few seconds)
    #[arg(long)]
    heartbeats: bool,
    /// Stop after this many events (heartbeats not counted unless printed)
    #[arg(long, value_name = "N")]
    count: Option<usize>,
}

pub(crate) async fn runtime(session: &Session, command: RuntimeCommand) -> Outcome {
    let RuntimeCommand::Listen(args) = command;
    let runtime = session.client()?.runtime();
    let mut events = match &args.after {
        Some(id) => runtime.connect_after(id).await?,
        None => runtime.connect().await?,
    };
    let mut progress = Progress::new();
    progress.update("listening for jobs; Ctrl-C stops");
    let mut printed = 0;
    while args.count.is_none_or(|count| printed < count) {
        let Some(received) = events.next().await else {
            break;
        };
        let received = received?;
        if matches!(received.event, RuntimeEvent::Heartbeat { .. }) && !args.heartbeats {
            continue;
        }
        let value = event_json(&received);
        if session.out.is_json() {
            println!("{value}");
        } else {
            println!("{}", event_line(&value));
        }
        printed += 1;
    }
    Ok(())
}

fn event_line(value: &Value) -> String {
    let id = value["id"].as_str().unwrap_or("-");
    let kind = value["event"].as_str().unwrap_or("-");
    let data = value["data"].to_string();
    format!("{id:<8} {kind:<13} {data}")
}

/// Converts the event to `{id, event, data}`, with `data` holding the fields the server sent.
fn event_json(received: &Received) -> Value {
    let (event, data) = match &received.event {
        RuntimeEvent::Heartbeat { ts } => ("heartbeat", json!({"ts": ts})),
        RuntimeEvent::JobDispatch(job) => (
            "job_dispatch",
            json!({
                "job_id": job.job_id,
                "transaction_id": job.transaction_id,
                "capability_id": job.capability_id,
                "price_ut": job.price_ut.to_string(),
                "input_payload": job.input_payload,
                "expires_at": job.expires_at,
            }),
        ),
        RuntimeEvent::JobCancel { job_id, reason } => {
            ("job_cancel", json!({"job_id": job_id, "reason": reason}))
        }
        RuntimeEvent::JobUpdate {
            job_id,
            transaction_id,
            status,
            message,
        } => (
            "job_update",
            json!({
                "job_id": job_id,
                "transaction_id": transaction_id,
                "status": status,
                "message": message,
            }),
        ),
        RuntimeEvent::AgentMsg(message) => (
            "agent_msg",
            json!({
                "message_id": message.message_id,
                "from_user_id": message.from_user_id,
                "context_type": message.context_type,
                "context_id": message.context_id,
                "content_type": message.content_type,
                "content": message.content,
            }),
        ),
        RuntimeEvent::Unknown { event, data } => {
            let data = serde_json::from_str(data).unwrap_or_else(|_| Value::String(data.clone()));
            (event.as_str(), data)
        }
        other => ("other", Value::String(format!("{other:?}"))),
    };
    json!({"id": received.id, "event": event, "data": data})
}
