//! Outcome collection: the run's [`RunRecord`] assembled from the case records, its totals,
//! the RFC 3339 times, and the one summary line a CI log ends with. Pure.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::config::RunConfig;
use crate::report::{self, CaseRecord, RelationRecord, RunMeta, RunRecord, Totals, Verdict};

/// Where the run's own lines go: stdout beside libtest's pretty or terse output, stderr when
/// libtest writes JSON lines (so stdout stays parseable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Printer {
    pub to_stderr: bool,
}

impl Printer {
    pub fn line(&self, text: &str) {
        if self.to_stderr {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }
}

/// Counts of a run's cases (`failed` includes the baselined ones, counted apart as well).
pub fn totals(cases: &[CaseRecord]) -> Totals {
    Totals::of(cases)
}

/// Adds the relation records and their clause coverage to `record`.
pub fn add_relations(record: &mut RunRecord, relations: Vec<RelationRecord>) {
    report::add_relation_coverage(&mut record.coverage, &relations);
    record.relations = relations;
}

/// The totals the summary line shows: the cases, and each relation counted like a case.
pub fn summary_totals(record: &RunRecord) -> Totals {
    let mut totals = record.meta.totals.clone();
    for relation in &record.relations {
        totals.total += 1;
        match relation.verdict {
            Verdict::Passed => totals.passed += 1,
            Verdict::Failed => totals.failed += 1,
            Verdict::Skipped => totals.skipped += 1,
        }
    }
    totals
}

/// `N passed, N failed`, with `, N skipped` when any were.
pub fn summary_line(totals: &Totals) -> String {
    let failing = totals.failed.saturating_sub(totals.baselined);
    let mut line = format!("{} passed, {failing} failed", totals.passed);
    if totals.skipped > 0 {
        line.push_str(&format!(", {} skipped", totals.skipped));
    }
    line
}

/// `2026-11-25T19:04:22Z`.
pub fn rfc3339(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    crate::auth::format_timestamp(secs)
}

/// The run's record: meta, the case records in suite order, and clause coverage.
pub fn build(
    config: &RunConfig,
    target_label: &str,
    case_set_hash: String,
    cases: Vec<CaseRecord>,
    started: SystemTime,
    duration: Duration,
) -> RunRecord {
    let meta = RunMeta {
        harness_version: env!("CARGO_PKG_VERSION").to_owned(),
        profile: config.profile_name().to_owned(),
        target: target_label.to_owned(),
        seed: config.seed,
        property_cases: config.property_cases,
        schema_hash: config.contract.schema_hash().to_owned(),
        case_set_hash,
        started_at: rfc3339(started),
        finished_at: rfc3339(started + duration),
        duration_ms: duration.as_secs_f64() * 1000.0,
        totals: totals(&cases),
        command: config.command_line.clone(),
        // The session's count is filled in by the caller that has one.
        rate_limits: report::RateLimits::default(),
        agents: report::AgentCoverage::default(),
    };
    let coverage = report::coverage(config.contract.clauses(), &cases);
    RunRecord {
        format_version: report::FORMAT_VERSION,
        meta,
        cases,
        relations: Vec::new(),
        coverage,
        baseline: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_mentions_skipped_only_when_any() {
        let mut t = Totals {
            passed: 3,
            failed: 1,
            ..Totals::default()
        };
        assert_eq!(summary_line(&t), "3 passed, 1 failed");
        t.skipped = 2;
        assert_eq!(summary_line(&t), "3 passed, 1 failed, 2 skipped");
        t.baselined = 1;
        assert_eq!(summary_line(&t), "3 passed, 0 failed, 2 skipped");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
