//! The circuit breaker: after K consecutive answers that could not be judged the target is
//! unusable, and every further send is refused at once instead of waiting out its deadline.
//! What cannot be judged is a transport failure (connect, timeout, framing), a body cut at the
//! size cap, or what the caller's judge says cannot be judged (a body that is not JSON at all);
//! the client tells the breaker which (see `Client::send_judged`). A request the client sends
//! again after a refusal for rate (429, or 503 with `Retry-After`) and that is still refused
//! after every retry cannot be judged either: a target that refuses everything for rate would
//! otherwise hold the run for hours. A judgeable answer (any status) before that resets the
//! count; a request not sent, or a refusal for rate of a request the client does not send again
//! (a probe), neither counts nor resets. Once open, it stays open for the client's life.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use crate::exchange::{Received, TransportFailure};

pub(super) struct Breaker {
    threshold: u32,
    consecutive: AtomicU32,
    open: AtomicBool,
    /// The refusal message, written once when the breaker opens.
    reason: Mutex<Option<String>>,
}

impl Breaker {
    /// `threshold` 0 disables the breaker.
    pub(super) fn new(threshold: u32) -> Self {
        Breaker {
            threshold,
            consecutive: AtomicU32::new(0),
            open: AtomicBool::new(false),
            reason: Mutex::new(None),
        }
    }

    pub(super) fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// The message a refused send carries, when the breaker is open.
    pub(super) fn refusal(&self) -> Option<String> {
        if !self.is_open() {
            return None;
        }
        self.reason
            .lock()
            .map(|reason| reason.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// Counts one send's final outcome: a transport failure or a body cut at `max_body` cannot
    /// be judged, nor can a whole answer the caller's judge calls `unjudgeable`, nor a refusal
    /// for rate of a `retried` request (its retries are spent by then); a request not sent, or a
    /// probe refused for rate, neither counts nor resets; any other answer resets.
    pub(super) fn settle(
        &self,
        response: &Result<Received, TransportFailure>,
        unjudgeable: Option<&str>,
        retried: bool,
        (authority, max_body): (&str, usize),
    ) {
        match response {
            Err(TransportFailure::NotSent(_)) => {}
            Err(TransportFailure::Connect(m)) => self.unjudgeable(&format!("connect failed: {m}")),
            Err(TransportFailure::Timeout(m)) => self.unjudgeable(&format!("timed out: {m}")),
            Err(TransportFailure::Protocol(m)) => {
                self.unjudgeable(&format!("protocol error: {m}"));
            }
            Ok(received) if super::retry::is_rate_refusal(received) => {
                if retried {
                    self.unjudgeable(&format!(
                        "{authority}: HTTP {}, still refused for rate after {} retries",
                        received.status,
                        super::retry::MAX_RETRIES
                    ));
                }
            }
            Ok(received) if received.truncated => self.unjudgeable(&format!(
                "{authority}: the body was cut at --max-body ({max_body} bytes)"
            )),
            Ok(_) => match unjudgeable {
                Some(why) => self.unjudgeable(why),
                None => self.judged(),
            },
        }
    }

    /// An answer was judged: the run of unjudgeable ones is broken.
    fn judged(&self) {
        self.consecutive.store(0, Ordering::Release);
    }

    /// An answer could not be judged, for `why` (a message naming the target, no secret).
    fn unjudgeable(&self, why: &str) {
        let count = self
            .consecutive
            .fetch_add(1, Ordering::AcqRel)
            .saturating_add(1);
        if self.threshold == 0 || count < self.threshold || self.is_open() {
            return;
        }
        let message = format!(
            "circuit breaker opened after {} consecutive answers that could not be judged (last: {why})",
            self.threshold
        );
        let mut reason = self
            .reason
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if reason.is_none() {
            *reason = Some(message);
        }
        self.open.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_k_in_a_row_and_a_judged_answer_resets() {
        let breaker = Breaker::new(3);
        breaker.unjudgeable("connection refused");
        breaker.unjudgeable("connection refused");
        breaker.judged();
        breaker.unjudgeable("body cut");
        breaker.unjudgeable("not JSON");
        assert!(!breaker.is_open());
        breaker.unjudgeable("connection refused");
        assert!(breaker.is_open());
        assert_eq!(
            breaker.refusal().as_deref(),
            Some(
                "circuit breaker opened after 3 consecutive answers that could not be judged (last: connection refused)"
            )
        );
        breaker.judged();
        assert!(breaker.is_open(), "stays open");
    }

    #[test]
    fn alternating_never_opens() {
        let breaker = Breaker::new(2);
        for _ in 0..100 {
            breaker.unjudgeable("not JSON");
            breaker.judged();
        }
        assert!(!breaker.is_open());
    }

    fn answer(status: u16, truncated: bool) -> Result<Received, TransportFailure> {
        Ok(Received {
            status,
            truncated,
            ..Received::default()
        })
    }

    #[test]
    fn settling_counts_what_cannot_be_judged_only() {
        let breaker = Breaker::new(2);
        let settle =
            |response, unjudgeable| breaker.settle(&response, unjudgeable, false, ("h:1", 64));
        settle(answer(200, true), None);
        // Neither a request not sent nor a probe refused for rate breaks the run of two...
        settle(Err(TransportFailure::NotSent("budget".into())), None);
        settle(answer(429, false), None);
        assert!(!breaker.is_open());
        settle(Err(TransportFailure::Timeout("slow".into())), None);
        assert_eq!(
            breaker.refusal().as_deref(),
            Some(
                "circuit breaker opened after 2 consecutive answers that could not be judged (last: timed out: slow)"
            )
        );
        // ...but any answer judged does, whatever its status.
        let breaker = Breaker::new(2);
        let settle =
            |response, unjudgeable| breaker.settle(&response, unjudgeable, false, ("h:1", 64));
        settle(answer(200, false), Some("not JSON"));
        settle(answer(500, false), None);
        settle(answer(200, true), None);
        assert!(!breaker.is_open());
        settle(answer(200, false), Some("not JSON"));
        assert!(breaker.is_open());
        let breaker = Breaker::new(1);
        breaker.settle(&answer(200, true), None, false, ("h:1", 64));
        assert!(breaker.refusal().is_some_and(|r| {
            r.ends_with("(last: h:1: the body was cut at --max-body (64 bytes))")
        }));
    }

    #[test]
    fn a_request_still_refused_for_rate_after_its_retries_cannot_be_judged() {
        let breaker = Breaker::new(2);
        let settle =
            |status, retried| breaker.settle(&answer(status, false), None, retried, ("h:1", 64));
        settle(429, true);
        settle(200, true);
        settle(429, true);
        assert!(!breaker.is_open(), "an answer judged in between resets");
        settle(429, false);
        assert!(
            !breaker.is_open(),
            "a probe refused for rate neither counts nor resets"
        );
        settle(429, true);
        assert!(breaker.refusal().is_some_and(|r| {
            r.ends_with("(last: h:1: HTTP 429, still refused for rate after 3 retries)")
        }));
    }

    #[test]
    fn zero_disables() {
        let breaker = Breaker::new(0);
        for _ in 0..10 {
            breaker.unjudgeable("refused");
        }
        assert!(!breaker.is_open() && breaker.refusal().is_none());
    }
}
