//! [`Request`]: an operation addressed at run time by method and path, for tools that
//! reach every operation of the spec by name, such as the `uumit api` command. Typed code
//! wants the generated builders instead.

use std::sync::Arc;

use reqwest::Method;
use uumit_api::{ClientInfo, Transport};

use crate::call::{CALL, CallOptions, CallState, Reply};
use crate::error::{Error, ErrorKind, Result};
use crate::transport::FacadeTransport;

/// A request built by hand and sent with [`Client::send`](crate::Client::send), through
/// the same transport as the generated builders: credentials, the idempotency key,
/// retries and redirects apply.
///
/// ```no_run
/// # async fn run(client: uumit::Client) -> uumit::Result<()> {
/// let request = uumit::Request::new(uumit::Method::GET, "/api/v1/wallet")
///     .operation("get_wallet");
/// let wallet = client.send(request, uumit::CallOptions::new()).await?;
/// println!("{}", wallet.data["ut"]["available"]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct Request {
    method: Method,
    path: String,
    operation: &'static str,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    body: Option<serde_json::Value>,
    envelope: bool,
}

impl Request {
    /// Creates a request for `path` (with path parameters already filled in, starting with `/`)
    /// relative to the client's base URL.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            operation: "request",
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            envelope: true,
        }
    }

    /// Sets the operation's name for logs and errors. Default `request`.
    pub fn operation(mut self, name: &'static str) -> Self {
        self.operation = name;
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Adds a header. An `Idempotency-Key` set here is the call's key unless
    /// [`CallOptions::idempotency_key`] sets another.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body. Default: none.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Sets whether the response is the platform's envelope, whose `data` the reply
    /// carries. Default true. Set false for operations that return bare JSON, such as
    /// agent cards, to get the whole body.
    pub fn envelope(mut self, envelope: bool) -> Self {
        self.envelope = envelope;
        self
    }

    fn build(&self, client: &crate::Client) -> Result<reqwest::Request> {
        let base = client.base_url().as_str().trim_end_matches('/');
        let url = format!("{base}{}", self.path);
        let mut builder = client
            .raw()
            .client()
            .request(self.method.clone(), url)
            .query(&self.query);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &self.body {
            builder = builder.json(body);
        }
        builder.build().map_err(|e| {
            Error::new(ErrorKind::InvalidRequest, "cannot build the request")
                .with_operation(self.operation)
                .with_source(e)
        })
    }
}

impl crate::Client {
    /// Sends a hand-built [`Request`] and returns the envelope's data (or the whole body
    /// when [`Request::envelope`] is false; `null` for an empty body).
    ///
    /// # Errors
    ///
    /// As [`Call::call`](crate::Call::call).
    pub async fn send(
        &self,
        request: Request,
        options: CallOptions,
    ) -> Result<Reply<serde_json::Value>> {
        let http_request = request.build(self)?;
        let state = Arc::new(CallState::new(options));
        let transport = FacadeTransport::new(Arc::clone(&self.config));
        let http = self.raw().client();
        // The transport reads the call state when `execute` is called, so the call must
        // happen inside the scope.
        let exchange = async {
            transport
                .execute(http, http_request, request.operation)
                .await
        };
        let sent = CALL.scope(Arc::clone(&state), exchange).await;
        let mut outcome = std::mem::take(&mut *state.outcome());
        if let Some(error) = outcome.error.take() {
            return Err(error);
        }

        let failed = |e: reqwest::Error| {
            Error::new(ErrorKind::Transport, "the request failed")
                .with_operation(request.operation)
                .with_source(e)
        };
        let body = sent.map_err(failed)?.bytes().await.map_err(failed)?;
        // The transport passes a 2xx on, so an envelope's non-zero code is checked here.
        if request.envelope
            && let Some(error) = crate::transport::business_error(&body)
        {
            return Err(error
                .with_status(outcome.status.unwrap_or(reqwest::StatusCode::OK))
                .with_request_id(outcome.request_id)
                .with_operation(request.operation)
                .with_attempts(outcome.attempts)
                .with_idempotency_key(outcome.idempotency_key));
        }
        let data = decode(&body, request.envelope, request.operation)?;
        Ok(Reply {
            data,
            idempotency_key: outcome.idempotency_key,
            request_id: outcome.request_id,
            status: outcome.status.unwrap_or(reqwest::StatusCode::OK),
            attempts: outcome.attempts,
        })
    }
}

fn decode(body: &[u8], envelope: bool, operation: &'static str) -> Result<serde_json::Value> {
    if body.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    let mut value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        Error::new(ErrorKind::Decode, "the response body is not JSON")
            .with_operation(operation)
            .with_body(body)
            .with_source(e)
    })?;
    if envelope {
        value = value
            .get_mut("data")
            .map(serde_json::Value::take)
            .unwrap_or_default();
    }
    Ok(value)
}
