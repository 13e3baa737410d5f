//! report.md's first screen says what the verdict leaves out ([`crate::report::limits`]): the
//! verdict row with its limits, a row for the clauses no case reached and one for the cases
//! skipped, grouped by why, and the fleet-share warning beside the agent rules' own.

use std::fmt::Write;

use super::super::limits;
use super::super::model::RunRecord;
use super::{cell, code};

/// `**CONFORMANT**, 5 of 33 clauses not reached, 5 cases skipped (auth-probe budget)`.
pub(super) fn verdict(record: &RunRecord) -> String {
    let line = limits::verdict_line(record);
    let gate = super::group::gate_label(record);
    let rest = line.strip_prefix(gate).unwrap_or("");
    format!("**{gate}**{}", cell(rest))
}

/// The rows that follow the verdict's: the clauses not reached, the cases skipped.
pub(super) fn rows(record: &RunRecord) -> Vec<(&'static str, String)> {
    let limits = limits::of(record);
    let mut rows = Vec::new();
    let not_reached = if limits.not_reached.is_empty() {
        format!("none (all {} reached)", limits.clauses)
    } else {
        let names: Vec<String> = (limits.not_reached.iter())
            .map(|c| format!("{} ({})", code(&c.clause), cell(&c.title)))
            .collect();
        format!(
            "**{} of {}**: {}",
            limits.not_reached.len(),
            limits.clauses,
            names.join(", ")
        )
    };
    rows.push(("Clauses not reached", not_reached));
    let skipped = if limits.skipped.is_empty() {
        "none".to_owned()
    } else {
        let groups: Vec<String> = (limits.skipped.iter())
            .map(|g| {
                let ids: Vec<String> = g.ids.iter().map(|id| code(id)).collect();
                let more = g.count.saturating_sub(g.ids.len());
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                let reason = if g.reason == g.label {
                    String::new()
                } else {
                    format!(": {}", cell(&g.reason))
                };
                format!(
                    "**{} {}**{reason} ({}{more})",
                    g.count,
                    cell(&g.label),
                    ids.join(", ")
                )
            })
            .collect();
        groups.join("<br>")
    };
    rows.push(("Cases skipped", skipped));
    if let Some(note) = limits.fleet_note {
        rows.push(("Fleet", cell(note)));
    }
    rows
}

/// The fleet-share warning, in the verdict area (the agent rules' own is written there too).
pub(super) fn warning(out: &mut String, record: &RunRecord) {
    let fleet = record.meta.fleet_range.as_ref();
    if let Some(warning) = fleet.and_then(|f| f.warning.as_deref()) {
        let _ = writeln!(out, "> **warning:** {}\n", cell(warning));
    }
}
