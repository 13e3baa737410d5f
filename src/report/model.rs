//! What a run records: the data `report.json` serializes (schema: `schemas/report.schema.json`)
//! and every other report format and `diff` reads. The runner fills it; nothing here does I/O.

use serde::{Deserialize, Serialize};

use crate::cases::{Expectation, Outcome};
use crate::checks::Violation;

/// The verdict of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Passed,
    Failed,
    /// Not run: filtered, the auth-probe budget spent, the circuit breaker open, ...
    Skipped,
}

/// The request as sent, secrets redacted (`Authorization` keeps `auth-v2/AK/ts/headers/***`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    pub method: String,
    /// Full URL as sent.
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The body, lossily decoded, truncated to a report-sized excerpt.
    pub body: String,
    pub body_bytes: usize,
}

/// The answer, as much as a report needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseRecord {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Pretty-printed JSON when it parses, else lossy text; truncated.
    pub body_excerpt: String,
    pub body_bytes: usize,
    pub truncated: bool,
}

/// How to replay one case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reproduction {
    /// A curl line; the signature is `$CMSCONFORM_AUTH`.
    pub curl: String,
    /// How to produce `$CMSCONFORM_AUTH`.
    pub auth_note: String,
    /// `cmsconform run --seed S --exact ID ...`
    pub command: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub id: String,
    pub title: String,
    /// The id's first `::` segment: `hand`, `boundary`, `types`, `property`, ...
    pub family: String,
    pub clause: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub verdict: Verdict,
    pub expected: Expectation,
    /// What the answer was classified as, when it could be.
    #[serde(default)]
    pub observed: Option<Outcome>,
    /// Failures and information, most specific first.
    #[serde(default)]
    pub violations: Vec<Violation>,
    #[serde(default)]
    pub request: Option<RequestRecord>,
    #[serde(default)]
    pub response: Option<ResponseRecord>,
    /// Why no answer was judged (transport failure), or why the case was skipped.
    #[serde(default)]
    pub error: Option<String>,
    pub duration_ms: f64,
    /// Listed in the baseline: failing, but not failing the gate.
    #[serde(default)]
    pub baselined: bool,
    #[serde(default)]
    pub reproduce: Option<Reproduction>,
    /// SHA-256 of the request as sent ([`super::identity::request_hash`]): what `diff` and the
    /// baseline match cases by across seeds. `None` when nothing was sent, and in reports
    /// written before format 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_hash: Option<String>,
    /// The findings judged beyond the ones kept in `violations` (at most
    /// [`crate::checks::MAX_PER_CHECK`] of a check per answer), counted per check and pointer
    /// pattern (format 3). The run's [`RunRecord::tallies`] add them up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_kept: Vec<super::tally::NotKept>,
    /// The `ccId` and `vdn` the request named: an `agentId` names an agent of that pair only.
    /// Held while the run counts agents ([`super::tally`]), never written.
    #[serde(skip)]
    pub asked_at: (Option<i64>, Option<i64>),
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Failed but listed in the baseline.
    #[serde(default)]
    pub baselined: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub harness_version: String,
    pub profile: String,
    /// Base URL, or `embedded-mock` (with its address).
    pub target: String,
    pub seed: u64,
    pub property_cases: u32,
    /// SHA-256 of the profile's schema files and the clause catalogue.
    pub schema_hash: String,
    /// SHA-256 of the ordered case ids and their requests.
    pub case_set_hash: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub finished_at: String,
    pub duration_ms: f64,
    pub totals: Totals,
    /// The command line that reproduces this run (secrets left out).
    pub command: String,
    /// Answers that said the server did not process the request (notes:6.17).
    #[serde(default)]
    pub rate_limits: RateLimits,
    /// The agents the agent rules judged, against the fleet (issue 17).
    #[serde(default)]
    pub agents: super::agents::AgentCoverage,
    /// The other call centres and VDNs the run saw accepted and judged the agents of (issue 23).
    #[serde(
        default,
        skip_serializing_if = "super::agents::HostedCoverage::is_empty"
    )]
    pub hosted: super::agents::HostedCoverage,
    /// The relations and limit discoveries not sent, grouped by why; empty when every one ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations_not_run: Vec<NotRun>,
    /// Requests sent once more on a fresh connection because the server had closed the reused
    /// kept-alive connection they were written on, before any answer (issue 23): information,
    /// no verdict.
    #[serde(default)]
    pub resent_after_close: u64,
    /// Why the run stopped without a verdict (exit 3), with what it sent and got then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<super::stop::RunStop>,
    /// The fleet the scan found against the agent IDs it asked for (a scanned fleet only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fleet_range: Option<super::limits::FleetRange>,
}

impl RunMeta {
    /// `3 requests re-sent after the server closed an idle connection`, when any was.
    pub fn resend_summary(&self) -> Option<String> {
        match self.resent_after_close {
            0 => None,
            1 => Some("1 request re-sent after the server closed an idle connection".to_owned()),
            n => Some(format!(
                "{n} requests re-sent after the server closed an idle connection"
            )),
        }
    }
}

/// Relations or limit discoveries a run did not send, and why: a run that sent none must not
/// read as one whose relations all passed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotRun {
    /// `the selection (FILTER "hand::") left them out`, `--no-relations left them out`, ...
    pub reason: String,
    /// Their names as a selection knows them: `relation::repetition`, `discovery::vdn`.
    pub names: Vec<String>,
}

/// What a run met of rate limits (notes:6.17): no verdicts, but why a run was slow or left
/// cases without one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RateLimits {
    /// Answers 429, or 503 with `Retry-After`, to any request.
    pub refusals: u64,
    /// Requests sent again after such an answer.
    pub retries: u64,
    /// Requests per second allowed since a 429 lowered the pace, if one did.
    #[serde(default)]
    pub lowered_pace: Option<f64>,
}

impl RateLimits {
    /// `rate limits: 12 answers 429/503 (not processed), 12 retries, pace lowered to 50 req/s`,
    /// when any such answer came.
    pub fn summary(&self) -> Option<String> {
        if self.refusals == 0 {
            return None;
        }
        let pace = self
            .lowered_pace
            .map(|rate| {
                let shown = if rate >= 10.0 || rate.fract() == 0.0 {
                    format!("{rate:.0}")
                } else {
                    format!("{rate:.1}")
                };
                format!(", pace lowered to {shown} req/s")
            })
            .unwrap_or_default();
        Some(format!(
            "rate limits: {} answers 429/503 (not processed), {} retries{pace}",
            self.refusals, self.retries
        ))
    }
}

/// A multi-exchange finding (consistency relations, limit discovery).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelationRecord {
    /// `permutation`, `sub-batch`, `duplication`, `repetition`, `discovery::ccId`, ...
    pub relation: String,
    pub verdict: Verdict,
    #[serde(default)]
    pub violations: Vec<Violation>,
    /// The exchanges compared, in order (pointers `#N/...` index into this).
    #[serde(default)]
    pub exchanges: Vec<(RequestRecord, Option<ResponseRecord>)>,
    /// One-line findings, e.g. "documented max 6000 items; server accepts up to 8191".
    #[serde(default)]
    pub findings: Vec<String>,
    /// Every violation the relation found: `violations` keeps the first
    /// [`MAX_LISTED_VIOLATIONS`] of them. 0 in reports written before it was counted (then
    /// `violations` is all there is: see [`RelationRecord::total_violations`]).
    #[serde(default)]
    pub violations_total: usize,
    /// What each exchange asked and its answer held, counted from the whole bodies, in the
    /// order of `exchanges`; empty in older reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<super::relation_shape::ExchangeShape>,
}

/// Violations a relation's record keeps; the rest are counted ([`RelationRecord::violations_total`]).
pub const MAX_LISTED_VIOLATIONS: usize = 20;

impl RelationRecord {
    /// How many violations the relation found, however few its record keeps.
    pub fn total_violations(&self) -> usize {
        self.violations_total.max(self.violations.len())
    }
}

/// Baseline bookkeeping of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineSummary {
    pub file: String,
    /// Failing cases the baseline accepted.
    pub accepted: Vec<String>,
    /// Baseline entries that no longer fail.
    pub stale: Vec<String>,
}

/// One clause and the cases that reached it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClauseCoverage {
    pub clause: String,
    pub title: String,
    /// Cases that cite the clause or whose findings cite it (shared: a case exercises most
    /// clauses, and a large run has tens of thousands of cases).
    pub cases: Vec<std::sync::Arc<str>>,
    /// How many of those cases failed on it.
    pub failed: usize,
    /// Check ids whose findings cited the clause.
    #[serde(default)]
    pub checks: Vec<String>,
}

/// Everything a run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Which report.json format this is ([`super::FORMAT_VERSION`] when this harness wrote it).
    #[serde(rename = "formatVersion", default = "super::format::first_format")]
    pub format_version: u32,
    pub meta: RunMeta,
    pub cases: Vec<CaseRecord>,
    #[serde(default)]
    pub relations: Vec<RelationRecord>,
    #[serde(default)]
    pub coverage: Vec<ClauseCoverage>,
    #[serde(default)]
    pub baseline: Option<BaselineSummary>,
    /// Every finding of the cases counted per check, pointer pattern and severity, those not
    /// kept as examples included (format 3; empty in older reports, whose counts are of the
    /// kept findings). See [`super::tally`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tallies: Vec<super::tally::DefectTally>,
}

impl RunRecord {
    /// True when nothing fails the gate (baselined failures do not).
    pub fn conformant(&self) -> bool {
        self.cases
            .iter()
            .all(|c| c.verdict != Verdict::Failed || c.baselined)
            && self.relations.iter().all(|r| r.verdict != Verdict::Failed)
    }
}

impl Totals {
    /// Totals counted from case records.
    pub fn of(cases: &[CaseRecord]) -> Self {
        let count = |verdict: Verdict| cases.iter().filter(|c| c.verdict == verdict).count();
        Totals {
            total: cases.len(),
            passed: count(Verdict::Passed),
            failed: count(Verdict::Failed),
            skipped: count(Verdict::Skipped),
            baselined: cases
                .iter()
                .filter(|c| c.verdict == Verdict::Failed && c.baselined)
                .count(),
        }
    }
}

impl CaseRecord {
    /// Findings that fail the case (not the informational ones).
    pub fn failures(&self) -> impl Iterator<Item = &Violation> {
        self.violations.iter().filter(|v| v.is_failure())
    }

    /// The case's request went out. A pass keeps no exchange when no report will show it,
    /// but a pass was always sent and answered.
    pub fn was_sent(&self) -> bool {
        match self.verdict {
            Verdict::Passed => true,
            Verdict::Failed => self.request.is_some(),
            Verdict::Skipped => false,
        }
    }

    /// An answer came back (see [`CaseRecord::was_sent`]).
    pub fn was_answered(&self) -> bool {
        self.verdict == Verdict::Passed || self.response.is_some()
    }
}

impl RunRecord {
    /// Scrubs known secrets from everything a check or the transport wrote in free text
    /// (violation values and messages, errors, findings): a server may echo a secret back, and
    /// the record conversions only cover what was sent and received.
    pub fn scrub(&mut self, redactor: &crate::redact::Redactor) {
        let scrub_violations = |violations: &mut Vec<Violation>| {
            for v in violations {
                v.message = redactor.scrub(&v.message);
                if let Some(value) = &v.value {
                    v.value = Some(redactor.scrub(value));
                }
            }
        };
        for case in &mut self.cases {
            scrub_violations(&mut case.violations);
            if let Some(error) = &case.error {
                case.error = Some(redactor.scrub(error));
            }
        }
        for relation in &mut self.relations {
            scrub_violations(&mut relation.violations);
            for finding in &mut relation.findings {
                *finding = redactor.scrub(finding);
            }
        }
        self.meta.command = redactor.scrub(&self.meta.command);
        if let Some(stop) = &mut self.meta.stopped {
            stop.reason = redactor.scrub(&stop.reason);
            stop.advice = redactor.scrub(&stop.advice);
            stop.error = stop.error.as_deref().map(|e| redactor.scrub(e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resend_line_counts_requests_and_is_absent_without_any() {
        let mut meta = RunMeta::default();
        assert_eq!(meta.resend_summary(), None);
        meta.resent_after_close = 1;
        assert_eq!(
            meta.resend_summary().as_deref(),
            Some("1 request re-sent after the server closed an idle connection")
        );
        meta.resent_after_close = 7;
        assert_eq!(
            meta.resend_summary().as_deref(),
            Some("7 requests re-sent after the server closed an idle connection")
        );
    }

    #[test]
    fn the_rate_limit_line_names_counts_and_pace() {
        assert_eq!(RateLimits::default().summary(), None);
        let limits = |lowered_pace| RateLimits {
            refusals: 12,
            retries: 11,
            lowered_pace,
        };
        assert_eq!(
            limits(Some(50.0)).summary().as_deref(),
            Some(
                "rate limits: 12 answers 429/503 (not processed), 11 retries, pace lowered to 50 req/s"
            )
        );
        let slow = limits(Some(6.25)).summary().unwrap_or_default();
        assert!(slow.ends_with("pace lowered to 6.2 req/s"), "{slow}");
        let unlowered = limits(None).summary().unwrap_or_default();
        assert!(unlowered.ends_with("11 retries"), "{unlowered}");
    }
}
