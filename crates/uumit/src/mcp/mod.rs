//! An MCP client of the platform's tools, on [rmcp](https://docs.rs/rmcp).
//!
//! The platform serves MCP at `/mcp/sse` over the HTTP+SSE transport of protocol
//! version 2024-11-05, which rmcp no longer ships; [`SseClientTransport`] implements it
//! as an rmcp transport. A URL that does not end in `/sse` is taken as a streamable
//! HTTP endpoint and served by rmcp's own client transport; [`McpOptions::transport`]
//! picks one explicitly. Both send the client's `X-Api-Key` and `X-Platform-User-Id`.
//!
//! ```no_run
//! # async fn run() -> uumit::Result<()> {
//! let client = uumit::Client::from_env()?;
//! let mcp = uumit::mcp::connect(&client).await?;
//! let found = mcp.search(uumit::mcp::SearchInput::new("translation")).await?;
//! for capability in &found.items {
//!     println!("{} {}", capability.title, capability.price_ut);
//! }
//! let tools = mcp.list_tools().await?;
//! println!("{} tools", tools.len());
//! # Ok(())
//! # }
//! ```

mod sse;
mod tools;

use std::time::Duration;

use http::header::{HeaderMap, HeaderName};
use reqwest::Url;
use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation,
    ProtocolVersion, Tool,
};
use rmcp::service::{ClientInitializeError, RunningService, ServiceError};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt};
use serde::de::DeserializeOwned;

pub use sse::SseClientTransport;
pub use tools::{
    CapabilityMatches, CreateTransactionInput, CreditInput, DiscoverInput, InvokeInput, MatchInput,
    PriceSuggestionInput, SearchInput, SettleTransactionInput, WalletInput,
};

use crate::config::is_loopback;
use crate::error::{Error, ErrorKind, Result};

/// Path of the platform's MCP event stream under the base URL.
pub const SSE_PATH: &str = "/mcp/sse";

/// Which MCP transport to speak.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum McpTransport {
    /// HTTP+SSE when the URL's path ends in `/sse`, streamable HTTP otherwise.
    #[default]
    Auto,
    /// The HTTP+SSE transport of protocol version 2024-11-05, which the platform serves.
    Sse,
    /// The streamable HTTP transport of protocol version 2025-03-26 and later.
    StreamableHttp,
}

/// How [`McpClient::connect_with`] connects.
#[derive(Clone, Debug)]
#[must_use]
pub struct McpOptions {
    url: Option<String>,
    transport: McpTransport,
    connect_timeout: Duration,
    endpoint_timeout: Duration,
    request_timeout: Duration,
}

impl Default for McpOptions {
    fn default() -> Self {
        Self {
            url: None,
            transport: McpTransport::Auto,
            connect_timeout: Duration::from_secs(10),
            endpoint_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
        }
    }
}

impl McpOptions {
    /// Every option at its default.
    pub fn new() -> Self {
        Self::default()
    }

    /// The MCP endpoint. Default: the client's base URL with [`SSE_PATH`].
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The transport. Default [`McpTransport::Auto`].
    pub fn transport(mut self, transport: McpTransport) -> Self {
        self.transport = transport;
        self
    }

    /// Time allowed to open a connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed between opening the HTTP+SSE event stream and its `endpoint` event.
    /// Default 10 s.
    pub fn endpoint_timeout(mut self, timeout: Duration) -> Self {
        self.endpoint_timeout = timeout;
        self
    }

    /// Time allowed for the handshake and for each request's reply. Default 60 s.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }
}

/// Connects to the platform's MCP server at the client's base URL + [`SSE_PATH`] with
/// the client's credentials, and completes the `initialize` handshake.
///
/// # Errors
///
/// As [`McpClient::connect_with`].
pub async fn connect(client: &crate::Client) -> Result<McpClient> {
    McpClient::connect_with(client, McpOptions::new()).await
}

/// A connected MCP session. Dropping it closes the session.
#[derive(Debug)]
pub struct McpClient {
    service: RunningService<RoleClient, ClientConfig>,
    request_timeout: Duration,
}

impl McpClient {
    /// Connects with `options` and completes the `initialize` handshake.
    ///
    /// # Errors
    ///
    /// A [`Config`](ErrorKind::Config) error for an invalid URL or credentials bound for
    /// plain HTTP on another host; for HTTP+SSE, the errors of
    /// [`SseClientTransport::connect`]; a [`JsonRpc`](ErrorKind::JsonRpc) error when the server
    /// answers `initialize` with an error, and a [`Timeout`](ErrorKind::Timeout) when it
    /// does not answer within the request timeout.
    pub async fn connect_with(client: &crate::Client, options: McpOptions) -> Result<Self> {
        let url = endpoint_url(client, options.url.as_deref())?;
        let headers = credential_headers(client);
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(format!("uumit-rs/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config("cannot build the MCP HTTP client").with_source(e))?;

        let transport = match options.transport {
            McpTransport::Auto if is_sse_url(&url) => McpTransport::Sse,
            McpTransport::Auto => McpTransport::StreamableHttp,
            chosen => chosen,
        };
        let handshake = async {
            match transport {
                McpTransport::StreamableHttp => {
                    let config = StreamableHttpClientTransportConfig::with_uri(url.as_str())
                        .custom_headers(header_map(&headers));
                    let transport = StreamableHttpClientTransport::with_client(http, config);
                    client_config(ProtocolVersion::V_2025_03_26)
                        .serve(transport)
                        .await
                }
                _ => {
                    let transport = SseClientTransport::connect(
                        http,
                        url.clone(),
                        headers,
                        options.endpoint_timeout,
                    )
                    .await?;
                    client_config(ProtocolVersion::V_2024_11_05)
                        .serve(transport)
                        .await
                }
            }
            .map_err(initialize_error)
        };
        let service = tokio::time::timeout(options.request_timeout, handshake)
            .await
            .map_err(|_| timeout("initialize", options.request_timeout))??;
        Ok(Self {
            service,
            request_timeout: options.request_timeout,
        })
    }

    /// Every tool the server offers, following `tools/list` pages.
    ///
    /// # Errors
    ///
    /// A JSON-RPC error reply ([`JsonRpc`](ErrorKind::JsonRpc)), a lost connection or a timeout.
    pub async fn list_tools(&self) -> Result<Vec<Tool>> {
        let tools = self.service.peer().list_all_tools();
        self.with_timeout("tools/list", tools).await
    }

    /// Calls the tool `name` with `arguments` (a JSON object) and returns its result as
    /// the server sent it, `isError` included.
    ///
    /// # Errors
    ///
    /// A JSON-RPC error reply, for example -32602 for an unknown tool or arguments that
    /// do not fit its schema ([`JsonRpc`](ErrorKind::JsonRpc)); arguments that are not a JSON
    /// object ([`InvalidRequest`](ErrorKind::InvalidRequest)); a lost connection or a
    /// timeout.
    pub async fn call_tool(
        &self,
        name: &str,
        arguments: impl serde::Serialize,
    ) -> Result<CallToolResult> {
        let arguments = match serde_json::to_value(arguments) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(other) => {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    format!("the arguments of tool {name} must be a JSON object, not {other}"),
                ));
            }
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::InvalidRequest,
                    format!("cannot serialize the arguments of tool {name}"),
                )
                .with_source(e));
            }
        };
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments);
        let call = self.service.peer().call_tool(params);
        self.with_timeout("tools/call", call).await
    }

    /// Calls the tool `name` and decodes its JSON text result as `T`.
    ///
    /// # Errors
    ///
    /// As [`call_tool`](Self::call_tool); a result with `isError` is an
    /// [`Api`](ErrorKind::Api) error carrying the platform's `code` and `message` when
    /// the text holds them; a result that is not one JSON text block of `T`'s shape is a
    /// [`Decode`](ErrorKind::Decode) error.
    pub async fn call_tool_json<T: DeserializeOwned>(
        &self,
        name: &str,
        arguments: impl serde::Serialize,
    ) -> Result<T> {
        let result = self.call_tool(name, arguments).await?;
        tools::decode_result(name, &result)
    }

    /// The server's name, version and capabilities from the handshake.
    pub fn server_info(&self) -> Option<std::sync::Arc<rmcp::model::ServerPeerInfo>> {
        self.service.peer().peer_info()
    }

    /// The rmcp peer, for requests without a helper here (resources, prompts...).
    pub fn peer(&self) -> &rmcp::Peer<RoleClient> {
        self.service.peer()
    }

    /// Closes the session and waits for its task to end.
    pub async fn close(mut self) {
        let _ = self.service.close().await;
    }

    async fn with_timeout<T>(
        &self,
        method: &'static str,
        request: impl std::future::Future<Output = std::result::Result<T, ServiceError>>,
    ) -> Result<T> {
        tokio::time::timeout(self.request_timeout, request)
            .await
            .map_err(|_| timeout(method, self.request_timeout))?
            .map_err(service_error)
    }
}

fn client_config(version: ProtocolVersion) -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("uumit-rs", env!("CARGO_PKG_VERSION")),
    )
    .with_protocol_version(version)
}

/// The MCP URL: `explicit`, or the base URL + [`SSE_PATH`]. Credentials go over plain
/// HTTP only to loopback or to the client's own base URL, which the builder checked.
fn endpoint_url(client: &crate::Client, explicit: Option<&str>) -> Result<Url> {
    let base = client.base_url();
    let url = match explicit {
        Some(text) => Url::parse(text.trim()).map_err(|e| {
            Error::config(format!(
                "invalid MCP URL {text:?}: {e}; expected for example http://127.0.0.1:8080/mcp/sse"
            ))
        })?,
        None => {
            let mut url = base.clone();
            let path = format!("{}{SSE_PATH}", base.path().trim_end_matches('/'));
            url.set_path(&path);
            url
        }
    };
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "invalid MCP URL {}: expected http or https",
            sse::redacted(&url)
        )));
    }
    let plain_elsewhere =
        url.scheme() == "http" && !is_loopback(&url) && url.origin() != base.origin();
    if client.has_credentials() && plain_elsewhere {
        return Err(Error::config(format!(
            "refusing to send the API key over plain HTTP to {}: use https",
            url.host_str().unwrap_or_default()
        )));
    }
    Ok(url)
}

fn is_sse_url(url: &Url) -> bool {
    url.path().trim_end_matches('/').ends_with("/sse")
}

/// `X-Api-Key` and `X-Platform-User-Id` from the client's credentials, marked
/// sensitive.
fn credential_headers(client: &crate::Client) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(credentials) = &client.config.credentials {
        if let Some(key) = sse::sensitive(credentials.api_key.expose()) {
            headers.insert("x-api-key", key);
        }
        if let Some(user) = sse::sensitive(&credentials.user_id) {
            headers.insert("x-platform-user-id", user);
        }
    }
    headers
}

fn header_map(headers: &HeaderMap) -> std::collections::HashMap<HeaderName, http::HeaderValue> {
    headers
        .iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

fn timeout(method: &str, after: Duration) -> Error {
    Error::new(
        ErrorKind::Timeout,
        format!("the MCP server did not answer {method} within {after:?}"),
    )
}

fn initialize_error(error: ClientInitializeError) -> Error {
    match error {
        ClientInitializeError::JsonRpcError(data) => rpc_error("initialize", data),
        ClientInitializeError::TransportError { error, context } => transport_error(error)
            .unwrap_or_else(|message| {
                Error::new(
                    ErrorKind::Transport,
                    format!("MCP {context} failed: {message}"),
                )
            }),
        other => Error::new(
            ErrorKind::Transport,
            format!("the MCP handshake failed: {other}"),
        ),
    }
}

fn service_error(error: ServiceError) -> Error {
    match error {
        ServiceError::McpError(data) => rpc_error("request", data),
        ServiceError::TransportSend(error) => transport_error(error)
            .unwrap_or_else(|message| Error::new(ErrorKind::Transport, message)),
        ServiceError::TransportClosed => Error::new(
            ErrorKind::Transport,
            "the MCP session closed (the event stream ended); connect again",
        ),
        ServiceError::Timeout { timeout: after } => timeout("the request", after),
        other => Error::new(ErrorKind::Transport, format!("MCP request failed: {other}")),
    }
}

/// Our own transport's error back out of rmcp's wrapper, or the wrapper's text.
fn transport_error(
    error: rmcp::transport::DynamicTransportError,
) -> std::result::Result<Error, String> {
    let message = error.to_string();
    error
        .error
        .downcast::<Error>()
        .map(|e| *e)
        .map_err(|_| message)
}

fn rpc_error(method: &str, data: rmcp::ErrorData) -> Error {
    Error::new(
        ErrorKind::JsonRpc,
        format!("the MCP server rejected the {method}: {}", data.message),
    )
    .with_code(i64::from(data.code.0))
    .with_data(data.data)
}
