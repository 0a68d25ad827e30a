//! When to try a request again and how long to wait first: bounded attempts,
//! exponential backoff with jitter, the server's `Retry-After` honoured within
//! the same bound; and the words for what went wrong.

use super::Options;
use crate::text::escaped;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;

/// The longest wait between two attempts.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// How one attempt ended when it did not succeed.
pub(crate) enum Attempt<E> {
    /// Worth another try (connection error, timeout, 5xx, 429, dropped body, too slow).
    Retry {
        why: String,
        after: Option<Duration>,
    },
    /// Final: another try would not change it.
    Fail(E),
}

impl<E> Attempt<E> {
    pub(crate) fn retry(why: impl Into<String>) -> Attempt<E> {
        Attempt::Retry {
            why: why.into(),
            after: None,
        }
    }
}

/// Runs `attempt` until it succeeds, fails for good, or `options.retries`
/// retries are spent; `give_up` turns the last reason into the error. With
/// `-v`, each retry of `what` is announced on stderr with its reason.
pub(crate) fn with_retries<T, E>(
    options: &Options,
    what: &str,
    mut attempt: impl FnMut() -> Result<T, Attempt<E>>,
    give_up: impl FnOnce(String) -> E,
) -> Result<T, E> {
    let mut tried = 0;
    loop {
        match attempt() {
            Ok(value) => return Ok(value),
            Err(Attempt::Fail(e)) => return Err(e),
            Err(Attempt::Retry { why, after }) => {
                tried += 1;
                if tried > options.retries {
                    let attempts = if tried == 1 { "attempt" } else { "attempts" };
                    return Err(give_up(format!("{why} (after {tried} {attempts})")));
                }
                let wait = wait(options.backoff, tried - 1, after);
                if crate::verbosity::verbose() {
                    crate::say!(
                        "{}: attempt {tried} failed ({}); trying again in {:.1} s",
                        escaped(what),
                        escaped(&why),
                        wait.as_secs_f64()
                    );
                }
                std::thread::sleep(wait);
            }
        }
    }
}

/// `base * 2^n`, at most [`MAX_WAIT`], jittered to between half and all of
/// it (so parallel downloads that failed together do not retry together); at
/// least the server's `Retry-After` when that is within the bound.
fn wait(base: Duration, n: u32, after: Option<Duration>) -> Duration {
    let full = base.saturating_mul(1 << n.min(16)).min(MAX_WAIT);
    let fraction = getrandom::u64().unwrap_or(u64::MAX / 2) as f64 / u64::MAX as f64;
    let jittered = full.mul_f64(0.5 + fraction / 2.0);
    jittered.max(after.unwrap_or_default().min(MAX_WAIT))
}

/// Whether a status other than success is worth another try.
pub(crate) fn retryable(status: StatusCode) -> bool {
    status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
}

/// A non-success status as an attempt's end: retried or final.
pub(crate) fn status<E>(
    status: StatusCode,
    headers: &HeaderMap,
    fail: impl FnOnce(String) -> E,
) -> Attempt<E> {
    let why = format!("the server answered HTTP {status}");
    if retryable(status) {
        Attempt::Retry {
            why,
            after: retry_after(headers),
        }
    } else {
        Attempt::Fail(fail(why))
    }
}

/// `Retry-After` in seconds (the date form is not worth its parsing here).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    text.trim().parse().ok().map(Duration::from_secs)
}

/// A request error and its causes on one line, without the URL (the caller
/// names the URL, its password hidden): reqwest's own text ("error sending
/// request") says nothing of why (connection refused, timeout, TLS).
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let timeout = error.is_timeout();
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    if timeout && !text.contains("timed out") {
        text.push_str(": timed out");
    }
    text
}

/// Whether a request error is worth another try: everything but a request
/// that could not be built or a redirect loop.
pub(crate) fn transient(error: &reqwest::Error) -> bool {
    !(error.is_builder() || error.is_redirect())
}

/// The body's `Content-Encoding`, when it is not the bytes themselves: those
/// are refused, as their hash would not be the listing's.
pub(crate) fn encoded(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(reqwest::header::CONTENT_ENCODING)?;
    let text = String::from_utf8_lossy(value.as_bytes()).trim().to_string();
    (!text.eq_ignore_ascii_case("identity") && !text.is_empty())
        .then(|| text.escape_debug().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_within_the_bound_with_jitter() {
        let base = Duration::from_millis(100);
        for n in 0..4 {
            let full = base * (1 << n);
            let w = wait(base, n, None);
            assert!(w >= full / 2 && w <= full, "{n}: {w:?}");
        }
        assert!(wait(base, 40, None) <= MAX_WAIT);
        let w = wait(base, 0, Some(Duration::from_secs(3)));
        assert_eq!(w, Duration::from_secs(3));
        let w = wait(base, 0, Some(Duration::from_secs(3600)));
        assert_eq!(w, MAX_WAIT);
    }

    #[test]
    fn only_server_errors_and_throttling_are_retried() {
        for code in [500, 502, 503, 504, 429, 408] {
            assert!(retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [400, 401, 403, 404, 410, 416] {
            assert!(!retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }
}
