//! The circuit breaker: after K consecutive transport failures the target is unusable, and
//! every further send is refused at once instead of waiting out its deadline. A real answer
//! (any status) before that resets the count; once open, it stays open for the client's life.

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

    pub(super) fn record(&self, outcome: &Result<Received, TransportFailure>) {
        let last = match outcome {
            Ok(_) => {
                self.consecutive.store(0, Ordering::Release);
                return;
            }
            Err(TransportFailure::NotSent(_)) => return,
            Err(
                TransportFailure::Connect(m)
                | TransportFailure::Timeout(m)
                | TransportFailure::Protocol(m),
            ) => m,
        };
        let count = self
            .consecutive
            .fetch_add(1, Ordering::AcqRel)
            .saturating_add(1);
        if self.threshold == 0 || count < self.threshold || self.is_open() {
            return;
        }
        let message = format!(
            "circuit breaker open after {} consecutive transport failures: target unusable (last: {last})",
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

    fn refused() -> Result<Received, TransportFailure> {
        Err(TransportFailure::Connect("connection refused".into()))
    }

    #[test]
    fn opens_after_k_consecutive_failures_and_an_answer_resets() {
        let breaker = Breaker::new(3);
        breaker.record(&refused());
        breaker.record(&refused());
        breaker.record(&Ok(Received::default()));
        breaker.record(&refused());
        breaker.record(&refused());
        assert!(!breaker.is_open());
        breaker.record(&Err(TransportFailure::NotSent("budget".into())));
        assert!(!breaker.is_open());
        breaker.record(&refused());
        assert!(breaker.is_open());
        assert_eq!(
            breaker.refusal().as_deref(),
            Some(
                "circuit breaker open after 3 consecutive transport failures: target unusable (last: connection refused)"
            )
        );
        breaker.record(&Ok(Received::default()));
        assert!(breaker.is_open(), "stays open");
    }

    #[test]
    fn zero_disables() {
        let breaker = Breaker::new(0);
        for _ in 0..10 {
            breaker.record(&refused());
        }
        assert!(!breaker.is_open() && breaker.refusal().is_none());
    }
}
