//! The verdict's limits: the line, the grouped skips, the fleet share.

use super::*;
use crate::report::RunMeta;

fn record(skipped: &[(&str, &str)], clauses: &[(&str, bool)]) -> RunRecord {
    let cases = skipped
        .iter()
        .map(|(id, why)| {
            serde_json::from_value(serde_json::json!({
                "id": id, "title": id, "family": "hand", "clause": "notes:3",
                "verdict": "skipped", "expected": "accepted", "duration_ms": 0.0,
                "error": why
            }))
            .unwrap()
        })
        .collect();
    RunRecord {
        format_version: crate::report::FORMAT_VERSION,
        meta: RunMeta::default(),
        cases,
        relations: Vec::new(),
        tallies: Vec::new(),
        coverage: clauses
            .iter()
            .map(|(id, reached)| ClauseCoverage {
                clause: (*id).to_owned(),
                title: format!("title of {id}"),
                cases: if *reached {
                    vec!["hand::x".into()]
                } else {
                    Vec::new()
                },
                failed: 0,
                checks: Vec::new(),
            })
            .collect(),
        baseline: None,
    }
}

const PROBES: &str = "not sent: --auth-probes 2 spent (the request does not carry ...)";

#[test]
fn the_verdict_line_says_what_a_verdict_leaves_out() {
    let clean = record(&[], &[("notes:1", true)]);
    assert_eq!(verdict_line(&clean), "CONFORMANT");
    let limited = record(
        &[("hand::a", PROBES), ("hand::b", PROBES)],
        &[("notes:1", true), ("notes:2", false), ("notes:3", false)],
    );
    assert_eq!(
        verdict_line(&limited),
        "CONFORMANT, 2 of 3 clauses not reached, 2 cases skipped (auth-probe budget)"
    );
    let lines = console_lines(&limited);
    assert_eq!(lines[0], format!("verdict: {}", verdict_line(&limited)));
    assert_eq!(lines[1], "  not reached: notes:2, notes:3");
    assert_eq!(
        lines[2],
        "  skipped: 2 auth-probe budget: not sent: --auth-probes 2 spent: hand::a, hand::b"
    );
    let html = first_screen(&limited);
    assert_eq!(
        html[0],
        "Clauses not reached: 2 of 3: notes:2 (title of notes:2), notes:3 (title of notes:3)"
    );
    assert_eq!(
        html[1],
        format!("Cases skipped: 2 auth-probe budget: {PROBES} (hand::a, hand::b)")
    );
}

#[test]
fn skipped_cases_are_grouped_by_why() {
    let breaker = "not sent: circuit breaker opened after 3 consecutive answers ...";
    let mixed = record(
        &[
            ("a", PROBES),
            ("b", breaker),
            ("c", breaker),
            ("d", "not sent: something new (detail)"),
        ],
        &[],
    );
    let limits = of(&mixed);
    let labels: Vec<(&str, usize)> = (limits.skipped.iter())
        .map(|g| (g.label.as_str(), g.count))
        .collect();
    assert_eq!(
        labels,
        [
            ("auth-probe budget", 1),
            ("circuit breaker", 2),
            ("something new", 1)
        ]
    );
    assert!(
        verdict_line(&mixed)
            .ends_with("4 cases skipped (1 auth-probe budget, 2 circuit breaker, 1 something new)"),
        "{}",
        verdict_line(&mixed)
    );
}

#[test]
fn a_fleet_much_smaller_than_the_ids_asked_is_warned_about() {
    let scanned = |fleet_size, scan_requests| AgentCoverage {
        fleet_source: FleetSource::Discovered,
        fleet_size,
        scan_requests,
        full_scan_requests: 10,
        ..AgentCoverage::default()
    };
    // 2023-12: 101-59999, batches of 6000; the mock's fleet holds about nine in ten.
    let full = fleet_range(&scanned(53_915, 10), 59_899, 6000, Some(0.05), false).unwrap();
    assert_eq!(full.ids_asked, 59_899);
    assert_eq!(full.warning, None);
    let cut = fleet_range(&scanned(912, 10), 59_899, 6000, Some(0.05), false).unwrap();
    let warning = cut.warning.unwrap();
    assert!(
        warning.starts_with("the fleet scan found 912 agents, 1.5% of the 59899 agent IDs"),
        "{warning}"
    );
    assert!(
        warning.contains("under 5%") && warning.contains("--agents"),
        "{warning}"
    );
    // A scan cut short by the budget is judged against what it asked.
    let partial = fleet_range(&scanned(5000, 1), 59_899, 6000, Some(0.05), false).unwrap();
    assert_eq!((partial.ids_asked, partial.warning), (6000, None));
    let given = AgentCoverage {
        fleet_source: FleetSource::Given,
        ..scanned(3, 0)
    };
    assert_eq!(fleet_range(&given, 59_899, 6000, Some(0.05), false), None);
    assert_eq!(
        fleet_range(&scanned(3, 10), 59_899, 6000, None, false),
        None
    );
    // A real deployment's few hundred agents, its batches found whole by the sub-batch
    // relations: a limit said on the first screen, not a warning.
    let small = fleet_range(&scanned(300, 10), 59_899, 6000, Some(0.05), true).unwrap();
    assert_eq!(small.warning, None);
    let note = small.note.unwrap_or_default();
    assert!(
        note.starts_with("the fleet scan found 300 agents, 0.5% of the 59899")
            && note.ends_with("answered in full, so the fleet is that small"),
        "{note}"
    );
    assert_eq!(cut.note, None);
}

#[test]
fn the_warnings_reach_the_verdict_line() {
    let mut warned = record(&[], &[("notes:1", true)]);
    warned.meta.fleet_range = Some(FleetRange {
        ids_asked: 59_899,
        warn_below_share: 0.05,
        warning: Some("the fleet scan found 912 agents".into()),
        note: None,
    });
    assert_eq!(
        verdict_line(&warned),
        "CONFORMANT, agent data limited (see the warning)"
    );
    let lines = console_lines(&warned);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  agents: 0 distinct agents judged"))
    );
    assert_eq!(of(&warned).warnings, ["the fleet scan found 912 agents"]);
}

#[test]
fn a_small_fleet_found_whole_is_a_limit_not_a_warning() {
    let mut small = record(&[], &[("notes:1", true)]);
    small.meta.fleet_range = Some(FleetRange {
        ids_asked: 59_899,
        warn_below_share: 0.05,
        warning: None,
        note: Some("the fleet scan found 300 agents".into()),
    });
    assert_eq!(verdict_line(&small), "CONFORMANT");
    assert!(of(&small).warnings.is_empty());
    assert!(
        console_lines(&small).contains(&"  fleet: the fleet scan found 300 agents".to_owned()),
        "{:?}",
        console_lines(&small)
    );
    assert!(first_screen(&small).contains(&"Fleet: the fleet scan found 300 agents".to_owned()));
}
