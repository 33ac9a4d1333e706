//! [`ClientBuilder`]: base URL, credentials, timeouts and the retry policy.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::transport::FacadeTransport;

/// The platform's production base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.uumit.com";

/// The default maximum of requests in flight at once per client; see
/// [`ClientBuilder::max_concurrent_requests`].
const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 100;

/// An API key. Its `Debug` and `Display` never show the key.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, to put in a request header or a credentials file.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// An API key and the platform user it acts for (`X-Api-Key`, `X-Platform-User-Id`).
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The key.
    pub api_key: ApiKey,
    /// The user id, a UUID.
    pub user_id: String,
}

/// When and how often a failed call is sent again; see [`Error`] for the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt. Default 2.
    pub max_retries: u32,
    /// Base of the exponential backoff: attempt `n` waits a random time up to
    /// `base * 2^n`, capped by `max_backoff`. Default 200 ms.
    pub initial_backoff: Duration,
    /// Longest computed backoff. Default 8 s.
    pub max_backoff: Duration,
    /// Maximum server-requested delay (`Retry-After`) the client sleeps for; a longer
    /// one ends the call with the error and its [`Error::retry_after`]. Default 60 s.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}

/// Settings shared by every call of a [`Client`](crate::Client).
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) base_url: reqwest::Url,
    pub(crate) credentials: Option<Credentials>,
    /// `X-Api-Key` and `X-Platform-User-Id`, validated once and marked sensitive.
    pub(crate) credential_headers: Option<(http::HeaderValue, http::HeaderValue)>,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) max_redirects: usize,
    /// One permit for each request in flight; see
    /// [`ClientBuilder::max_concurrent_requests`].
    pub(crate) in_flight: tokio::sync::Semaphore,
}

/// Builds a [`Client`](crate::Client).
///
/// ```
/// # fn main() -> uumit::Result<()> {
/// let client = uumit::Client::builder()
///     .base_url("http://127.0.0.1:8080")
///     .credentials("my-key", "8f6c9a52-3b1e-4c0f-9d2a-6b7e1f0c4d3a")
///     .timeout(std::time::Duration::from_secs(10))
///     .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    base_url: Option<String>,
    api_key: Option<ApiKey>,
    user_id: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    allow_insecure_http: bool,
    max_response_bytes: usize,
    max_concurrent_requests: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            api_key: None,
            user_id: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            user_agent: format!("uumit-rs/{}", env!("CARGO_PKG_VERSION")),
            allow_insecure_http: false,
            max_response_bytes: 32 << 20,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
        }
    }
}

impl ClientBuilder {
    /// The server to call. Default [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The API key and the platform user id it acts for. Default: none, so only public
    /// operations succeed.
    pub fn credentials(mut self, api_key: impl Into<String>, user_id: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey::new(api_key));
        self.user_id = Some(user_id.into());
        self
    }

    /// Time allowed for one HTTP attempt, from sending to the end of the body. Default
    /// 30 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to open a connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy. Default [`RetryPolicy::default`]: 2 retries.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header. Default `uumit-rs/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Allows sending the API key over plain HTTP to a host that is not loopback.
    /// Default false: such a client fails to build, because anyone on the path could
    /// read the key.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Largest response body read, in bytes; a larger one fails the call. Default 32 MiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Sets the maximum number of REST calls in flight at once over this client and its
    /// clones: the generated operations and [`Client::send`](crate::Client::send).
    /// Further calls wait for a free slot. Default 100.
    ///
    /// A call keeps a slot from sending a request to the end of its response body, and
    /// not while it waits to retry. Waiting for a slot does not count against the
    /// [`timeout`](Self::timeout). Event streams, A2A JSON-RPC calls and the MCP client
    /// take no slot, so the connections they use come on top of these.
    pub fn max_concurrent_requests(mut self, requests: usize) -> Self {
        self.max_concurrent_requests = requests;
        self
    }

    /// Fills unset fields from `UUMIT_BASE_URL`, `UUMIT_API_KEY` and `UUMIT_USER_ID`.
    pub fn from_env(mut self) -> Self {
        let read = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if self.base_url.is_none() {
            self.base_url = read("UUMIT_BASE_URL");
        }
        if self.api_key.is_none() {
            self.api_key = read("UUMIT_API_KEY").map(ApiKey::new);
        }
        if self.user_id.is_none() {
            self.user_id = read("UUMIT_USER_ID");
        }
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// A [`Config`](crate::ErrorKind::Config) error when the base URL is not an http or
    /// https URL, when only one of key and user id is set, or when a key would go over
    /// plain HTTP to a host that is not loopback without
    /// [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn build(self) -> Result<crate::Client> {
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let credentials = match (self.api_key, self.user_id) {
            (Some(api_key), Some(user_id)) => Some(Credentials { api_key, user_id }),
            (None, None) => None,
            (Some(_), None) => {
                return Err(Error::config(
                    "an API key was given without a user id: set UUMIT_USER_ID or pass both to credentials()",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::config(
                    "a user id was given without an API key: set UUMIT_API_KEY or pass both to credentials()",
                ));
            }
        };
        if credentials.is_some()
            && base_url.scheme() == "http"
            && !is_loopback(&base_url)
            && !self.allow_insecure_http
        {
            return Err(Error::config(format!(
                "refusing to send the API key over plain HTTP to {}: use https, or call allow_insecure_http(true) if the network is trusted",
                base_url.host_str().unwrap_or_default()
            )));
        }
        if self.max_concurrent_requests == 0 {
            return Err(Error::config(
                "max_concurrent_requests is 0, so no request could ever be sent: use at least 1",
            ));
        }
        let credential_headers = credentials.as_ref().map(header_values).transpose()?;
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(self.max_concurrent_requests)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::config("cannot build the HTTP client").with_source(e))?;
        let config = Arc::new(Config {
            base_url,
            credentials,
            credential_headers,
            retry: self.retry,
            max_response_bytes: self.max_response_bytes,
            max_redirects: 5,
            in_flight: tokio::sync::Semaphore::new(
                self.max_concurrent_requests
                    .min(tokio::sync::Semaphore::MAX_PERMITS),
            ),
        });
        Ok(crate::Client::from_parts(http, config))
    }
}

/// The credential headers, marked sensitive so that HTTP libraries never print them.
fn header_values(credentials: &Credentials) -> Result<(http::HeaderValue, http::HeaderValue)> {
    let mut key = http::HeaderValue::from_str(credentials.api_key.expose())
        .map_err(|_| Error::config("the API key contains characters an HTTP header cannot carry: check UUMIT_API_KEY for stray spaces or quotes"))?;
    let mut user = http::HeaderValue::from_str(&credentials.user_id).map_err(|_| {
        Error::config(format!(
            "invalid user id {:?}: expected a UUID such as 8f6c9a52-3b1e-4c0f-9d2a-6b7e1f0c4d3a",
            credentials.user_id
        ))
    })?;
    key.set_sensitive(true);
    user.set_sensitive(true);
    Ok((key, user))
}

fn parse_base_url(text: &str) -> Result<reqwest::Url> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| {
        Error::config(format!(
            "invalid base URL {text:?}: {e}; expected for example http://127.0.0.1:8080"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::config(format!(
            "invalid base URL {text:?}: expected an http or https URL with a host"
        )));
    }
    Ok(url)
}

/// Whether a URL's host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub(crate) fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

impl crate::Client {
    pub(crate) fn from_parts(http: reqwest::Client, config: Arc<Config>) -> Self {
        let transport = Arc::new(FacadeTransport::new(config.clone()));
        let base = config.base_url.as_str().trim_end_matches('/').to_owned();
        let raw = uumit_api::Client::new_with_client(
            &base,
            http,
            uumit_api::Inner::with_transport(transport),
        );
        Self { raw, config }
    }
}
