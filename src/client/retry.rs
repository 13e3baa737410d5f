//! The one retry the harness makes (notes:6.17): a 429, or a 503 carrying `Retry-After`, says
//! the server did not process the request, so it is no verdict on the contract. Such a request
//! is sent again after the wait the server names, a few times at most, and only when it
//! carries the harness's own valid signature: a probe or a case that edits `Authorization`
//! counts against the bad-auth budget, and sending it again would spend more than the budget
//! allows. Owns the policy only (which answers, how long, how often, the counts); the loop is
//! in `Client::send` and the pace in `rate`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::OutgoingRequest;
use crate::exchange::{Exchange, Received};

/// Sends after the first, at most.
pub const MAX_RETRIES: u32 = 3;
/// The longest wait honoured: a longer `Retry-After` is cut to this, so one case never holds
/// the run for long.
pub const MAX_WAIT: Duration = Duration::from_secs(5);
/// The wait after a 429 that names none.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(1);

/// True when a refusal of this request for rate is sent again: it carries the harness's own
/// valid signature (the one rule of the bad-auth budget, so a probe is never sent twice).
pub fn is_retried(request: &OutgoingRequest) -> bool {
    crate::cases::carries_own_signature(request.auth, &request.header_edits, &request.body)
}

/// A 429, or a 503 that carries `Retry-After`: the server did not process the request.
pub fn is_rate_refusal(received: &Received) -> bool {
    received.status == 429 || (received.status == 503 && received.header("retry-after").is_some())
}

/// Why a case got no verdict when its last answer was a refusal for rate; `None` otherwise.
/// `retried`: whether the client sent it again (see [`is_retried`]).
pub fn rate_refusal_reason(exchange: &Exchange, retried: bool) -> Option<String> {
    let received = exchange
        .response
        .as_ref()
        .ok()
        .filter(|r| is_rate_refusal(r))?;
    let after = if retried {
        format!("still refused after {MAX_RETRIES} retries")
    } else {
        "not sent again (only requests with the harness's own signature are)".to_owned()
    };
    Some(format!(
        "rate-limited: HTTP {}, {after}; the server did not process it, so no verdict (notes:6.17)",
        received.status
    ))
}

/// How long to wait before sending again: `Retry-After` as delta-seconds or an HTTP-date
/// (RFC 9110 §10.2.3), at most [`MAX_WAIT`]; [`DEFAULT_WAIT`] when absent or unreadable.
pub(super) fn wait_before_retry(received: &Received, now: SystemTime) -> Duration {
    let named = received.header("retry-after").and_then(|value| {
        let value = value.trim();
        match value.parse::<u64>() {
            Ok(seconds) => Some(Duration::from_secs(seconds)),
            Err(_) => httpdate::parse_http_date(value)
                .ok()
                .map(|at| at.duration_since(now).unwrap_or(Duration::ZERO)),
        }
    });
    named.unwrap_or(DEFAULT_WAIT).min(MAX_WAIT)
}

/// What the client met of rate limits in a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateLimitStats {
    /// Answers 429, or 503 with `Retry-After`, to any request (probes too).
    pub refusals: u64,
    /// Requests sent again after such an answer.
    pub retries: u64,
    /// Requests per second allowed since a 429 lowered the pace, if one did.
    pub lowered_pace: Option<f64>,
}

/// The counters behind [`RateLimitStats`], shared by every task of the client.
#[derive(Debug, Default)]
pub(super) struct Counters {
    refusals: AtomicU64,
    retries: AtomicU64,
}

impl Counters {
    pub(super) fn refused(&self) {
        self.refusals.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn retried(&self) {
        self.retries.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn refusals(&self) -> u64 {
        self.refusals.load(Ordering::Relaxed)
    }

    pub(super) fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{AuthMode, HeaderEdits};
    use crate::exchange::{SentRequest, TransportFailure};

    fn answer(status: u16, retry_after: Option<&str>) -> Received {
        Received {
            status,
            headers: retry_after
                .map(|v| vec![("retry-after".to_owned(), v.to_owned())])
                .unwrap_or_default(),
            ..Received::default()
        }
    }

    #[test]
    fn only_429_and_503_with_retry_after_are_refusals_for_rate() {
        assert!(is_rate_refusal(&answer(429, None)));
        assert!(is_rate_refusal(&answer(503, Some("2"))));
        assert!(!is_rate_refusal(&answer(503, None)), "a plain 503 is a 5xx");
        assert!(!is_rate_refusal(&answer(500, Some("2"))));
        assert!(!is_rate_refusal(&answer(200, Some("2"))));
    }

    #[test]
    fn the_wait_reads_both_forms_and_is_capped() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let wait = |v: Option<&str>| wait_before_retry(&answer(429, v), now);
        assert_eq!(wait(Some("0")), Duration::ZERO);
        assert_eq!(wait(Some(" 2 ")), Duration::from_secs(2));
        assert_eq!(wait(Some("3600")), MAX_WAIT);
        assert_eq!(wait(None), DEFAULT_WAIT);
        assert_eq!(wait(Some("soon")), DEFAULT_WAIT);
        let in_three = httpdate::fmt_http_date(now + Duration::from_secs(3));
        assert_eq!(wait(Some(&in_three)), Duration::from_secs(3));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(wait(Some(&past)), Duration::ZERO);
        let far = httpdate::fmt_http_date(now + Duration::from_secs(86_400));
        assert_eq!(wait(Some(&far)), MAX_WAIT);
    }

    #[test]
    fn only_the_harness_own_signature_is_retried() {
        let is_retried = |auth, header_edits: &HeaderEdits| {
            is_retried(&OutgoingRequest {
                auth,
                header_edits: header_edits.clone(),
                body: b"{}".to_vec(),
                ..OutgoingRequest::default()
            })
        };
        let none = HeaderEdits::default();
        assert!(is_retried(AuthMode::Signed, &none));
        assert!(!is_retried(AuthMode::None, &none));
        assert!(!is_retried(AuthMode::BadSignature, &none));
        let mut replaced = HeaderEdits::default();
        replaced
            .add
            .insert("AUTHORIZATION".into(), "auth-v2/x".into());
        assert!(!is_retried(AuthMode::Signed, &replaced));
        let dropped = HeaderEdits {
            drop: vec!["Authorization".into()],
            ..HeaderEdits::default()
        };
        assert!(!is_retried(AuthMode::Signed, &dropped));
        let content_type = HeaderEdits {
            drop: vec!["content-type".into()],
            ..HeaderEdits::default()
        };
        assert!(is_retried(AuthMode::Signed, &content_type));
        let not_utf8 = OutgoingRequest {
            body: vec![0xff, 0xfe],
            ..OutgoingRequest::default()
        };
        assert!(
            !super::is_retried(&not_utf8),
            "a body a server may decode: a probe"
        );
    }

    #[test]
    fn a_case_left_refused_says_why_it_has_no_verdict() {
        let exchange = |response| Exchange::new(SentRequest::default(), response, 0, 0);
        let refused = exchange(Ok(answer(429, Some("1"))));
        let reason = rate_refusal_reason(&refused, true).unwrap_or_default();
        assert!(
            reason.contains("HTTP 429, still refused after 3 retries"),
            "{reason}"
        );
        let probe = rate_refusal_reason(&refused, false).unwrap_or_default();
        assert!(probe.contains("not sent again"), "{probe}");
        assert_eq!(
            rate_refusal_reason(&exchange(Ok(answer(200, None))), true),
            None
        );
        let failed = exchange(Err(TransportFailure::Timeout("t".into())));
        assert_eq!(rate_refusal_reason(&failed, true), None);
    }
}
