//! `uumit a2a`: buy capabilities over A2A JSON-RPC and follow the tasks it creates.

use clap::Subcommand;
use serde_json::{Value, json};

use uumit::a2a::{SendParams, Task};

use crate::failure::Outcome;
use crate::output::{self, Progress, View};
use crate::session::Session;

/// `uumit a2a` subcommands.
#[derive(Subcommand, Debug)]
pub(crate) enum A2aCommand {
    /// Buys a capability with `tasks/send`; the task starts submitted
    Send {
        /// The capability to buy
        capability: String,
        /// Hours booked, for per_hour capabilities
        #[arg(long)]
        hours: Option<u32>,
        /// A text message to the seller
        #[arg(long)]
        text: Option<String>,
        /// Key that makes a retry of this call free [default: a new UUID]
        #[arg(long, value_name = "KEY")]
        idempotency_key: Option<String>,
    },
    /// Shows a task with `tasks/get`
    Get {
        /// The task's id, which is the transaction's id
        id: String,
    },
    /// Cancels a task that is still submitted or working with `tasks/cancel`
    Cancel {
        /// The task's id
        id: String,
    },
    /// Prints each state of a task as it changes (`tasks/sendSubscribe`) until it is
    /// completed, failed or canceled
    Watch {
        /// The task's id
        id: String,
    },
}

pub(crate) async fn a2a(session: &Session, command: A2aCommand) -> Outcome {
    let client = session.client()?.a2a();
    let out = session.out;
    let task = match command {
        A2aCommand::Send {
            capability,
            hours,
            text,
            idempotency_key,
        } => {
            let mut params = SendParams::new(capability);
            if let Some(hours) = hours {
                params = params.booked_hours(hours);
            }
            if let Some(text) = text {
                params = params.text(text);
            }
            // The key is made here rather than by the client, so it can be shown.
            let key = idempotency_key.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let task = client.send(params.idempotency_key(&key)).await?;
            out.keep(crate::rest::key_notice(&key));
            task
        }
        A2aCommand::Get { id } => client.get(&id).await?,
        A2aCommand::Cancel { id } => client.cancel(&id).await?,
        A2aCommand::Watch { id } => return watch(session, &client, &id).await,
    };
    out.show(&task_json(&task), View::Fields(TASK_FIELDS))
}

const TASK_FIELDS: &[&str] = &[
    "id",
    "state",
    "transaction_status",
    "capability_id",
    "price_ut",
    "created_at",
    "updated_at",
];

/// Prints one line per state, or one JSON object per line with --json.
async fn watch(session: &Session, client: &uumit::a2a::A2aClient, id: &str) -> Outcome {
    let mut updates = client.subscribe(id).await?;
    let mut progress = Progress::new();
    progress.update(format!("watching task {id}"));
    while let Some(task) = updates.next().await? {
        let value = task_json(&task);
        if session.out.is_json() {
            println!("{value}");
        } else {
            println!("{}", watch_line(&value));
        }
        progress.update(format!("watching task {id}: {}", task.status.state));
    }
    Ok(())
}

fn watch_line(task: &Value) -> String {
    format!(
        "{:<15} {:<20} {}",
        output::cell(&task["state"]),
        output::cell(&task["transaction_status"]),
        output::cell(&task["updated_at"])
    )
}

/// Converts the task to JSON, with the A2A state under `state` and the whole status under
/// `status`.
pub(crate) fn task_json(task: &Task) -> Value {
    json!({
        "id": task.id,
        "state": task.status.state.as_str(),
        "status": {
            "state": task.status.state.as_str(),
            "message": task.status.message,
            "timestamp": task.status.timestamp,
        },
        "transaction_status": task.transaction_status,
        "capability_id": task.capability_id,
        "price_ut": task.price_ut.map(|p| p.to_string()),
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "artifacts": task.artifacts,
    })
}
