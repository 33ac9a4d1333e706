//! Retry delays: the server's `Retry-After` when it sends one, full-jitter exponential
//! backoff otherwise.

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use rand::Rng;

use crate::config::RetryPolicy;

/// The delay a response asks for: `retry-after-ms` in milliseconds, or `Retry-After` in
/// seconds or as an HTTP date. A value that is none of these is ignored.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(millis) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok())
        && millis.is_finite()
        && millis >= 0.0
    {
        // A value too large for a `Duration` is a wait longer than any policy allows.
        let wait = Duration::try_from_secs_f64(millis / 1000.0).unwrap_or(Duration::MAX);
        return Some(wait);
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // Digits too many for a u64 are a wait longer than any policy allows.
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::MAX);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(
        date.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// How long to wait before attempt `attempt + 1`, or `None` when the server asked for
/// more than the policy allows.
pub(crate) fn delay(
    policy: &RetryPolicy,
    attempt: u32,
    server: Option<Duration>,
) -> Option<Duration> {
    match server {
        Some(requested) if requested > policy.max_retry_after => None,
        Some(requested) => Some(requested),
        None => Some(backoff(policy, attempt)),
    }
}

/// Full jitter: a uniform random delay between zero and `initial * 2^(attempt-1)`, capped
/// at `max_backoff`.
pub(crate) fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    let ceiling = policy
        .initial_backoff
        .saturating_mul(1 << exponent)
        .min(policy.max_backoff);
    if ceiling.is_zero() {
        return ceiling;
    }
    let millis = rand::rng().random_range(0..=ceiling.as_millis() as u64);
    Duration::from_millis(millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(name: &'static str, value: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, HeaderValue::from_str(value).unwrap());
        map
    }

    #[test]
    fn retry_after_beyond_u64_gives_up() {
        let wait = retry_after(&headers("retry-after", "99999999999999999999"));
        assert_eq!(wait, Some(Duration::MAX));
        assert_eq!(delay(&RetryPolicy::default(), 1, wait), None);
    }

    #[test]
    fn huge_retry_after_ms_gives_up() {
        let wait = retry_after(&headers("retry-after-ms", "1e300"));
        assert_eq!(wait, Some(Duration::MAX));
        assert_eq!(delay(&RetryPolicy::default(), 1, wait), None);
    }

    #[test]
    fn retry_after_reads_seconds_dates_and_millis() {
        assert_eq!(
            retry_after(&headers("retry-after", "7")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers("retry-after-ms", "250")),
            Some(Duration::from_millis(250))
        );
        let future = SystemTime::now() + Duration::from_secs(30);
        let parsed =
            retry_after(&headers("retry-after", &httpdate::fmt_http_date(future))).unwrap();
        assert!(
            parsed > Duration::from_secs(27) && parsed <= Duration::from_secs(30),
            "{parsed:?}"
        );
        let past = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(30));
        assert_eq!(
            retry_after(&headers("retry-after", &past)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_ignores_garbage() {
        for value in ["soon", "-5", "1.5", ""] {
            assert_eq!(retry_after(&headers("retry-after", value)), None, "{value}");
        }
        assert_eq!(retry_after(&headers("retry-after-ms", "NaN")), None);
    }

    #[test]
    fn delay_over_cap_returns_none() {
        let policy = RetryPolicy::default();
        assert_eq!(delay(&policy, 1, Some(Duration::from_secs(3600))), None);
        assert_eq!(
            delay(&policy, 1, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn backoff_stays_under_exponential_ceiling() {
        let policy = RetryPolicy::default();
        for attempt in 1..10 {
            let ceiling = policy
                .initial_backoff
                .saturating_mul(1 << (attempt - 1))
                .min(policy.max_backoff);
            for _ in 0..50 {
                assert!(backoff(&policy, attempt) <= ceiling);
            }
        }
    }
}
