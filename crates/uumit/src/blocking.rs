//! A blocking client for programs without an async runtime; enable the `blocking`
//! feature.
//!
//! [`Client`] owns a small tokio runtime and runs each call on it, so the same builders
//! and the same rules (envelope, idempotency, retries) apply as in the async client.
//!
//! ```no_run
//! # fn run() -> uumit::Result<()> {
//! let client = uumit::blocking::Client::from_env()?;
//! let wallet = client.call(client.get_wallet())?;
//! println!("{} UT available", wallet.ut.available);
//! for capability in client.items(client.list_capabilities().page_size(50)) {
//!     println!("{}", capability?.title);
//! }
//! # Ok(())
//! # }
//! ```

use std::pin::Pin;
use std::sync::Arc;

use futures::{Stream, StreamExt};
use uumit_api::{Operation, PagedOperation};

use crate::call::{Call, CallOptions, Reply};
use crate::error::{Error, Result};
use crate::paging::Paginate;

/// A blocking UUMit client; cheap to clone, clones share the runtime and connections.
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
    runtime: Arc<OwnedRuntime>,
}

/// The client's runtime. Tokio panics when a runtime is dropped where blocking is not
/// allowed, such as inside async code, so there it is shut down in the background.
#[derive(Debug)]
struct OwnedRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnedRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take()
            && tokio::runtime::Handle::try_current().is_ok()
        {
            runtime.shutdown_background();
        }
    }
}

impl Client {
    /// Wraps an async client; calls run on a new runtime with one worker thread.
    ///
    /// # Errors
    ///
    /// A [`Config`](crate::ErrorKind::Config) error when the runtime cannot start.
    pub fn new(inner: crate::Client) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("uumit-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::config("cannot start the blocking client's runtime").with_source(e)
            })?;
        Ok(Self {
            inner,
            runtime: Arc::new(OwnedRuntime(Some(runtime))),
        })
    }

    /// A client configured from the environment, as [`crate::Client::from_env`].
    ///
    /// # Errors
    ///
    /// As [`crate::ClientBuilder::build`].
    pub fn from_env() -> Result<Self> {
        Self::new(crate::Client::from_env()?)
    }

    /// The async client underneath.
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }

    /// Sends a generated builder and returns the envelope's data.
    ///
    /// # Errors
    ///
    /// As [`Call::call`]; also a [`Config`](crate::ErrorKind::Config) error when called
    /// from inside an async runtime, where `.call().await` is the way.
    pub fn call<'a, O: Operation<'a>>(&self, operation: O) -> Result<O::Data> {
        self.block_on(operation.call())
    }

    /// Sends a generated builder with per-call options.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    pub fn call_with<'a, O: Operation<'a>>(
        &self,
        operation: O,
        options: CallOptions,
    ) -> Result<Reply<O::Data>> {
        self.block_on(operation.call_with(options))
    }

    /// The items of every page of a paged list, fetched as the iterator advances.
    pub fn items<'a, O: PagedOperation<'a>>(
        &'a self,
        operation: O,
    ) -> impl Iterator<Item = Result<O::Item>> + 'a {
        let stream: Pin<Box<dyn Stream<Item = Result<O::Item>> + Send + 'a>> =
            Box::pin(Paginate::items(operation));
        BlockingStream {
            client: self,
            stream,
            failed: false,
        }
    }

    fn block_on<T>(&self, future: impl Future<Output = Result<T>>) -> Result<T> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::config(
                "a blocking call was made inside an async runtime, which would stall it: use uumit::Client and .call().await there",
            ));
        }
        match &self.runtime.0 {
            Some(runtime) => runtime.block_on(future),
            // Only `drop` takes the runtime out, and nothing runs after it.
            None => Err(Error::config("the blocking client's runtime has shut down")),
        }
    }
}

impl std::ops::Deref for Client {
    type Target = uumit_api::Client;

    fn deref(&self) -> &Self::Target {
        self.inner.raw()
    }
}

struct BlockingStream<'a, T> {
    client: &'a Client,
    stream: Pin<Box<dyn Stream<Item = Result<T>> + Send + 'a>>,
    failed: bool,
}

impl<T> Iterator for BlockingStream<'_, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let next = match self.client.block_on(async { Ok(self.stream.next().await) }) {
            Ok(next) => next,
            Err(error) => Some(Err(error)),
        };
        // After an error the stream is done: a retry belongs to the caller.
        self.failed = matches!(next, Some(Err(_)));
        next
    }
}
