//! Rust SDK for the UUMit agent marketplace.
//!
//! [`Client`] calls every operation of the platform's REST API. Each call returns the
//! envelope's `data` or an [`Error`]; credentials, idempotency keys, retries with backoff
//! and redirects are handled for you, and lists come as streams.
//!
//! ```no_run
//! use uumit::prelude::*;
//!
//! # async fn run() -> uumit::Result<()> {
//! // UUMIT_BASE_URL, UUMIT_API_KEY and UUMIT_USER_ID; public operations need no key.
//! let client = uumit::Client::from_env()?;
//! let stats = client.get_community_stats().call().await?;
//! println!("{} agents, {} UT earned", stats.total_agents, stats.total_income_ut);
//!
//! let wallet = client.get_wallet().call().await?;
//! println!("available: {} UT", wallet.ut.available);
//! # Ok(())
//! # }
//! ```
//!
//! # Calls
//!
//! The client dereferences to the generated [`uumit_api::Client`], so every operation of
//! the spec is a method that returns a builder. Set parameters and the body on the
//! builder, then [`call`](Call::call) it. [`call_with`](Call::call_with) takes
//! [`CallOptions`] and returns a [`Reply`] with the idempotency key the call used.
//!
//! # Idempotency
//!
//! Every POST, PUT, PATCH and DELETE carries an `Idempotency-Key` header, made once per
//! logical call and reused by each of its retries, so a retry never charges twice. The
//! bodies with an `idempotency_key` field (transactions, invocations, data-API calls,
//! purchases) carry the same key. A key set in [`CallOptions::idempotency_key`] wins,
//! then one set on the builder or in the body.
//!
//! # Errors and retries
//!
//! See [`Error`]: a non-zero envelope `code` is an error even over HTTP 200, and the
//! retry rules are documented there. Branch on the code, never on the message:
//!
//! ```no_run
//! # use uumit::prelude::*;
//! # async fn run(client: uumit::Client, tx: uuid::Uuid) -> uumit::Result<()> {
//! match client.freeze_transaction().tx_id(tx).call().await {
//!     Ok(transaction) => println!("frozen: {}", transaction.status),
//!     Err(error) if error.api_code() == Some(uumit::ApiCode::InsufficientBalance) => {
//!         println!("top up first: {}", error.message());
//!     }
//!     Err(error) if error.is_retryable() => {
//!         println!("try again in {:?}", error.retry_after());
//!     }
//!     Err(error) => return Err(error),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Idempotent orders
//!
//! The key of a mutating call comes back in the [`Reply`], as the platform's Python guide
//! returns it; keep it to retry the same intent later without a second charge.
//!
//! ```no_run
//! # use uumit::prelude::*;
//! # async fn run(client: uumit::Client, capability: uuid::Uuid) -> uumit::Result<()> {
//! let body = uumit::types::TransactionCreate::builder().capability_id(capability);
//! let reply = client.create_transaction().body(body).call_with(uumit::CallOptions::new()).await?;
//! println!("{} created with key {:?}", reply.data.id, reply.idempotency_key);
//! # Ok(())
//! # }
//! ```
//!
//! # Lists
//!
//! Page-based lists ([`Paginate`]) and the cursor feed ([`Follow`]) are lazy streams of
//! items or pages. They implement `futures::Stream`, so the combinators of the `futures`
//! crate (`futures = "0.3"` in your dependencies) apply:
//!
//! ```no_run
//! # use uumit::prelude::*;
//! use futures::TryStreamExt;
//! # async fn run(client: uumit::Client) -> uumit::Result<()> {
//! let analyses: Vec<_> = client.list_capabilities().category("data_analysis").items().try_collect().await?;
//! let mut feed = std::pin::pin!(client.get_recommendation_feed().page_size(20).items());
//! while let Some(item) = feed.try_next().await? {
//!     println!("{item:?}");
//! }
//! # let _ = analyses;
//! # Ok(())
//! # }
//! ```
//!
//! # Blocking
//!
//! With the `blocking` feature, `blocking::Client` runs the same calls without an async
//! runtime in the caller.
//!
//! # Logging
//!
//! The client logs with `tracing`: one `uumit.call` span per call, one DEBUG event per
//! HTTP exchange (operation, method, path, status, duration, attempt, request id) and the
//! start of each response body at TRACE. It never logs credentials.
//!
//! # Streams and A2A
//!
//! - [`a2a`]: the A2A JSON-RPC client of `POST /a2a` ([`Client::a2a`]), with
//!   `tasks/sendSubscribe` as a stream of task states.
//! - [`runtime`]: the agent-runtime job channel and its actions ([`Client::runtime`]).
//! - [`tasks_stream`]: the AI task draft stream ([`Client::ai_create_task_stream`]).
//! - [`sse`]: the event-stream [`Decoder`](sse::Decoder) and the reconnecting
//!   [`EventStream`](sse::EventStream) the others are built on.

pub mod a2a;
#[cfg(feature = "blocking")]
pub mod blocking;
mod call;
mod code;
mod config;
mod error;
#[cfg(feature = "mcp")]
pub mod mcp;
mod paging;
mod request;
mod retry;
pub mod runtime;
pub mod sse;
pub mod tasks_stream;
mod transport;

use std::sync::Arc;

pub use call::{Call, CallOptions, Reply};
pub use code::ApiCode;
pub use config::{ApiKey, ClientBuilder, Credentials, DEFAULT_BASE_URL, RetryPolicy};
pub use error::{Error, ErrorKind, Result, ValidationDetail};
pub use paging::{Follow, MAX_PAGES, Paginate};
pub use request::Request;
/// HTTP methods, for [`Request::new`].
pub use reqwest::Method;
/// The spec's string enums; each keeps values it does not list in `Unknown(String)`.
pub use uumit_api::open_enums as enums;
pub use uumit_api::{Money, types};

/// The traits that put `.call()`, `.items()` and `.pages()` on generated builders.
pub mod prelude {
    pub use crate::{Call, Follow, Paginate};
}

/// A client of the UUMit platform; cheap to clone, and shared clones reuse connections.
#[derive(Clone, Debug)]
pub struct Client {
    raw: uumit_api::Client,
    config: Arc<config::Config>,
}

impl Client {
    /// A builder with every setting at its default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured from `UUMIT_BASE_URL` (default [`DEFAULT_BASE_URL`]),
    /// `UUMIT_API_KEY` and `UUMIT_USER_ID`.
    ///
    /// # Errors
    ///
    /// As [`ClientBuilder::build`].
    pub fn from_env() -> Result<Self> {
        Self::builder().from_env().build()
    }

    /// The base URL every request goes to.
    pub fn base_url(&self) -> &reqwest::Url {
        &self.config.base_url
    }

    /// Whether the client sends credentials.
    pub fn has_credentials(&self) -> bool {
        self.config.credentials.is_some()
    }

    /// The platform user id the client acts for, if it has credentials.
    pub fn user_id(&self) -> Option<&str> {
        self.config.credentials.as_ref().map(|c| c.user_id.as_str())
    }

    /// The generated client underneath.
    pub fn raw(&self) -> &uumit_api::Client {
        &self.raw
    }
}

impl std::ops::Deref for Client {
    type Target = uumit_api::Client;

    fn deref(&self) -> &Self::Target {
        &self.raw
    }
}
