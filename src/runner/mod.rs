//! A run: cases → exchanges → verdicts → a [`crate::report::RunRecord`], regressions and the
//! relations. [`pipeline::run`] is the one entry point; the commands `run` and `selftest`
//! (flags, libtest, printing, runtimes, exit codes) drive it from the commands layer.
//!
//! - [`pipeline`]: the run, phase by phase, and its options: who drives the cases, who watches.
//! - [`config`]: the run's plain configuration, [`RunConfig`] (target, credentials, seed, ...).
//! - [`suite`]: which cases run, which authentication probes may be sent.
//! - [`selection`]: FILTER, `--exact` and `--skip` as a pure predicate over cases and relations.
//! - [`preflight`]: one signed request before any case; a refusal stops the run there.
//! - [`fleet`]: the agents of the home pair, scanned (or given) before the cases, aimed at;
//!   and the aimed scans of the other pairs the cases saw accepted, after them.
//! - [`session`]: the target (embedded mock or remote) and one case → one record.
//! - [`in_process`]: the cases sent without output (selftest, tests).
//! - [`observe`]: what a run tells whoever watches it ([`Observer`], [`Silent`]).
//! - [`run_record`]: the run record, totals and the summary line.
//! - [`multi_exchange`]: the relations and the limit discovery, sent after the cases.
//! - [`hosted`]: refusals as unknown turned boundary faults by a neighbour's acceptance.
//! - [`regress`]: failing property cases shrunk into `<report-dir>/regressions/`.
//! - [`mod@selftest`]: the mock's contract mutations must each be caught.
//!
//! It reaches other modules only through their public APIs (checks, client, mock, report)
//! and never interprets a response itself.

pub mod config;
pub mod fleet;
pub mod hosted;
pub mod in_process;
pub mod multi_exchange;
pub mod observe;
pub mod pipeline;
pub mod preflight;
pub mod regress;
pub mod run_record;
pub mod selection;
pub mod selftest;
pub mod session;
pub mod suite;

pub use config::{RunConfig, Target};
pub use in_process::InProcess;
pub use observe::{Observer, Silent};
pub use pipeline::{Ran, RunOptions, run};
pub use selection::Selection;
pub use selftest::{MutationResult, SelftestReport, selftest};
pub use session::Session;

use crate::report::{CaseRecord, Verdict};

/// Why the target could not be judged at all, if so: an answer refused the run's own
/// credentials or this client (401/403, see [`Session::halted`]), the client's circuit breaker
/// opened before any answer showed the contract broken, or not one request sent got an answer.
///
/// A breaker that opened after a case failed on an answer the checks could judge is no reason:
/// the run has its verdict (non-conformant, exit 1), and [`breaker_note`] says why it stopped.
pub fn unusable_reason(session: &Session, records: &[CaseRecord]) -> Option<String> {
    if let Some(reason) = session.halted() {
        return Some(reason);
    }
    if let Some(reason) = session.client.breaker_reason() {
        if session.judged_failures() > 0 {
            return None;
        }
        return Some(format!(
            "{reason}; no case failed on an answer that could be judged"
        ));
    }
    no_answer(records).or_else(|| nothing_judged(records))
}

/// After the baseline: the circuit breaker opened and every case that failed on an answer the
/// checks could judge is a failure the baseline accepts, so the run has no verdict of its own
/// (exit 3, not 0 or 1). `None` when the breaker stayed closed or such a failure stands.
pub fn stopped_without_verdict(
    session: &Session,
    record: &crate::report::RunRecord,
) -> Option<String> {
    let reason = session.client.breaker_reason()?;
    let judged_failure = record.cases.iter().any(|case| {
        case.verdict == Verdict::Failed && !case.baselined && session.failed_when_judged(&case.id)
    });
    (!judged_failure).then(|| {
        format!("{reason}; no case failed on an answer that could be judged, beyond the baseline")
    })
}

/// The line saying the run stopped sending at the circuit breaker, once it opened.
pub fn breaker_note(session: &Session) -> Option<String> {
    let reason = session.client.breaker_reason()?;
    Some(format!(
        "stopped sending: {reason}; the cases not sent are skipped"
    ))
}

/// "no case could be judged (...)" when answers came back and every case ended without a
/// verdict: each one refused for rate after its retries (notes:6.17), say. Exit 0 would call
/// such a target conformant on no evidence.
fn nothing_judged(records: &[CaseRecord]) -> Option<String> {
    let judged = records.iter().any(|r| r.verdict != Verdict::Skipped);
    let attempted: Vec<&CaseRecord> = records
        .iter()
        .filter(|r| r.verdict == Verdict::Skipped && r.response.is_some())
        .collect();
    if judged || attempted.is_empty() {
        return None;
    }
    let first = attempted
        .iter()
        .find_map(|r| r.error.clone())
        .unwrap_or_else(|| "no verdict".into());
    Some(format!(
        "no case could be judged: {} requests went out and none got an answer that could be \
         judged ({first})",
        attempted.len()
    ))
}

/// "none of N requests got an answer (...)" when requests went out and not one was answered.
pub(crate) fn no_answer(records: &[CaseRecord]) -> Option<String> {
    let sent = records.iter().filter(|r| r.was_sent()).count();
    if sent == 0 || records.iter().any(CaseRecord::was_answered) {
        return None;
    }
    Some(format!(
        "none of {sent} requests got an answer ({})",
        first_error(records)
    ))
}

/// The first transport error among the cases sent.
fn first_error(records: &[CaseRecord]) -> String {
    records
        .iter()
        .filter(|r| r.was_sent())
        .find_map(|r| r.error.clone())
        .unwrap_or_else(|| "no answer".into())
}

/// Sorts records into the suite's order (trials finish in any order).
pub fn order_like<S: AsRef<str>>(records: &mut [CaseRecord], suite_order: &[S]) {
    let position: std::collections::HashMap<&str, usize> = suite_order
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_ref(), i))
        .collect();
    records.sort_by_key(|r| position.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::RequestRecord;

    fn record(id: &str, verdict: &str, sent: bool, error: Option<&str>) -> CaseRecord {
        let json = serde_json::json!({
            "id": id, "title": id, "family": "hand", "clause": "seed:url", "verdict": verdict,
            "expected": "accepted", "error": error, "duration_ms": 1.0,
        });
        let mut record: CaseRecord = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        record.request = sent.then(|| RequestRecord {
            method: "POST".into(),
            url: "http://127.0.0.1:1/x".into(),
            headers: Vec::new(),
            body: String::new(),
            body_bytes: 0,
        });
        record
    }

    fn pass_again() -> CaseRecord {
        record("hand::e", "passed", false, None)
    }

    #[test]
    fn a_pass_that_kept_no_exchange_still_counts_as_answered() {
        // Without reports a pass keeps no request or answer; it was sent and answered all the same.
        let pass = record("hand::a", "passed", false, None);
        let refused = record("hand::b", "failed", true, Some("connect failed: refused"));
        let not_sent = record("hand::c", "skipped", true, Some("not sent: bad header"));
        assert_eq!(no_answer(&[pass, refused.clone(), not_sent.clone()]), None);
        assert_eq!(
            no_answer(&[not_sent.clone(), refused.clone(), refused]).as_deref(),
            Some("none of 2 requests got an answer (connect failed: refused)")
        );
        assert_eq!(
            no_answer(std::slice::from_ref(&not_sent)),
            None,
            "nothing went out"
        );
        let mut limited = record("hand::d", "skipped", true, Some("rate-limited: HTTP 429"));
        limited.response = Some(crate::report::ResponseRecord::default());
        assert_eq!(
            nothing_judged(&[limited.clone(), not_sent.clone()]).as_deref(),
            Some(
                "no case could be judged: 1 requests went out and none got an answer that could \
                 be judged (rate-limited: HTTP 429)"
            )
        );
        assert_eq!(nothing_judged(&[limited.clone(), pass_again()]), None);
        assert_eq!(nothing_judged(&[not_sent]), None, "nothing was answered");
    }
}
