//! State of the streaming protocols: the agent-runtime event log and jobs, the
//! settings of the auto-seller that drives A2A subscriptions, and the stream faults
//! tests switch on.

pub(crate) mod sse;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// Settings of the streaming endpoints (`/a2a`, the agent runtime, `tasks/ai-create`).
#[derive(Clone, Debug)]
pub struct ProtocolConfig {
    /// Time between `heartbeat` events on the agent-runtime stream. Default 15 s.
    pub heartbeat_interval: Duration,
    /// How often open streams look for changes that nothing announces: jobs expiring.
    /// A stream wakes at once on a new event in its user's log, a change to a
    /// transaction its user buys or sells, and its user connecting to or leaving the
    /// agent runtime. Default 1 s.
    pub poll_interval: Duration,
    /// The emulated seller behind `tasks/sendSubscribe` when the capability's seller is
    /// not connected to the agent runtime; `None` leaves every step to the clients.
    pub auto_seller: Option<AutoSeller>,
    /// Rejects `POST /api/v1/agent-runtime/act` and `connect` with HTTP 503 and
    /// `Retry-After` when true. Default false.
    pub runtime_maintenance: bool,
    /// Failures injected into the streams, for client tests.
    pub faults: StreamFaults,
}

impl Default for ProtocolConfig {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_secs(15),
            poll_interval: Duration::from_secs(1),
            auto_seller: Some(AutoSeller::default()),
            runtime_maintenance: false,
            faults: StreamFaults::default(),
        }
    }
}

/// The emulated seller of a subscribed A2A task: it freezes the price for the buyer,
/// accepts, delivers, then confirms for the buyer, one step per `step_delay`.
#[derive(Clone, Debug)]
pub struct AutoSeller {
    /// Wait before each step. Default 100 ms.
    pub step_delay: Duration,
}

impl Default for AutoSeller {
    fn default() -> Self {
        Self {
            step_delay: Duration::from_millis(100),
        }
    }
}

/// Stream faults. Each one fires once per emulator.
#[derive(Clone, Debug, Default)]
pub struct StreamFaults {
    /// Cuts the first agent-runtime connection in the middle of the event after this
    /// many events, without the blank line that would dispatch it.
    pub cut_runtime_after_events: Option<usize>,
    /// Replies to the first `tasks/sendSubscribe` with a JSON-RPC error (-32603) in a JSON
    /// body instead of an event stream.
    pub subscribe_json_error: bool,
    /// Ends the first `tasks/sendSubscribe` stream after its first event, before the
    /// task reaches a terminal state.
    pub subscribe_end_early: bool,
}

/// One event of a user's agent-runtime log.
#[derive(Clone, Debug)]
pub(crate) struct LoggedEvent {
    pub(crate) id: u64,
    pub(crate) event: &'static str,
    pub(crate) data: Value,
}

/// A job dispatched to a seller.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) transaction_id: Uuid,
    pub(crate) seller: Uuid,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) delivered: bool,
    /// A `job_cancel` or expiry `job_update` was sent; nothing more happens to it.
    pub(crate) closed: bool,
}

#[derive(Debug, Default)]
struct Runtime {
    next_id: u64,
    log: HashMap<Uuid, Vec<LoggedEvent>>,
    connections: HashMap<Uuid, usize>,
    jobs: HashMap<Uuid, Job>,
    /// Transactions that already have a job.
    dispatched: HashMap<Uuid, Uuid>,
    fired: Vec<&'static str>,
}

/// Shared protocol state; lives in the server state beside the store.
#[derive(Debug)]
pub(crate) struct Protocols {
    pub(crate) config: ProtocolConfig,
    runtime: Mutex<Runtime>,
    /// A channel for each user, moved by every change that the user's streams act on;
    /// see [`ProtocolConfig::poll_interval`].
    changes: Mutex<HashMap<Uuid, tokio::sync::watch::Sender<u64>>>,
}

/// Jobs expire this long after dispatch unless accepted.
pub(crate) const JOB_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

impl Protocols {
    pub(crate) fn new(config: ProtocolConfig) -> Self {
        Self {
            config,
            runtime: Mutex::new(Runtime::default()),
            changes: Mutex::default(),
        }
    }

    fn changes(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, tokio::sync::watch::Sender<u64>>> {
        // A map of channels; a panic mid-update leaves it usable.
        self.changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Wakes the open streams that watch `user`.
    pub(crate) fn notify(&self, user: Uuid) {
        if let Some(sender) = self.changes().get(&user) {
            sender.send_modify(|version| *version = version.wrapping_add(1));
        }
    }

    /// Returns a receiver that wakes on the next change for `user`. Its first wait
    /// returns at once, so a change between reading the state and subscribing is not
    /// missed.
    pub(crate) fn watch(&self, user: Uuid) -> tokio::sync::watch::Receiver<u64> {
        let mut receiver = self
            .changes()
            .entry(user)
            .or_insert_with(|| tokio::sync::watch::Sender::new(0))
            .subscribe();
        receiver.mark_changed();
        receiver
    }

    /// Waits for the next change, or `poll_interval` at most.
    pub(crate) async fn wait_for_change(&self, receiver: &mut tokio::sync::watch::Receiver<u64>) {
        let fallback = self.config.poll_interval;
        // The sender lives as long as `self`, so `changed` does not fail while it is
        // polled here.
        let _ = tokio::time::timeout(fallback, receiver.changed()).await;
    }

    fn runtime(&self) -> std::sync::MutexGuard<'_, Runtime> {
        // The runtime state is plain data; a panic mid-update leaves it usable.
        self.runtime
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the fault `name` should fire now; true once, then false.
    pub(crate) fn fire_once(&self, name: &'static str, enabled: bool) -> bool {
        let mut runtime = self.runtime();
        if !enabled || runtime.fired.contains(&name) {
            return false;
        }
        runtime.fired.push(name);
        true
    }

    /// Appends an event to `user`'s log and returns its id.
    pub(crate) fn log(&self, user: Uuid, event: &'static str, data: Value) -> u64 {
        let mut runtime = self.runtime();
        runtime.next_id += 1;
        let id = runtime.next_id;
        runtime
            .log
            .entry(user)
            .or_default()
            .push(LoggedEvent { id, event, data });
        drop(runtime);
        self.notify(user);
        id
    }

    /// `user`'s events with an id of at least `from`.
    pub(crate) fn events_from(&self, user: Uuid, from: u64) -> Vec<LoggedEvent> {
        let runtime = self.runtime();
        let log = runtime
            .log
            .get(&user)
            .map(Vec::as_slice)
            .unwrap_or_default();
        log.iter().filter(|e| e.id >= from).cloned().collect()
    }

    /// The id of the newest event of any log.
    pub(crate) fn last_id(&self) -> u64 {
        self.runtime().next_id
    }

    pub(crate) fn connect(&self, user: Uuid) {
        *self.runtime().connections.entry(user).or_default() += 1;
        // An A2A subscription stops playing the seller once the seller connects.
        self.notify(user);
    }

    pub(crate) fn disconnect(&self, user: Uuid) {
        let mut runtime = self.runtime();
        if let Some(count) = runtime.connections.get_mut(&user) {
            *count = count.saturating_sub(1);
        }
        drop(runtime);
        // An A2A subscription plays the seller once the seller has left.
        self.notify(user);
    }

    /// Whether `user` has an agent-runtime stream open.
    pub(crate) fn is_connected(&self, user: Uuid) -> bool {
        self.runtime()
            .connections
            .get(&user)
            .is_some_and(|c| *c > 0)
    }

    /// Records a job for `transaction` unless it has one; returns the new job's id.
    pub(crate) fn new_job(
        &self,
        transaction: Uuid,
        seller: Uuid,
        now: DateTime<Utc>,
    ) -> Option<Uuid> {
        let mut runtime = self.runtime();
        if runtime.dispatched.contains_key(&transaction) {
            return None;
        }
        let job_id = Uuid::new_v4();
        runtime.dispatched.insert(transaction, job_id);
        let job = Job {
            transaction_id: transaction,
            seller,
            expires_at: now + JOB_LIFETIME,
            delivered: false,
            closed: false,
        };
        runtime.jobs.insert(job_id, job);
        Some(job_id)
    }

    pub(crate) fn job(&self, job_id: Uuid) -> Option<Job> {
        self.runtime().jobs.get(&job_id).cloned()
    }

    /// The jobs of `seller` that are not closed yet, with their ids.
    pub(crate) fn open_jobs(&self, seller: Uuid) -> Vec<(Uuid, Job)> {
        let runtime = self.runtime();
        let open = runtime
            .jobs
            .iter()
            .filter(|(_, j)| j.seller == seller && !j.closed);
        open.map(|(id, job)| (*id, job.clone())).collect()
    }

    /// Marks a job closed.
    pub(crate) fn close_job(&self, job_id: Uuid) {
        if let Some(job) = self.runtime().jobs.get_mut(&job_id) {
            job.closed = true;
        }
    }

    /// Marks a job delivered; false when it already was.
    pub(crate) fn mark_delivered(&self, job_id: Uuid) -> bool {
        let mut runtime = self.runtime();
        match runtime.jobs.get_mut(&job_id) {
            Some(job) if !job.delivered => {
                job.delivered = true;
                true
            }
            _ => false,
        }
    }
}
