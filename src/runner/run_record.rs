//! Outcome collection: the run's [`RunRecord`] assembled from the case records, its totals,
//! the RFC 3339 times, the grouped failure summary shown after libtest's output, and the one
//! line a CI log ends with. Pure.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::config::RunConfig;
use crate::report::{self, CaseRecord, RelationRecord, RunMeta, RunRecord, Totals, Verdict};

/// Counts of a run's cases (`failed` includes the baselined ones, counted apart as well).
pub fn totals(cases: &[CaseRecord]) -> Totals {
    Totals::of(cases)
}

/// Adds the relation records and their clause coverage to `record`.
pub fn add_relations(record: &mut RunRecord, relations: Vec<RelationRecord>) {
    report::add_relation_coverage(&mut record.coverage, &relations);
    record.relations = relations;
}

/// The line a run ends with: `cases: 161 passed, 195 failed, 5 skipped; relations: 10 passed,
/// 0 failed`. The cases' counts are libtest's own (its `test result:` line counts cases only;
/// skipped is its `ignored`), the relations are labelled apart, and report.md's summary uses
/// the same words ([`report::group::cases_summary`]).
pub fn final_line(record: &RunRecord) -> String {
    let mut line = format!(
        "cases: {}",
        report::group::cases_summary(&record.meta.totals)
    );
    if !record.relations.is_empty() || !record.meta.relations_not_run.is_empty() {
        line.push_str("; relations: ");
        line.push_str(&report::group::relations_summary(record));
    }
    line
}

/// The failures once per group, the way nextest ends a run: one block per check and pointer
/// pattern with its counts, values and the rerun line of its example, then a block per failed
/// relation ([`report::relation_defects`]). Empty when nothing failed.
pub fn failure_summary(record: &RunRecord) -> Vec<String> {
    let groups = report::group::by_check(record, crate::checks::Severity::Failure);
    let unexplained = report::group::unexplained_failures(record);
    let failed_relations: Vec<&RelationRecord> = record
        .relations
        .iter()
        .filter(|r| r.verdict == Verdict::Failed)
        .collect();
    if groups.is_empty() && unexplained.is_empty() && failed_relations.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        String::new(),
        format!(
            "failures: {} group(s) of findings, {} case(s) without an answer judged, {} relation(s)",
            groups.len(),
            unexplained.len(),
            failed_relations.len()
        ),
    ];
    for g in &groups {
        let at = if g.pattern.is_empty() {
            "<body>"
        } else {
            &g.pattern
        };
        let title = g.title.map(|t| format!(": {t}")).unwrap_or_default();
        lines.push(String::new());
        lines.push(format!(
            "error[{}] {} at {at}{title}",
            g.check,
            g.clauses.join(", ")
        ));
        let agents = if g.agents > 0 {
            format!(", {} agent(s)", g.agents)
        } else {
            String::new()
        };
        let values = g.values.to_string();
        let values = if values.is_empty() {
            values
        } else {
            format!("; values: {values}")
        };
        let baselined = if g.cases.iter().all(|c| c.baselined) {
            " (all accepted by the baseline)"
        } else {
            ""
        };
        lines.push(format!(
            "    {} case(s), {} answer(s){agents}, {}{values}{baselined}",
            g.case_count(),
            g.answers,
            g.findings_phrase()
        ));
        if let Some(example) = g.example() {
            let finding = g.example_finding;
            let agent = report::group::agent_note(finding);
            let value = finding
                .value
                .as_deref()
                .map(|v| format!(" (value: {v})"))
                .unwrap_or_default();
            lines.push(format!(
                "    example {}{agent} at {}: {}{value}",
                example.id,
                if finding.pointer.is_empty() {
                    "<body>"
                } else {
                    &finding.pointer
                },
                finding.message
            ));
            if let Some(reproduce) = &example.reproduce {
                lines.push(format!("    rerun: {}", reproduce.command));
            }
        }
    }
    for case in unexplained {
        lines.push(String::new());
        lines.push(format!(
            "error: {} had no answer judged: {}",
            case.id,
            case.error.as_deref().unwrap_or("failed without a finding")
        ));
        if let Some(reproduce) = &case.reproduce {
            lines.push(format!("    rerun: {}", reproduce.command));
        }
    }
    for defect in report::relation_defects::failing(record) {
        lines.push(String::new());
        lines.extend(defect.console_lines());
    }
    lines.push(String::new());
    lines
}

/// What a failed trial prints: one line naming each failing check at each pointer pattern
/// (`CMS-RESP-003 /resultDatas/*/agentRelease (40 findings)`, `(5402 findings, 10 kept)` past
/// the per-answer cap), then the transport error if any.
/// The values, the example and its rerun line come once per group at the end of the run
/// ([`failure_summary`]), not once per case.
pub fn failure_message(record: &CaseRecord) -> String {
    // (check, pattern, findings kept, findings in all), in order of first appearance.
    let mut patterns: Vec<(&str, String, u64, u64)> = Vec::new();
    let kept = (record.violations.iter().filter(|v| v.is_failure())).map(|v| {
        (
            v.check.as_str(),
            report::group::fold_pointer(&v.pointer),
            1,
            1,
        )
    });
    let not_kept = (record.not_kept.iter())
        .filter(|n| n.severity == crate::checks::Severity::Failure)
        .map(|n| (n.check.as_str(), n.pattern.clone(), 0, n.findings));
    for (check, pattern, kept, all) in kept.chain(not_kept) {
        match patterns
            .iter_mut()
            .find(|(c, p, _, _)| *c == check && *p == pattern)
        {
            Some(entry) => {
                entry.2 += kept;
                entry.3 += all;
            }
            None => patterns.push((check, pattern, kept, all)),
        }
    }
    let mut parts: Vec<String> = patterns
        .into_iter()
        .map(|(check, pattern, kept, all)| {
            let at = if pattern.is_empty() {
                "<body>"
            } else {
                &pattern
            };
            let noun = if all == 1 { "finding" } else { "findings" };
            if kept < all {
                format!("{check} {at} ({all} {noun}, {kept} kept)")
            } else {
                format!("{check} {at} ({all} {noun})")
            }
        })
        .collect();
    if let Some(error) = &record.error {
        parts.push(error.replace(['\n', '\r'], " "));
    }
    parts.join("; ")
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
        hosted: report::HostedCoverage::default(),
        relations_not_run: Vec::new(),
        resent_after_close: 0,
        stopped: None,
        fleet_range: None,
    };
    let coverage = report::coverage(config.contract.clauses(), &cases);
    RunRecord {
        format_version: report::FORMAT_VERSION,
        meta,
        tallies: report::tally::tally(&cases),
        cases,
        relations: Vec::new(),
        coverage,
        baseline: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_record(totals: Totals, relations: &[Verdict]) -> RunRecord {
        RunRecord {
            meta: RunMeta {
                totals,
                ..RunMeta::default()
            },
            cases: Vec::new(),
            relations: relations
                .iter()
                .enumerate()
                .map(|(i, verdict)| RelationRecord {
                    relation: format!("r{i}"),
                    verdict: *verdict,
                    violations: Vec::new(),
                    exchanges: Vec::new(),
                    findings: Vec::new(),
                    violations_total: 0,
                    requests: Vec::new(),
                })
                .collect(),
            coverage: Vec::new(),
            baseline: None,
            tallies: Vec::new(),
            format_version: crate::report::FORMAT_VERSION,
        }
    }

    #[test]
    fn the_final_line_counts_cases_as_libtest_does_and_relations_apart() {
        let mut t = Totals {
            passed: 3,
            failed: 1,
            ..Totals::default()
        };
        assert_eq!(
            final_line(&run_record(t.clone(), &[])),
            "cases: 3 passed, 1 failed"
        );
        t.skipped = 2;
        t.baselined = 1;
        assert_eq!(
            final_line(&run_record(t, &[Verdict::Passed, Verdict::Failed])),
            "cases: 3 passed, 1 failed (1 accepted by the baseline), 2 skipped; \
             relations: 1 passed, 1 failed"
        );
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn relations_left_out_are_said_so_never_counted_as_passed() {
        let mut record = run_record(Totals::default(), &[]);
        assert_eq!(final_line(&record), "cases: 0 passed, 0 failed");
        record.meta.relations_not_run = vec![crate::report::NotRun {
            reason: "the selection (FILTER \"hand::\") left them out".into(),
            names: vec!["relation::repetition".into(), "discovery::vdn".into()],
        }];
        assert_eq!(
            final_line(&record),
            "cases: 0 passed, 0 failed; relations: not run (the selection (FILTER \"hand::\") \
             left them out)"
        );
        record.relations = run_record(Totals::default(), &[Verdict::Passed]).relations;
        assert_eq!(
            final_line(&record),
            "cases: 0 passed, 0 failed; relations: 1 passed, 0 failed, 2 not run (the selection \
             (FILTER \"hand::\") left them out)"
        );
    }

    #[test]
    fn a_failed_trial_prints_one_line_of_checks_at_pointer_patterns() {
        let record: CaseRecord = serde_json::from_value(serde_json::json!({
            "id": "p", "title": "p", "family": "property", "clause": "notes:6.5",
            "verdict": "failed", "expected": "accepted", "duration_ms": 1.0,
            "error": "timed out:\n10s",
            "violations": [
                {"check": "CMS-RESP-003", "clause": "notes:6.5", "severity": "failure",
                 "pointer": "/resultDatas/0/agentRelease", "message": "m"},
                {"check": "CMS-INFO-001", "clause": "notes:6.5", "severity": "info",
                 "pointer": "/resultDesc", "message": "i"},
                {"check": "CMS-RESP-003", "clause": "notes:6.5", "severity": "failure",
                 "pointer": "/resultDatas/7/agentRelease", "message": "m"},
                {"check": "CMS-HTTP-006", "clause": "notes:6.1", "severity": "failure",
                 "pointer": "", "message": "m"}
            ],
            "reproduce": {"curl": "c", "auth_note": "n", "command": "cmsconform run --exact p"}
        }))
        .unwrap();
        assert_eq!(
            failure_message(&record),
            "CMS-RESP-003 /resultDatas/*/agentRelease (2 findings); \
             CMS-HTTP-006 <body> (1 finding); timed out: 10s"
        );
    }

    #[test]
    fn a_failed_trial_counts_the_findings_past_the_cap() {
        let mut record: CaseRecord = serde_json::from_value(serde_json::json!({
            "id": "p", "title": "p", "family": "property", "clause": "notes:6.8",
            "verdict": "failed", "expected": "accepted", "duration_ms": 1.0,
            "violations": [
                {"check": "CMS-AGENT-013", "clause": "notes:6.8", "severity": "failure",
                 "pointer": "/resultDesc/0/logonTime", "message": "m"},
                {"check": "CMS-AGENT-013", "clause": "notes:6.8", "severity": "failure",
                 "pointer": "/resultDesc/1/logonTime", "message": "m"}
            ],
            "not_kept": [
                {"check": "CMS-AGENT-013", "pattern": "/resultDesc/*/logonTime",
                 "severity": "failure", "findings": 5400},
                {"check": "CMS-AGENT-013", "pattern": "/resultDatas/*/logonTime",
                 "severity": "failure", "findings": 7}
            ]
        }))
        .unwrap();
        assert_eq!(
            failure_message(&record),
            "CMS-AGENT-013 /resultDesc/*/logonTime (5402 findings, 2 kept); \
             CMS-AGENT-013 /resultDatas/*/logonTime (7 findings, 0 kept)"
        );
        record.not_kept.clear();
        assert_eq!(
            failure_message(&record),
            "CMS-AGENT-013 /resultDesc/*/logonTime (2 findings)"
        );
    }

    #[test]
    fn the_failure_summary_has_one_block_per_group() {
        let case = |id: &str, index: usize| -> CaseRecord {
            serde_json::from_value(serde_json::json!({
                "id": id, "title": id, "family": "property", "clause": "notes:6.5",
                "verdict": "failed", "expected": "accepted", "duration_ms": 1.0,
                "violations": [{"check": "CMS-RESP-003", "clause": "notes:6.5",
                    "severity": "failure", "pointer": format!("/resultDatas/{index}/agentRelease"),
                    "value": "35", "message": "differs", "agent": 101}],
                "reproduce": {"curl": "curl", "auth_note": "n",
                    "command": format!("cmsconform run --exact {id}")}
            }))
            .unwrap()
        };
        let mut record = run_record(Totals::default(), &[Verdict::Passed]);
        assert!(failure_summary(&record).is_empty());
        record.cases = vec![case("property::0001", 0), case("property::0002", 3)];
        let lines = failure_summary(&record);
        let blocks = lines.iter().filter(|l| l.starts_with("error[")).count();
        assert_eq!(blocks, 1, "{lines:#?}");
        let reruns: Vec<&String> = lines.iter().filter(|l| l.contains("rerun:")).collect();
        assert_eq!(reruns, ["    rerun: cmsconform run --exact property::0001"]);
        assert!(
            lines
                .iter()
                .any(|l| l
                    .starts_with("error[CMS-RESP-003] notes:6.5 at /resultDatas/*/agentRelease")),
            "{lines:#?}"
        );
        assert!(lines.iter().any(|l| l.contains("2 case(s), 0 answer(s), 1 agent(s), 2 finding(s); values: 35")), "{lines:#?}");
    }
}
