//! The rate limit: one request start per interval, shared by every task sending through the
//! client. Each caller reserves the next free slot under a short lock, then sleeps until it
//! outside the lock, so waiting tasks never block one another's bookkeeping.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::ClientError;

pub(super) struct RateGate {
    interval: Option<Duration>,
    next_slot: Mutex<Option<Instant>>,
}

impl RateGate {
    /// `None`: no limit. A limit must be a positive, finite number of requests per second.
    pub(super) fn new(per_second: Option<f64>) -> Result<RateGate, ClientError> {
        let interval = match per_second {
            None => None,
            Some(rate) => Some(
                (rate.is_finite() && rate > 0.0)
                    .then(|| Duration::try_from_secs_f64(1.0 / rate).ok())
                    .flatten()
                    .ok_or_else(|| {
                        ClientError::Build(format!(
                            "--rate-limit must be a positive number of requests per second, got {rate}"
                        ))
                    })?,
            ),
        };
        Ok(RateGate {
            interval,
            next_slot: Mutex::new(None),
        })
    }

    /// Waits for this caller's slot.
    pub(super) async fn wait(&self) {
        if let Some(slot) = self.reserve(Instant::now()) {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Reserves the next free slot at or after `now`; `None` without a limit.
    fn reserve(&self, now: Instant) -> Option<Instant> {
        let interval = self.interval?;
        let mut next = self
            .next_slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = next.map_or(now, |n| n.max(now));
        *next = Some(slot + interval);
        Some(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonsense_rates_are_refused() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-320] {
            assert!(RateGate::new(Some(rate)).is_err(), "{rate}");
        }
        assert!(RateGate::new(Some(20.0)).is_ok() && RateGate::new(None).is_ok());
    }

    #[test]
    fn callers_get_slots_one_interval_apart() {
        let gate = RateGate::new(Some(10.0)).unwrap_or_else(|e| panic!("{e}"));
        let now = Instant::now();
        let slots: Vec<Duration> = (0..4)
            .filter_map(|_| gate.reserve(now))
            .map(|slot| slot - now)
            .collect();
        let expected: Vec<Duration> = (0..4).map(|i| Duration::from_millis(100 * i)).collect();
        assert_eq!(slots, expected);
        let later = now + Duration::from_secs(5);
        assert_eq!(
            gate.reserve(later),
            Some(later),
            "an idle gate does not bank slots"
        );
        assert_eq!(RateGate::new(None).ok().and_then(|g| g.reserve(now)), None);
    }
}
