//! The budget of response bytes the client holds at once (issue 23: memory under a flood).
//! `--max-body` caps one answer; without a budget, `-j` answers of that size are read side by
//! side, so a server that streams without end after a good first answer drove the peak to
//! `-j × --max-body` and more. With it, every answer reads its first [`FREE_BYTES`] freely (the
//! small answers of a run never wait), and one that grows past them must first take a
//! [`Reservation`] for all it may still grow to, out of [`BodyBudget`]'s `--max-body` bytes.
//!
//! An answer takes its whole reservation at once, while holding no other: no answer ever holds
//! part of the budget while waiting for more, so answers cannot deadlock each other, and the
//! first to ask is the first served (tokio's semaphore is fair). What one may grow to is its
//! declared `Content-Length` when it names one and has no content coding, else the whole cap;
//! a coded answer is decoded under a reservation of the whole cap too, since its decoded size is
//! unknown until decoded. The reservation is held until the answer has been judged
//! (`Client::send_judged`), so its parse counts as part of its hold. Held bytes at once: at most
//! the cap (twice it while a coded answer is decoded, raw and decoded side by side) plus
//! [`FREE_BYTES`] per answer in flight.
//!
//! It owns the accounting only; `body` reads within it and `Client` decides what to reserve.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes each answer reads before it needs a reservation: larger than nearly every answer of a
/// run (a 6000-agent answer is about 2.5 MB and does need one), small enough that `-j 16`
/// answers of this size stay a few MB.
pub(super) const FREE_BYTES: usize = 256 << 10;

/// The budget's unit: a reservation is counted in KiB, so a `--max-body` of up to 4 TiB fits
/// the semaphore's `u32` permits.
const UNIT: usize = 1 << 10;

/// The client's budget of response bytes held at once beyond [`FREE_BYTES`] each.
#[derive(Debug, Clone)]
pub(super) struct BodyBudget {
    permits: Arc<Semaphore>,
    /// The whole budget, in units: `--max-body`, rounded up.
    total: u32,
}

/// Part of the budget, held by one answer until it is dropped.
#[derive(Debug)]
pub(super) struct Reservation {
    _permit: OwnedSemaphorePermit,
}

impl BodyBudget {
    /// A budget of `max_body` bytes (at least one unit).
    pub(super) fn new(max_body: usize) -> BodyBudget {
        let total = u32::try_from(max_body.div_ceil(UNIT).max(1)).unwrap_or(u32::MAX);
        BodyBudget {
            permits: Arc::new(Semaphore::new(total as usize)),
            total,
        }
    }

    /// Waits until `bytes` (at most the whole budget) are free and takes them. `None` only if
    /// the semaphore were closed, which nothing does: the answer then goes on unaccounted
    /// rather than fail its request.
    pub(super) async fn reserve(&self, bytes: usize) -> Option<Reservation> {
        let units = u32::try_from(bytes.div_ceil(UNIT))
            .unwrap_or(u32::MAX)
            .clamp(1, self.total);
        let permit = Arc::clone(&self.permits)
            .acquire_many_owned(units)
            .await
            .ok()?;
        Some(Reservation { _permit: permit })
    }

    /// Bytes of the budget not reserved now.
    #[cfg(test)]
    pub(super) fn available(&self) -> usize {
        self.permits.available_permits() * UNIT
    }
}

/// How much an answer may still grow to, and so reserve, once past [`FREE_BYTES`]: its declared
/// length when it has one and no content coding, else the whole cap.
pub(super) fn need(declared: Option<u64>, coded: bool, cap: usize) -> usize {
    match declared.and_then(|n| usize::try_from(n).ok()) {
        Some(length) if !coded => length.min(cap),
        _ => cap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_reservation_is_held_until_dropped_and_never_exceeds_the_budget() {
        runtime().block_on(async {
            let budget = BodyBudget::new(4 << 20);
            let first = budget.reserve(3 << 20).await;
            assert!(first.is_some());
            assert_eq!(budget.available(), 1 << 20);
            drop(first);
            // More than the budget asks for the whole budget, never more.
            let all = budget.reserve(usize::MAX).await;
            assert!(all.is_some());
            assert_eq!(budget.available(), 0);
            drop(all);
            assert_eq!(budget.available(), 4 << 20);
        });
    }

    #[test]
    fn a_second_large_answer_waits_for_the_first() {
        runtime().block_on(async {
            let budget = BodyBudget::new(1 << 20);
            let first = budget.reserve(1 << 20).await;
            let waiting = budget.reserve(1 << 19);
            tokio::pin!(waiting);
            let polled = futures_util::FutureExt::now_or_never(waiting.as_mut());
            assert!(polled.is_none(), "granted while the budget was held");
            drop(first);
            let second = waiting.await;
            assert!(second.is_some());
            assert_eq!(budget.available(), 1 << 19);
        });
    }

    #[test]
    fn the_need_is_the_declared_length_of_an_uncoded_answer_else_the_cap() {
        assert_eq!(need(Some(2_500_000), false, 32 << 20), 2_500_000);
        assert_eq!(need(Some(1 << 30), false, 32 << 20), 32 << 20);
        assert_eq!(
            need(Some(1000), true, 32 << 20),
            32 << 20,
            "decoded size unknown"
        );
        assert_eq!(need(None, false, 32 << 20), 32 << 20, "chunked");
    }

    #[test]
    fn a_tiny_budget_still_grants_one_unit() {
        runtime().block_on(async {
            let budget = BodyBudget::new(0);
            let one = budget.reserve(10).await;
            assert!(one.is_some());
            assert_eq!(budget.available(), 0);
        });
    }
}
