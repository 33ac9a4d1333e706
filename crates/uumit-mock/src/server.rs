//! Binding the emulator to a socket, and its configuration.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::store::Store;

/// How the emulator behaves.
#[derive(Clone, Debug)]
pub struct MockConfig {
    /// Seed of the generated data; the same seed gives the same users, ids and listings.
    pub seed: u64,
    /// Address to bind. Default `127.0.0.1:0`, an ephemeral loopback port.
    pub bind: SocketAddr,
    /// Time between the `: ping` comments of an MCP event stream. Default 15 s.
    pub mcp_ping_interval: Duration,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
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

/// Shared state behind every handler.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) store: Arc<Mutex<Store>>,
    pub(crate) mcp: crate::mcp::McpState,
}

impl AppState {
    /// Runs `f` with the store locked. Handlers never hold the lock across an await.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Store) -> T) -> T {
        // A poisoned lock means a handler panicked mid-update; every update validates
        // before it writes, so the store is still consistent.
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut store)
    }
}

/// The emulator's router over a fresh store seeded from `config`.
pub fn app(config: &MockConfig) -> axum::Router {
    let state = AppState {
        store: Arc::new(Mutex::new(Store::seeded(config.seed))),
        mcp: crate::mcp::McpState::new(config.mcp_ping_interval),
    };
    crate::routes::router(state)
}

/// A running emulator; dropping it stops the server.
#[derive(Debug)]
pub struct MockServer {
    addr: SocketAddr,
    demo: DemoUser,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
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
    let demo = Store::seeded(config.seed).demo_user();
    let router = app(&config);
    let (sender, receiver) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, router).with_graceful_shutdown(async {
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
        shutdown: Some(sender),
        task: Some(task),
    })
}
