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
//! retry rules are documented there.

#[cfg(feature = "blocking")]
pub mod blocking;
mod call;
mod code;
mod config;
mod error;
mod paging;
mod request;
mod retry;
pub mod sse;
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
