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
    /// The same small share when a sub-batch relation found the scan's batch answered in full:
    /// the fleet is that small (a real deployment's few hundred agents), not cut. A limit of
    /// the verdict said on the first screen, never a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// [`FleetRange`] for a scanned fleet (`None` for a fleet given by `--agents` or none):
/// `range_ids` the profile's agent IDs, `max_items` its batch size, `batches_whole` true when a
/// sub-batch relation passed (a batch of the fleet's IDs answered the same agents as its parts).
pub fn fleet_range(
    agents: &AgentCoverage,
    range_ids: u64,
    max_items: u64,
    warn_below_share: Option<f64>,
    batches_whole: bool,
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
    let small = (asked > 0 && found_share < share).then(|| {
        format!(
            "the fleet scan found {found} agents, {} of the {asked} agent IDs it asked for \
             (the profile flags under {})",
            percent(found_share),
            percent(share)
        )
    });
    let (warning, note) = match small {
        Some(small) if batches_whole => (
            None,
            Some(format!(
                "{small}; the sub-batch relations found its batches answered in full, so the \
                 fleet is that small"
            )),
        ),
        Some(small) => (
            Some(format!(
                "{small}: if the server hosts more, it may answer only part of each batch \
                 (see the sub-batch relations); if the fleet is that small, name it with \
                 --agents"
            )),
            None,
        ),
        None => (None, None),
    };
    Some(FleetRange {
        ids_asked: asked,
        warn_below_share: share,
        warning,
        note,
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
    /// The first `SHOWN_IDS` cases.
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
    /// A small fleet the relations showed is not cut ([`FleetRange::note`]).
    pub fleet_note: Option<&'a str>,
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
        fleet_note: (record.meta.fleet_range.as_ref()).and_then(|f| f.note.as_deref()),
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
    format!(
        "{} distinct agents judged, {}{}",
        agents.judged_agents,
        agents.fleet_phrase(),
        agents.outside_note()
    )
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
    if let Some(note) = limits.fleet_note {
        lines.push(format!("  fleet: {note}"));
    }
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
    if let Some(note) = limits.fleet_note {
        lines.push(format!("Fleet: {note}"));
    }
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
mod tests;
