//! The [`Call`] extension: `.call().await` on any generated builder sends it through the
//! facade and returns the envelope's data or an [`Error`].

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use tracing::Instrument;
use uumit_api::{Operation, RawError};

use crate::config::RetryPolicy;
use crate::error::{Error, ErrorKind, Result};

tokio::task_local! {
    /// The state of the logical call in progress on this task.
    pub(crate) static CALL: Arc<CallState>;
}

/// Per-call settings that override the client's.
///
/// ```no_run
/// # async fn run(client: uumit::Client) -> uumit::Result<()> {
/// use uumit::prelude::*;
/// let options = uumit::CallOptions::new().idempotency_key("order-42").max_retries(5);
/// let body = uumit::types::TransactionCreate::builder().capability_id(uuid::Uuid::nil());
/// let reply = client.create_transaction().body(body).call_with(options).await?;
/// # let _ = reply;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct CallOptions {
    idempotency_key: Option<String>,
    max_retries: Option<u32>,
    timeout: Option<Duration>,
}

impl CallOptions {
    /// Options that change nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// The idempotency key of this call, sent in the header and in the body's
    /// `idempotency_key` field where the operation has one. Default: the key set on the
    /// builder, else a new UUID for every POST, PUT, PATCH and DELETE.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Retries after the first attempt for this call. Default: the client's policy.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Time allowed for each attempt of this call. Default: the client's timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// The data of a successful call, with facts about how the call went.
#[derive(Clone, Debug)]
pub struct Reply<T> {
    /// The envelope's data.
    pub data: T,
    /// The idempotency key the call carried (mutating calls only).
    pub idempotency_key: Option<String>,
    /// The request id the server sent, if any.
    pub request_id: Option<String>,
    /// The HTTP status of the final response.
    pub status: StatusCode,
    /// How many HTTP attempts the call made.
    pub attempts: u32,
}

#[derive(Default)]
pub(crate) struct CallState {
    options: CallOptions,
    outcome: Mutex<Outcome>,
}

#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) error: Option<Error>,
    pub(crate) idempotency_key: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) status: Option<StatusCode>,
    pub(crate) attempts: u32,
    pub(crate) body: bytes::Bytes,
}

impl CallState {
    pub(crate) fn new(options: CallOptions) -> Self {
        Self {
            options,
            outcome: Mutex::default(),
        }
    }

    pub(crate) fn outcome(&self) -> std::sync::MutexGuard<'_, Outcome> {
        // A poisoned lock only means another thread panicked mid-update; the data is
        // plain values and still usable.
        self.outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn requested_key(&self) -> Option<String> {
        self.options.idempotency_key.clone()
    }

    pub(crate) fn retry_policy(&self, base: &RetryPolicy) -> RetryPolicy {
        let mut policy = base.clone();
        if let Some(retries) = self.options.max_retries {
            policy.max_retries = retries;
        }
        policy
    }

    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.options.timeout
    }

    pub(crate) fn record_key(&self, key: Option<String>) {
        self.outcome().idempotency_key = key;
    }

    pub(crate) fn record_success(
        &self,
        status: StatusCode,
        request_id: Option<String>,
        attempts: u32,
        body: bytes::Bytes,
    ) {
        let mut outcome = self.outcome();
        outcome.status = Some(status);
        outcome.request_id = request_id;
        outcome.attempts = attempts;
        outcome.body = body;
    }

    pub(crate) fn record_error(&self, error: Error) {
        self.outcome().error = Some(error);
    }
}

/// Sends a generated builder through the facade.
///
/// Implemented for every builder of an operation with a JSON response; bring it into
/// scope with `use uumit::prelude::*`.
pub trait Call<'a>: Operation<'a> {
    /// Sends the call and returns the envelope's data.
    ///
    /// # Errors
    ///
    /// Any [`Error`]: a non-zero envelope code, a validation error, a decode failure or a
    /// transport failure, after the retries the policy allows.
    fn call(self) -> impl Future<Output = Result<Self::Data>> + Send + 'a {
        let reply = self.call_with(CallOptions::default());
        async move { reply.await.map(|r| r.data) }
    }

    /// Sends the call with per-call options and returns the data with the call's facts,
    /// among them the idempotency key it used.
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call).
    fn call_with(
        self,
        options: CallOptions,
    ) -> impl Future<Output = Result<Reply<Self::Data>>> + Send + 'a {
        run::<Self>(self, options)
    }
}

impl<'a, T: Operation<'a>> Call<'a> for T {}

async fn run<'a, O: Operation<'a>>(operation: O, options: CallOptions) -> Result<Reply<O::Data>> {
    let state = Arc::new(CallState::new(options));
    let span = tracing::debug_span!("uumit.call", operation = O::NAME);
    let result = CALL
        .scope(state.clone(), operation.execute())
        .instrument(span)
        .await;
    let mut outcome = std::mem::take(&mut *state.outcome());
    if let Some(error) = outcome.error.take() {
        return Err(error);
    }
    let key = outcome.idempotency_key.clone();
    let business = |outcome: &Outcome| {
        crate::transport::business_error(&outcome.body).map(|error| {
            error
                .with_status(outcome.status.unwrap_or(StatusCode::OK))
                .with_request_id(outcome.request_id.clone())
                .with_operation(O::NAME)
                .with_attempts(outcome.attempts)
                .with_idempotency_key(outcome.idempotency_key.clone())
        })
    };
    let response = match result {
        Ok(response) if O::envelope_code(&response).is_some_and(|code| code != 0) => {
            return Err(business(&outcome).unwrap_or_else(|| {
                Error::new(
                    ErrorKind::Decode,
                    "the envelope has a non-zero code but no readable body",
                )
                .with_operation(O::NAME)
            }));
        }
        Ok(response) => response,
        Err(raw) => {
            // An error envelope's data rarely has the success type, so a body that does
            // not decode may still be a business error.
            if matches!(raw, RawError::Decode { .. })
                && let Some(error) = business(&outcome)
            {
                return Err(error);
            }
            return Err(from_raw::<O>(raw).with_idempotency_key(key.clone()));
        }
    };
    let data = O::into_data(response).ok_or_else(|| {
        Error::new(ErrorKind::Decode, "the envelope's data is null on success")
            .with_operation(O::NAME)
            .with_decode_path("data".into())
    })?;
    Ok(Reply {
        data,
        idempotency_key: key,
        request_id: outcome.request_id,
        status: outcome.status.unwrap_or(StatusCode::OK),
        attempts: outcome.attempts,
    })
}

/// Turns a raw-client failure that the transport did not already classify into an
/// [`Error`]; a decode failure is decoded again to find the JSON path.
fn from_raw<'a, O: Operation<'a>>(raw: RawError) -> Error {
    let error = match raw {
        RawError::InvalidRequest(message) => {
            Error::new(ErrorKind::InvalidRequest, builder_message(&message))
        }
        RawError::Transport(e) => {
            Error::new(ErrorKind::Transport, "the request failed").with_source(e)
        }
        RawError::Status { status } => {
            Error::new(ErrorKind::Http, format!("unexpected HTTP status {status}"))
                .with_status(status)
        }
        RawError::Decode { body, error } => {
            let mut deserializer = serde_json::Deserializer::from_slice(&body);
            let path = match serde_path_to_error::deserialize::<_, O::Response>(&mut deserializer) {
                Err(located) => located.path().to_string(),
                Ok(_) => ".".to_owned(),
            };
            Error::new(ErrorKind::Decode, "the response does not match the spec")
                .with_decode_path(path)
                .with_body(&body)
                .with_source(error)
        }
    };
    error.with_operation(O::NAME)
}

/// Rewrites the generated builder's two messages, which name the parameter but not the
/// fix: `NAME was not initialized` and ``conversion to `TYPE` for NAME failed[: REASON]``.
fn builder_message(message: &str) -> String {
    if let Some(name) = message.strip_suffix(" was not initialized") {
        return format!(
            "the required parameter `{name}` is not set: call `.{name}(...)` on the builder before sending"
        );
    }
    // A body builder that was never given one of its required fields.
    if let Some(field) = message.strip_prefix("no value supplied for ") {
        return format!(
            "the body is missing its required field `{field}`: set it on the body builder passed to `.body(...)`"
        );
    }
    let Some(rest) = message.strip_prefix("conversion to `") else {
        return message.to_owned();
    };
    let Some((type_name, tail)) = rest.split_once("` for ") else {
        return message.to_owned();
    };
    let Some((name, reason)) = tail.split_once(" failed") else {
        return message.to_owned();
    };
    // The type is printed from tokens, as in `:: uuid :: Uuid`.
    let type_name: String = type_name.split_whitespace().collect();
    let type_name = type_name
        .trim_start_matches("::")
        .replace("crate::open_enums::", "uumit::enums::");
    let fix = match reason.strip_prefix(": ") {
        Some(reason) => reason.to_owned(),
        None if type_name.contains("NonZero") => "pass a number greater than 0".to_owned(),
        None => format!("pass a valid {type_name}"),
    };
    format!("the value passed to `.{name}(...)` does not convert to `{type_name}`: {fix}")
}
