//! Binding the emulator to a socket, and its configuration.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use uumit_api::Money;

use crate::faults::{Fault, FaultListener, Faults};
use crate::limits::RateLimiter;
use crate::store::Store;

/// How the emulator behaves. Every fault and limit is off by default.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Seed of the generated data; the same seed gives the same users, ids and listings.
    pub seed: u64,
    /// Address to bind. Default `127.0.0.1:0`, an ephemeral loopback port.
    pub bind: SocketAddr,
    /// Requests a minute allowed per API key; over it, HTTP 429 with code 1009 and
    /// `Retry-After`. Default `None`, no limit.
    pub rate_limit_per_minute: Option<u32>,
    /// A fault applied to every request, as the `X-Mock-Fault` header would; see
    /// [`Fault`]. Default `None`.
    pub fault: Option<Fault>,
    /// Share of requests, from 0 to 1, that get a random fault. Default 0.
    pub fault_rate: f64,
    /// Seed of the random faults, so a run with faults can be repeated. Default 0.
    pub fault_seed: u64,
    /// How long a device code stays valid. Default 600 seconds.
    pub device_code_ttl: Duration,
    /// UT per CNY that `GET /api/v1/wallet/rates` reports. Default 10.
    pub cash_to_ut_rate: Money,
    /// Settings of the A2A, agent-runtime and drafting streams.
    pub protocols: crate::protocols::ProtocolConfig,
    /// Time between the `: ping` comments of an MCP event stream. Default 15 s.
    pub mcp_ping_interval: Duration,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            rate_limit_per_minute: None,
            fault: None,
            fault_rate: 0.0,
            fault_seed: 0,
            device_code_ttl: Duration::from_secs(600),
            cash_to_ut_rate: Money::from_units(10),
            protocols: crate::protocols::ProtocolConfig::default(),
            mcp_ping_interval: Duration::from_secs(15),
        }
    }
}

/// Credentials of the seeded user the demo and the tests act as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    /// The user's API key.
    pub api_key: String,
    /// The user's id.
    pub user_id: String,
}

/// Shared state behind every handler. Cloned for each middleware and extractor of
/// every request, so it is one `Arc`: a clone is one reference count.
#[derive(Clone)]
pub(crate) struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state that [`AppState`] shares.
pub(crate) struct Shared {
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) faults: Arc<Faults>,
    pub(crate) limiter: Option<Arc<RateLimiter>>,
    pub(crate) protocols: Arc<crate::protocols::Protocols>,
    pub(crate) mcp: crate::mcp::McpState,
}

impl AppState {
    fn new(config: &MockConfig) -> Self {
        let mut store = Store::seeded(config.seed);
        store.device_ttl = chrono::Duration::from_std(config.device_code_ttl)
            .unwrap_or_else(|_| chrono::Duration::seconds(600));
        store.cash_to_ut_rate = config.cash_to_ut_rate;
        let faults = Faults::new(config.fault.clone(), config.fault_rate, config.fault_seed);
        Self(Arc::new(Shared {
            store: Arc::new(Mutex::new(store)),
            faults: Arc::new(faults),
            limiter: config
                .rate_limit_per_minute
                .map(|limit| Arc::new(RateLimiter::new(limit))),
            protocols: Arc::new(crate::protocols::Protocols::new(config.protocols.clone())),
            mcp: crate::mcp::McpState::new(config.mcp_ping_interval),
        }))
    }

    /// Runs `f` with the store locked. Handlers never hold the lock across an await.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        // A poisoned lock means a handler panicked mid-update; every update validates
        // before it writes, so the store is still consistent.
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let output = f(&mut store);
        let changed = store.take_changed_users();
        drop(store);
        for user in changed {
            self.protocols.notify(user);
        }
        output
    }
}

/// The emulator's router over a fresh store seeded from `config`.
///
/// Served in-process (without [`start`]) the `close=before` and `close=after` faults
/// answer HTTP 502, because there is no connection to close.
pub fn app(config: &MockConfig) -> axum::Router {
    crate::routes::router(AppState::new(config))
}

/// A running emulator; dropping it stops the server.
pub struct MockServer {
    addr: SocketAddr,
    demo: DemoUser,
    state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("demo_user_id", &self.demo.user_id)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, to use as a client's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Credentials of the seeded demo user.
    pub fn demo_user(&self) -> DemoUser {
        self.demo.clone()
    }

    /// Approves the pending device authorization with `user_code`, as a person on the
    /// verification page would; the agent's next poll returns a new API key.
    ///
    /// # Errors
    ///
    /// A message naming the code when it is unknown, expired or already decided.
    pub fn approve_device(&self, user_code: &str) -> Result<(), String> {
        self.decide_device(user_code, true)
    }

    /// Denies the pending device authorization with `user_code`.
    ///
    /// # Errors
    ///
    /// As [`MockServer::approve_device`].
    pub fn deny_device(&self, user_code: &str) -> Result<(), String> {
        self.decide_device(user_code, false)
    }

    fn decide_device(&self, user_code: &str, approve: bool) -> Result<(), String> {
        self.state
            .with(|store| store.decide_device(user_code, approve))
            .map(drop)
            .map_err(|fail| fail.message)
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(sender) = self.shutdown.take() {
            let _ = sender.send(());
        }
    }
}

/// Starts the emulator on `config.bind` and returns once it accepts connections.
///
/// # Errors
///
/// The error of binding the address, for example when the port is taken.
pub async fn start(config: MockConfig) -> std::io::Result<MockServer> {
    let listener = TcpListener::bind(config.bind).await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(&config);
    let demo = state.with(|store| store.demo_user());
    let router = crate::routes::router(state.clone());
    let service = router.into_make_service_with_connect_info::<crate::faults::Connection>();
    let (sender, receiver) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(FaultListener(listener), service).with_graceful_shutdown(async {
            let _ = receiver.await;
        });
        if let Err(error) = serve.await {
            tracing::error!(%error, "emulator stopped with an error");
        }
    });
    tracing::info!(%addr, seed = config.seed, "emulator listening");
    Ok(MockServer {
        addr,
        demo,
        state,
        shutdown: Some(sender),
        task: Some(task),
    })
}
