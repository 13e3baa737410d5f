//! The pace of request starts, shared by every task sending through the client. Each caller
//! reserves the next free slot under a short lock, then sleeps until it outside the lock, so
//! waiting tasks never block one another's bookkeeping.
//!
//! The pace is `--rate-limit` (none by default), and it adapts to a server that says it is
//! overloaded (notes:6.17):
//! - a `Retry-After` holds every start until the time it names (bounded by the caller);
//! - a 429 halves the pace for the rest of the run: from no limit to [`FIRST_LOWERED`], then
//!   each further 429 doubles the interval, down to [`SLOWEST`] at most. A 429 for a request
//!   that started before the last lowering does not lower again: with `-j 4`, the four answers
//!   of one burst are one signal, not four. Against a limiter of 50 requests per second this
//!   settles at 50 or 25 per second within three steps, so a default run of a few hundred
//!   requests still ends in seconds; the floor of 4 per second bounds the slowest run too.
//!   The pace never rises again: a limiter that refused once will refuse again.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::ClientError;

/// The interval after the first 429 when no `--rate-limit` was given: 100 requests per second.
pub(super) const FIRST_LOWERED: Duration = Duration::from_millis(10);
/// The longest interval a 429 lowers the pace to (4 requests per second). A slower
/// `--rate-limit` stays as given.
pub(super) const SLOWEST: Duration = Duration::from_millis(250);

pub(super) struct RateGate {
    state: Mutex<Pace>,
}

#[derive(Debug, Default)]
struct Pace {
    /// Between request starts; `None`: no limit.
    interval: Option<Duration>,
    /// The earliest start of the next request: the slot after the last reserved one, or the
    /// end of a `Retry-After` hold.
    next_slot: Option<Instant>,
    /// When the pace was last lowered by a 429.
    lowered_at: Option<Instant>,
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
            state: Mutex::new(Pace {
                interval,
                ..Pace::default()
            }),
        })
    }

    fn pace(&self) -> std::sync::MutexGuard<'_, Pace> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for this caller's slot.
    pub(super) async fn wait(&self) {
        if let Some(slot) = self.reserve(Instant::now()) {
            tokio::time::sleep_until(slot).await;
        }
    }

    /// Reserves the next free slot at or after `now`; `None` when the caller may start now
    /// without taking a slot (no limit, no hold).
    fn reserve(&self, now: Instant) -> Option<Instant> {
        let mut pace = self.pace();
        let held = pace.next_slot.filter(|slot| *slot > now);
        match pace.interval {
            // A hold lets everyone through at its end: without a limit there is no pace.
            None => held,
            Some(interval) => {
                let slot = held.unwrap_or(now);
                pace.next_slot = Some(slot + interval);
                Some(slot)
            }
        }
    }

    /// No request starts before `until` (a `Retry-After`); a later hold already set stands.
    pub(super) fn hold_until(&self, until: Instant) {
        let mut pace = self.pace();
        pace.next_slot = Some(pace.next_slot.map_or(until, |slot| slot.max(until)));
    }

    /// A 429 answered a request that started at `started`: lowers the pace (see the module
    /// documentation), unless it was lowered after that request started.
    pub(super) fn slow_down(&self, started: Instant, now: Instant) {
        let mut pace = self.pace();
        if pace.lowered_at.is_some_and(|lowered| started < lowered) {
            return;
        }
        pace.interval = Some(match pace.interval {
            None => FIRST_LOWERED,
            Some(interval) => interval.max(interval.saturating_mul(2).min(SLOWEST)),
        });
        pace.lowered_at = Some(now);
    }

    /// Requests per second allowed now, once a 429 lowered the pace.
    pub(super) fn lowered_pace(&self) -> Option<f64> {
        let pace = self.pace();
        pace.lowered_at?;
        pace.interval.map(|interval| 1.0 / interval.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(rate: Option<f64>) -> RateGate {
        RateGate::new(rate).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn nonsense_rates_are_refused() {
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-320] {
            assert!(RateGate::new(Some(rate)).is_err(), "{rate}");
        }
        assert!(RateGate::new(Some(20.0)).is_ok() && RateGate::new(None).is_ok());
    }

    #[test]
    fn callers_get_slots_one_interval_apart() {
        let gate = gate(Some(10.0));
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

    #[test]
    fn a_hold_delays_every_start_without_a_limit() {
        let gate = gate(None);
        let now = Instant::now();
        gate.hold_until(now + Duration::from_secs(2));
        gate.hold_until(now + Duration::from_secs(1));
        let held = Some(now + Duration::from_secs(2));
        assert_eq!(gate.reserve(now), held, "the later hold stands");
        assert_eq!(
            gate.reserve(now),
            held,
            "no limit: the held callers start together"
        );
        assert_eq!(gate.reserve(now + Duration::from_secs(3)), None);
        assert_eq!(
            gate.lowered_pace(),
            None,
            "a hold alone does not lower the pace"
        );
    }

    #[test]
    fn a_hold_delays_the_next_slot_of_a_limit() {
        let gate = gate(Some(10.0));
        let now = Instant::now();
        gate.hold_until(now + Duration::from_secs(1));
        let first = gate.reserve(now).map(|s| s - now);
        let second = gate.reserve(now).map(|s| s - now);
        assert_eq!(first, Some(Duration::from_secs(1)));
        assert_eq!(second, Some(Duration::from_millis(1100)));
    }

    #[test]
    fn each_429_halves_the_pace_down_to_the_floor() {
        let gate = gate(None);
        let mut now = Instant::now();
        let mut paces = Vec::new();
        for _ in 0..7 {
            now += Duration::from_millis(1);
            gate.slow_down(now, now);
            paces.push(gate.lowered_pace().map(f64::round));
        }
        let expected = [100.0, 50.0, 25.0, 13.0, 6.0, 4.0, 4.0].map(Some);
        assert_eq!(paces, expected);
        let slow = self::gate(Some(1.0));
        slow.slow_down(now, now);
        assert_eq!(
            slow.lowered_pace(),
            Some(1.0),
            "a slower --rate-limit stays"
        );
    }

    #[test]
    fn a_burst_sent_at_the_old_pace_lowers_it_once() {
        let gate = gate(None);
        let sent = Instant::now();
        let answered = sent + Duration::from_millis(5);
        for _ in 0..4 {
            gate.slow_down(sent, answered);
        }
        assert_eq!(gate.lowered_pace(), Some(100.0));
        gate.slow_down(answered + Duration::from_millis(1), answered);
        assert_eq!(gate.lowered_pace(), Some(50.0), "sent after the lowering");
    }
}
