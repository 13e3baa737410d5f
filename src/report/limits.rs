//! The limits of a verdict, said where the verdict is (report.md's summary table, the top of
//! report.html, the console's last lines): the clauses no case reached, the cases skipped and
//! why (grouped), the agents judged against the fleet, and a fleet much smaller than the
//! profile's agent-ID range. "CONFORMANT, 5 of 33 clauses not reached, 5 cases skipped
//! (auth-probe budget)" reads differently from "CONFORMANT". Pure: everything is read from the
//! record; the fleet's share threshold comes from the profile (`fleetScan.warnBelowShare`) and
//! is kept in the record ([`FleetRange`]).

use serde::{Deserialize, Serialize};

use super::agents::{AgentCoverage, FleetSource};
use super::model::{ClauseCoverage, RunRecord, Verdict};

/// Ids listed per group of skipped cases (the reports list every case in their own sections).
const SHOWN_IDS: usize = 5;

/// Clause ids listed on the console's line.
const SHOWN_CLAUSES: usize = 8;

/// The fleet the scan found against the agent IDs it asked for, and the warning when the fleet
/// is a small share of them: a server that answers only part of each batch (at most 100
/// agents, say) makes a scan of a large centre find a small fleet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FleetRange {
    /// Agent IDs the scan asked for: the profile's ranges, or the part `--discovery-budget`
    /// allowed.
    pub ids_asked: u64,
    /// The profile's `fleetScan.warnBelowShare`: a fleet under this share of `ids_asked` is
    /// flagged.
    pub warn_below_share: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// [`FleetRange`] for a scanned fleet (`None` for a fleet given by `--agents` or none):
/// `range_ids` the profile's agent IDs, `max_items` its batch size.
pub fn fleet_range(
    agents: &AgentCoverage,
    range_ids: u64,
    max_items: u64,
    warn_below_share: Option<f64>,
) -> Option<FleetRange> {
    if agents.fleet_source != FleetSource::Discovered {
        return None;
    }
    let share = warn_below_share.filter(|s| s.is_finite() && *s > 0.0)?;
    let asked = range_ids.min(u64::from(agents.scan_requests).saturating_mul(max_items));
    let found = agents.fleet_size;
    // f64 holds every count a scan reaches exactly enough for a share.
    let found_share = if asked == 0 {
        0.0
    } else {
        found as f64 / asked as f64
    };
    let warning = (asked > 0 && found_share < share).then(|| {
        format!(
            "the fleet scan found {found} agents, {} of the {asked} agent IDs it asked for \
             (the profile flags under {}): if the server hosts more, it may answer only part of \
             each batch (see the sub-batch relations); if the fleet is that small, name it \
             with --agents",
            percent(found_share),
            percent(share)
        )
    });
    Some(FleetRange {
        ids_asked: asked,
        warn_below_share: share,
        warning,
    })
}

fn percent(share: f64) -> String {
    let pct = share * 100.0;
    if pct >= 10.0 || pct == pct.trunc() {
        format!("{pct:.0}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// Skipped cases sharing a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipGroup {
    /// A few words: `auth-probe budget`, `circuit breaker`.
    pub label: String,
    /// The first case's reason in full.
    pub reason: String,
    pub count: usize,
    /// The first [`SHOWN_IDS`] cases.
    pub ids: Vec<String>,
}

impl SkipGroup {
    /// `label: reason`, or the label alone when the reason says no more.
    pub fn described(&self, reason: &str) -> String {
        if reason == self.label || reason.is_empty() {
            self.label.clone()
        } else {
            format!("{}: {reason}", self.label)
        }
    }
}

/// What a verdict rests on and leaves out.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits<'a> {
    pub clauses: usize,
    pub not_reached: Vec<&'a ClauseCoverage>,
    pub skipped: Vec<SkipGroup>,
    /// [`agents_judged`].
    pub agents: String,
    /// The fleet-share warning ([`FleetRange`]) and the agent rules' own ([`AgentCoverage`]).
    pub warnings: Vec<&'a str>,
}

/// The limits of `record`'s verdict.
pub fn of(record: &RunRecord) -> Limits<'_> {
    let mut skipped: Vec<SkipGroup> = Vec::new();
    for case in record
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Skipped)
    {
        let reason = case.error.as_deref().unwrap_or("no reason recorded");
        let label = skip_label(reason);
        match skipped.iter_mut().find(|g| g.label == label) {
            Some(group) => {
                group.count += 1;
                if group.ids.len() < SHOWN_IDS {
                    group.ids.push(case.id.clone());
                }
            }
            None => skipped.push(SkipGroup {
                label,
                reason: reason.to_owned(),
                count: 1,
                ids: vec![case.id.clone()],
            }),
        }
    }
    let mut warnings: Vec<&str> = Vec::new();
    if let Some(warning) = (record.meta.fleet_range.as_ref()).and_then(|f| f.warning.as_deref()) {
        warnings.push(warning);
    }
    if let Some(warning) = record.meta.agents.warning.as_deref() {
        warnings.push(warning);
    }
    Limits {
        clauses: record.coverage.len(),
        not_reached: record
            .coverage
            .iter()
            .filter(|c| c.cases.is_empty())
            .collect(),
        skipped,
        agents: agents_judged(&record.meta.agents),
        warnings,
    }
}

/// A few words for why a case was skipped, from the reasons the runner writes.
pub fn skip_label(reason: &str) -> String {
    let known = [
        ("--auth-probes", "auth-probe budget"),
        ("circuit breaker", "circuit breaker"),
        ("the run stopped after", "run halted"),
        ("not judged:", "run halted"),
        ("the run stopped early", "run stopped early"),
        ("rate-limited", "rate-limited"),
        ("already failed", "not needed"),
    ];
    if let Some((_, label)) = known.iter().find(|(needle, _)| reason.contains(needle)) {
        return (*label).to_owned();
    }
    let short: String = reason
        .split(" (")
        .next()
        .unwrap_or(reason)
        .trim_start_matches("not sent: ")
        .chars()
        .take(60)
        .collect();
    short
}

/// The agents judged against the fleet, as the summary's row reads: `54077 distinct agents
/// judged, of a fleet of 53915 found by the scan`. The one function the first screens use.
pub fn agents_judged(agents: &AgentCoverage) -> String {
    let fleet = match agents.fleet_source {
        FleetSource::Discovered => format!("of a fleet of {} found by the scan", agents.fleet_size),
        FleetSource::Given => format!("of a fleet of {} given by --agents", agents.fleet_size),
        FleetSource::None => "fleet not scanned".to_owned(),
    };
    format!("{} distinct agents judged, {fleet}", agents.judged_agents)
}

/// `CONFORMANT, 5 of 33 clauses not reached, 5 cases skipped (auth-probe budget)`: the gate's
/// label, then what it does not cover; the label alone when nothing is left out.
pub fn verdict_line(record: &RunRecord) -> String {
    let limits = of(record);
    let mut line = super::group::gate_label(record).to_owned();
    if !limits.not_reached.is_empty() {
        line.push_str(&format!(
            ", {} of {} clauses not reached",
            limits.not_reached.len(),
            limits.clauses
        ));
    }
    if !limits.skipped.is_empty() {
        let count: usize = limits.skipped.iter().map(|g| g.count).sum();
        let labels: Vec<String> = if limits.skipped.len() == 1 {
            vec![limits.skipped[0].label.clone()]
        } else {
            (limits.skipped.iter())
                .map(|g| format!("{} {}", g.count, g.label))
                .collect()
        };
        let noun = if count == 1 { "case" } else { "cases" };
        line.push_str(&format!(", {count} {noun} skipped ({})", labels.join(", ")));
    }
    if !limits.warnings.is_empty() {
        line.push_str(", agent data limited (see the warning)");
    }
    line
}

/// The console's last lines: the verdict line, then one line per limit (the warnings go to
/// stderr, where the console's warnings are).
pub fn console_lines(record: &RunRecord) -> Vec<String> {
    let limits = of(record);
    let mut lines = vec![format!("verdict: {}", verdict_line(record))];
    if !limits.not_reached.is_empty() {
        let mut ids: Vec<&str> = (limits.not_reached.iter())
            .take(SHOWN_CLAUSES)
            .map(|c| c.clause.as_str())
            .collect();
        let more = limits.not_reached.len().saturating_sub(SHOWN_CLAUSES);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        ids.dedup();
        lines.push(format!("  not reached: {}{more}", ids.join(", ")));
    }
    for group in &limits.skipped {
        let reason = group.reason.split(" (").next().unwrap_or(&group.reason);
        lines.push(format!(
            "  skipped: {} {}: {}",
            group.count,
            group.described(reason),
            ids_line(&group.ids, group.count)
        ));
    }
    lines.push(format!("  agents: {}", limits.agents));
    lines
}

/// The same limits in full sentences, for the top of report.html (plain text: the page
/// escapes it).
pub fn first_screen(record: &RunRecord) -> Vec<String> {
    let limits = of(record);
    let mut lines = Vec::new();
    if limits.not_reached.is_empty() {
        lines.push(format!(
            "Clauses not reached: none (all {} reached)",
            limits.clauses
        ));
    } else {
        let names: Vec<String> = (limits.not_reached.iter())
            .map(|c| format!("{} ({})", c.clause, c.title))
            .collect();
        lines.push(format!(
            "Clauses not reached: {} of {}: {}",
            limits.not_reached.len(),
            limits.clauses,
            names.join(", ")
        ));
    }
    for group in &limits.skipped {
        lines.push(format!(
            "Cases skipped: {} {} ({})",
            group.count,
            group.described(&group.reason),
            ids_line(&group.ids, group.count)
        ));
    }
    lines.push(format!("Agents judged: {}", limits.agents));
    lines
}

/// `a, b, c and 7 more`.
pub fn ids_line(ids: &[String], count: usize) -> String {
    let mut line = ids.join(", ");
    if count > ids.len() {
        line.push_str(&format!(" and {} more", count - ids.len()));
    }
    line
}

#[cfg(test)]
mod tests {
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
            verdict_line(&mixed).ends_with(
                "4 cases skipped (1 auth-probe budget, 2 circuit breaker, 1 something new)"
            ),
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
        let full = fleet_range(&scanned(53_915, 10), 59_899, 6000, Some(0.05)).unwrap();
        assert_eq!(full.ids_asked, 59_899);
        assert_eq!(full.warning, None);
        let cut = fleet_range(&scanned(912, 10), 59_899, 6000, Some(0.05)).unwrap();
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
        let partial = fleet_range(&scanned(5000, 1), 59_899, 6000, Some(0.05)).unwrap();
        assert_eq!((partial.ids_asked, partial.warning), (6000, None));
        let given = AgentCoverage {
            fleet_source: FleetSource::Given,
            ..scanned(3, 0)
        };
        assert_eq!(fleet_range(&given, 59_899, 6000, Some(0.05)), None);
        assert_eq!(fleet_range(&scanned(3, 10), 59_899, 6000, None), None);
    }

    #[test]
    fn the_warnings_reach_the_verdict_line() {
        let mut warned = record(&[], &[("notes:1", true)]);
        warned.meta.fleet_range = Some(FleetRange {
            ids_asked: 59_899,
            warn_below_share: 0.05,
            warning: Some("the fleet scan found 912 agents".into()),
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
}
