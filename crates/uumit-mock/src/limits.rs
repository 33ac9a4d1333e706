//! Per-key rate limiting: a fixed one-minute window per API key, off unless
//! [`MockConfig::rate_limit_per_minute`](crate::MockConfig::rate_limit_per_minute) is
//! set. Over the limit a request gets HTTP 429 with code 1009 and `Retry-After` in whole
//! seconds until the window ends.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::AppState;
use crate::store::Fail;

const WINDOW: Duration = Duration::from_secs(60);

/// Request counts per API key in the current window.
pub(crate) struct RateLimiter {
    per_minute: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub(crate) fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `key`; returns the wait until its window ends when the
    /// request is over the limit.
    fn check(&self, key: &str) -> Option<Duration> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let (start, count) = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            *start = now;
            *count = 0;
        }
        if *count >= self.per_minute {
            return Some(WINDOW.saturating_sub(now.duration_since(*start)));
        }
        *count += 1;
        None
    }
}

/// The middleware: public requests without a key share one window.
pub(crate) async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limiter) = state.limiter.as_ref() else {
        return next.run(request).await;
    };
    if request.uri().path().starts_with("/_mock/") {
        return next.run(request).await;
    }
    let key = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(no key)")
        .to_owned();
    let Some(wait) = limiter.check(&key) else {
        return next.run(request).await;
    };
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let message = format!(
        "rate limit of {} requests a minute exceeded; retry in {seconds} s",
        limiter.per_minute
    );
    let mut response = Fail::new(429, 1009, message).into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}
