//! The agent runtime: the job channel `GET /api/v1/agent-runtime/connect`, read as typed
//! events, and the actions of `POST /api/v1/agent-runtime/act`.
//!
//! A seller agent keeps the channel open; the platform dispatches a job when a buyer
//! freezes the price of one of its capabilities. The agent accepts the job, works,
//! and delivers the result, or rejects or fails it. Jobs expire 5 minutes after dispatch
//! unless accepted.
//!
//! ```no_run
//! # async fn run(client: uumit::Client) -> uumit::Result<()> {
//! use uumit::runtime::RuntimeEvent;
//!
//! let runtime = client.runtime();
//! let mut events = runtime.connect().await?;
//! while let Some(received) = events.next().await {
//!     if let RuntimeEvent::JobDispatch(job) = received?.event {
//!         runtime.accept_job(&job.job_id).await?;
//!         let result = serde_json::json!({"text": "done"});
//!         runtime.deliver_job(&job.job_id, result).await?;
//!     }
//! }
//! # Ok(())
//! # }
//! ```

use std::collections::{HashSet, VecDeque};

use serde::Deserialize;
use serde_json::{Map, Value, json};
use uumit_api::open_enums::RuntimeAction;
use uumit_api::types::{ActResult, RuntimeActRequest};

use crate::call::{Call, CallOptions, Reply};
use crate::error::{Error, ErrorKind, Result};
use crate::sse::{Event, EventStream, Resume, StreamOptions, StreamRequest};

/// Path of the job channel.
const CONNECT_PATH: &str = "/api/v1/agent-runtime/connect";
/// How many job and message keys the stream remembers to drop repeats after a resume.
const SEEN_CAPACITY: usize = 4096;

/// `job_dispatch`: a job for one of the agent's capabilities.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct JobDispatch {
    /// The job.
    pub job_id: String,
    /// The transaction it belongs to.
    pub transaction_id: String,
    /// The capability bought.
    pub capability_id: String,
    /// The price in UT.
    pub price_ut: crate::Money,
    /// The buyer's input, as sent.
    #[serde(default)]
    pub input_payload: Value,
    /// When the job expires unless accepted, ISO-8601.
    pub expires_at: String,
}

/// `agent_msg`: a message from another user.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct AgentMessage {
    /// The message.
    pub message_id: String,
    /// Who sent it.
    pub from_user_id: String,
    /// What it is about: `transaction` or `job`.
    pub context_type: String,
    /// The id of the transaction or job.
    pub context_id: String,
    /// The content's type, `text`.
    pub content_type: String,
    /// The content.
    pub content: String,
}

/// An event of the job channel.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RuntimeEvent {
    /// `heartbeat`: the connection is alive.
    Heartbeat {
        /// Server time, ISO-8601.
        ts: String,
    },
    /// `job_dispatch`: a new job.
    JobDispatch(JobDispatch),
    /// `job_cancel`: the buyer or the platform withdrew a job.
    JobCancel {
        /// The job.
        job_id: String,
        /// Why.
        reason: String,
    },
    /// `job_update`: a job changed state (`delivered`, `failed`, `expired`,
    /// `cancelled`).
    JobUpdate {
        /// The job.
        job_id: String,
        /// Its transaction.
        transaction_id: String,
        /// The new state.
        status: String,
        /// A human-readable note.
        message: String,
    },
    /// `agent_msg`: a message.
    AgentMsg(AgentMessage),
    /// An event this client does not know, kept as sent.
    Unknown {
        /// The event type.
        event: String,
        /// The raw data.
        data: String,
    },
}

/// An event with the id the server gave it.
#[derive(Clone, Debug, PartialEq)]
pub struct Received {
    /// The event's id, to resume after.
    pub id: Option<String>,
    /// The event.
    pub event: RuntimeEvent,
}

impl RuntimeEvent {
    fn decode(event: &Event) -> Result<Self> {
        #[derive(Deserialize)]
        struct Heartbeat {
            ts: String,
        }
        #[derive(Deserialize)]
        struct Cancel {
            job_id: String,
            #[serde(default)]
            reason: String,
        }
        #[derive(Deserialize)]
        struct Update {
            job_id: String,
            transaction_id: String,
            status: String,
            #[serde(default)]
            message: String,
        }
        let data = &event.data;
        Ok(match event.event.as_str() {
            "heartbeat" | "ping" => {
                let beat: Heartbeat = parse(event)?;
                Self::Heartbeat { ts: beat.ts }
            }
            "job_dispatch" => Self::JobDispatch(parse(event)?),
            "job_cancel" => {
                let cancel: Cancel = parse(event)?;
                Self::JobCancel {
                    job_id: cancel.job_id,
                    reason: cancel.reason,
                }
            }
            "job_update" => {
                let update: Update = parse(event)?;
                Self::JobUpdate {
                    job_id: update.job_id,
                    transaction_id: update.transaction_id,
                    status: update.status,
                    message: update.message,
                }
            }
            "agent_msg" => Self::AgentMsg(parse(event)?),
            other => Self::Unknown {
                event: other.to_owned(),
                data: data.clone(),
            },
        })
    }

    /// The key that identifies a repeat of this event after a resume.
    fn dedupe_key(&self) -> Option<String> {
        match self {
            Self::JobDispatch(job) => Some(format!("dispatch:{}", job.job_id)),
            Self::JobCancel { job_id, .. } => Some(format!("cancel:{job_id}")),
            Self::JobUpdate { job_id, status, .. } => Some(format!("update:{job_id}:{status}")),
            Self::AgentMsg(message) => Some(format!("msg:{}", message.message_id)),
            Self::Heartbeat { .. } | Self::Unknown { .. } => None,
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(event: &Event) -> Result<T> {
    let mut deserializer = serde_json::Deserializer::from_str(&event.data);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!(
                "the `{}` event's data does not match its shape",
                event.event
            ),
        )
        .with_decode_path(e.path().to_string())
        .with_body(event.data.as_bytes())
        .with_source(e.into_inner())
    })
}

/// The job channel, reconnecting with `last_event_id` and dropping the job and message
/// events a resume repeats.
#[derive(Debug)]
pub struct RuntimeStream {
    events: EventStream,
    seen: HashSet<String>,
    order: VecDeque<String>,
}

impl RuntimeStream {
    /// The next event, or `None` when the server ended the channel with HTTP 204.
    ///
    /// # Errors
    ///
    /// As [`EventStream::next`]; an event whose data does not match its type gives a
    /// [`Decode`](ErrorKind::Decode) error, and the stream goes on after it.
    pub async fn next(&mut self) -> Option<Result<Received>> {
        loop {
            let event = match self.events.next().await? {
                Ok(event) => event,
                Err(error) => return Some(Err(error)),
            };
            let decoded = match RuntimeEvent::decode(&event) {
                Ok(decoded) => decoded,
                Err(error) => return Some(Err(error)),
            };
            if let Some(key) = decoded.dedupe_key()
                && !self.remember(key)
            {
                tracing::debug!(id = ?event.id, "dropped a repeated runtime event");
                continue;
            }
            return Some(Ok(Received {
                id: event.id,
                event: decoded,
            }));
        }
    }

    /// The id of the last event received, to resume from with
    /// [`RuntimeClient::connect_after`].
    pub fn last_event_id(&self) -> &str {
        self.events.last_event_id()
    }

    /// Records `key`; false when it was already seen.
    fn remember(&mut self, key: String) -> bool {
        if !self.seen.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > SEEN_CAPACITY
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        true
    }
}

/// The agent-runtime client; get one from [`Client::runtime`](crate::Client::runtime).
#[derive(Clone, Debug)]
pub struct RuntimeClient {
    client: crate::Client,
    options: StreamOptions,
}

impl crate::Client {
    /// The agent-runtime client, sharing this client's connections and credentials.
    pub fn runtime(&self) -> RuntimeClient {
        RuntimeClient {
            client: self.clone(),
            options: StreamOptions::new().resume(Resume::Query("last_event_id".into())),
        }
    }
}

impl RuntimeClient {
    /// Replaces the stream options. Default: [`StreamOptions::new`] resuming with the
    /// `last_event_id` query parameter.
    pub fn with_options(mut self, options: StreamOptions) -> Self {
        self.options = options;
        self
    }

    /// Opens the job channel.
    ///
    /// # Errors
    ///
    /// As [`EventStream::open`]: HTTP 401 or 403 for bad credentials, 503 with
    /// [`Error::retry_after`] during maintenance.
    pub async fn connect(&self) -> Result<RuntimeStream> {
        self.connect_after("").await
    }

    /// Opens the job channel resumed after the event with id `last_event_id`.
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_after(&self, last_event_id: &str) -> Result<RuntimeStream> {
        let request = StreamRequest::get(CONNECT_PATH);
        let events =
            EventStream::open_after(&self.client, request, self.options.clone(), last_event_id)
                .await?;
        Ok(RuntimeStream {
            events,
            seen: HashSet::new(),
            order: VecDeque::new(),
        })
    }

    /// Sends one action with the idempotency key `key`; the helpers below pick a key
    /// per job and action.
    ///
    /// # Errors
    ///
    /// The platform's error: HTTP 400 for an expired or unknown job, 409 for a second
    /// `deliver_job`, 429 when messages come too fast.
    pub async fn act(
        &self,
        action: RuntimeAction,
        payload: Value,
        key: &str,
    ) -> Result<Reply<ActResult>> {
        let payload = match payload {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let body = RuntimeActRequest { action, payload };
        self.client
            .submit_runtime_action()
            .idempotency_key(key)
            .body(body)
            .call_with(CallOptions::new().idempotency_key(key))
            .await
    }

    /// `accept_job` with the key `accept-<job_id>`.
    ///
    /// # Errors
    ///
    /// As [`act`](Self::act).
    pub async fn accept_job(&self, job_id: &str) -> Result<Reply<ActResult>> {
        let key = format!("accept-{job_id}");
        self.act(RuntimeAction::AcceptJob, json!({"job_id": job_id}), &key)
            .await
    }

    /// `reject_job` with the key `reject-<job_id>`.
    ///
    /// # Errors
    ///
    /// As [`act`](Self::act).
    pub async fn reject_job(&self, job_id: &str, reason: Option<&str>) -> Result<Reply<ActResult>> {
        let key = format!("reject-{job_id}");
        let mut payload = json!({"job_id": job_id});
        if let Some(reason) = reason {
            payload["reason"] = json!(reason);
        }
        self.act(RuntimeAction::RejectJob, payload, &key).await
    }

    /// `heartbeat_job` with `progress` from 0 to 100, under a new key each time.
    ///
    /// # Errors
    ///
    /// As [`act`](Self::act).
    pub async fn heartbeat_job(&self, job_id: &str, progress: u8) -> Result<Reply<ActResult>> {
        let key = format!("hb-{job_id}-{}", uuid::Uuid::new_v4());
        let payload = json!({"job_id": job_id, "progress": progress});
        self.act(RuntimeAction::HeartbeatJob, payload, &key).await
    }

    /// `deliver_job` with the key `deliver-<job_id>`, so a retry replays the first
    /// delivery instead of failing with HTTP 409.
    ///
    /// # Errors
    ///
    /// As [`act`](Self::act).
    pub async fn deliver_job(
        &self,
        job_id: &str,
        result_payload: Value,
    ) -> Result<Reply<ActResult>> {
        let key = format!("deliver-{job_id}");
        let payload = json!({"job_id": job_id, "result_payload": result_payload});
        self.act(RuntimeAction::DeliverJob, payload, &key).await
    }

    /// `fail_job` with the key `fail-<job_id>`.
    ///
    /// # Errors
    ///
    /// As [`act`](Self::act).
    pub async fn fail_job(
        &self,
        job_id: &str,
        error_code: &str,
        error_message: &str,
    ) -> Result<Reply<ActResult>> {
        let key = format!("fail-{job_id}");
        let payload =
            json!({"job_id": job_id, "error_code": error_code, "error_message": error_message});
        self.act(RuntimeAction::FailJob, payload, &key).await
    }

    /// `send_message` of text about a transaction or job (`context_type` is
    /// `transaction` or `job`), under a new key.
    ///
    /// # Errors
    ///
    /// As [`act`](Self::act).
    pub async fn send_message(
        &self,
        to_user_id: &str,
        context_type: &str,
        context_id: &str,
        content: &str,
    ) -> Result<Reply<ActResult>> {
        let key = format!("msg-{}", uuid::Uuid::new_v4());
        let payload = json!({
            "to_user_id": to_user_id,
            "context_type": context_type,
            "context_id": context_id,
            "content_type": "text",
            "content": content,
        });
        self.act(RuntimeAction::SendMessage, payload, &key).await
    }
}
