//! The cases sent without libtest or any output, for selftest and the tests: concurrently,
//! optionally smallest first and stopping at the first failure.

use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::StreamExt;

use super::pipeline::{CaseDriver, Sending};
use crate::cases::Case;
use crate::report::{CaseRecord, Verdict};

/// A [`CaseDriver`] that sends every case, `concurrency` at a time, and prints nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InProcess {
    /// Cases in flight at once.
    pub concurrency: usize,
    /// Stop starting cases once one has failed (the rest are recorded as skipped).
    pub stop_at_first_failure: bool,
    /// Send the smallest requests first (cheap cases catch most deviations).
    pub smallest_first: bool,
}

impl InProcess {
    /// Every case, `concurrency` at a time, in suite order.
    pub fn new(concurrency: usize) -> InProcess {
        InProcess {
            concurrency,
            stop_at_first_failure: false,
            smallest_first: false,
        }
    }
}

impl CaseDriver for InProcess {
    fn drive(
        &self,
        sending: &Sending,
        cases: Vec<Case>,
        sent_before: Vec<CaseRecord>,
    ) -> Vec<CaseRecord> {
        let probes = sending.allowed_probes(cases.iter());
        let mut order: Vec<&Case> = cases.iter().collect();
        if self.smallest_first {
            order.sort_by_key(|c| c.request.body_bytes().len());
        }
        let stop = AtomicBool::new(false);
        let (stop, probes) = (&stop, &probes);
        let records: Vec<CaseRecord> = sending.runtime.block_on(
            futures_util::stream::iter(order)
                .map(|case| async move {
                    if stop.load(Ordering::Relaxed) {
                        return sending
                            .session
                            .skipped(case, "not needed: a case already failed");
                    }
                    let record = sending.send(case, probes).await;
                    if self.stop_at_first_failure && record.verdict == Verdict::Failed {
                        stop.store(true, Ordering::Relaxed);
                    }
                    record
                })
                .buffer_unordered(self.concurrency.max(1))
                .collect(),
        );
        sent_before.into_iter().chain(records).collect()
    }
}
