//! `report.md`: the document a vendor archives and signs. A summary table, then failures with
//! one entry per defect (a check at a pointer pattern, see [`super::group`]) and its example
//! case, information findings grouped the same way, relation findings, the baseline, clause
//! coverage with its gaps, and the reproduction of each group's example (report.json keeps
//! every case's). Server text is confined to code spans or escaped table cells.

mod findings;
mod limits;
mod relations;
mod stop;

use std::fmt::Write;

use super::group;
use super::model::{RunRecord, Verdict};
use crate::checks::Severity;

pub fn render(record: &RunRecord) -> String {
    let mut out = String::new();
    let groups = group::by_check(record, Severity::Failure);
    summary(&mut out, record);
    stop::section(&mut out, record);
    failures(&mut out, record, &groups);
    information(&mut out, record);
    relations(&mut out, record);
    baseline(&mut out, record);
    coverage(&mut out, record);
    findings::reproductions(&mut out, &groups, &group::unexplained_failures(record));
    out
}

fn summary(out: &mut String, record: &RunRecord) {
    let meta = &record.meta;
    let t = &meta.totals;
    let _ = writeln!(out, "# cmsconform report: {}\n", group::gate_label(record));
    if let Some(warning) = &meta.agents.warning {
        // In the verdict area: a conformant verdict on almost no agent data is not a full one.
        let _ = writeln!(out, "> **warning:** {warning}\n");
    }
    limits::warning(out, record);
    let _ = writeln!(out, "| | |\n|---|---|");
    let mut rows: Vec<(&str, String)> = vec![
        ("Target", code(&meta.target)),
        ("Profile", code(&meta.profile)),
        ("Seed", meta.seed.to_string()),
        ("Property cases", meta.property_cases.to_string()),
        ("Cases", group::cases_summary(t)),
        ("Relations", cell(&group::relations_summary(record))),
        ("Verdict", limits::verdict(record)),
        ("Agents judged", agents_row(&meta.agents)),
        ("Other call centres judged", hosted_row(&meta.hosted)),
        (
            "Started / finished",
            format!("{} / {}", meta.started_at, meta.finished_at),
        ),
        ("Harness", format!("cmsconform {}", meta.harness_version)),
        (
            "Schema / case-set hash",
            format!(
                "{} / {}",
                code(&meta.schema_hash),
                code(&meta.case_set_hash)
            ),
        ),
        ("Command", code(&meta.command)),
    ];
    // What the verdict leaves out, right below it.
    let below_verdict = rows
        .iter()
        .position(|(n, _)| *n == "Verdict")
        .map_or(0, |i| i + 1);
    rows.splice(below_verdict..below_verdict, limits::rows(record));
    for (name, value) in rows {
        let _ = writeln!(out, "| {name} | {value} |");
    }
    if let Some(line) = meta.rate_limits.summary() {
        let text = line.strip_prefix("rate limits: ").unwrap_or(&line);
        let _ = writeln!(out, "| Rate limits (notes:6.17) | {text} |");
    }
    if let Some(line) = meta.resend_summary() {
        let _ = writeln!(out, "| Connections | {line} |");
    }
    out.push('\n');
}

/// `200 of a fleet of 200 (discovered: 31200-31399, 10 of 10 scan requests), minimum 10`.
fn agents_row(agents: &super::agents::AgentCoverage) -> String {
    use super::agents::FleetSource;
    let fleet = match agents.fleet_source {
        FleetSource::Discovered => format!(
            "of a fleet of {} (scanned: {}, {} of {} scan requests)",
            agents.fleet_size,
            code(&agents.fleet),
            agents.scan_requests,
            agents.full_scan_requests
        ),
        FleetSource::Given => format!(
            "of a fleet of {} (given: {})",
            agents.fleet_size,
            code(&agents.fleet)
        ),
        FleetSource::None => "(fleet not scanned)".to_owned(),
    };
    format!(
        "{} distinct agents {fleet}{}; minimum {}",
        agents.judged_agents,
        agents.outside_note(),
        agents.min_agents
    )
}

/// `ccId 2, vdn 170: 200 agents judged (4 requests, 1 failed; seen in ...)<br>...`, or `none
/// seen accepted`.
fn hosted_row(hosted: &super::agents::HostedCoverage) -> String {
    if hosted.is_empty() {
        return "none seen accepted besides the home pair".to_owned();
    }
    let mut lines: Vec<String> = hosted.scanned().map(|p| cell(&p.describe())).collect();
    let not_scanned: Vec<String> = (hosted.pairs.iter())
        .filter_map(|p| {
            let why = p.not_scanned.as_deref()?;
            Some(format!("ccId {}, vdn {} ({why})", p.cc_id, p.vdn))
        })
        .collect();
    if !not_scanned.is_empty() {
        lines.push(format!(
            "seen accepted, not scanned: {}",
            cell(&not_scanned.join(", "))
        ));
    }
    lines.join("<br>")
}

fn failures(out: &mut String, record: &RunRecord, groups: &[group::CheckGroup<'_>]) {
    let unexplained = group::unexplained_failures(record);
    let failed_relations = super::relation_defects::failing(record);
    let _ = writeln!(out, "## Failures\n");
    if groups.is_empty() && unexplained.is_empty() && failed_relations.is_empty() {
        let _ = writeln!(out, "None.\n");
        return;
    }
    findings::entries(out, groups, true);
    relations::defects(out, &failed_relations);
    if !unexplained.is_empty() {
        let _ = writeln!(out, "### No answer judged\n");
        let _ = writeln!(out, "| Case | Clause | Why |\n|---|---|---|");
        for case in unexplained {
            let _ = writeln!(
                out,
                "| {}{} | {} | {} |",
                code(&case.id),
                baselined_mark(case.baselined),
                code(&case.clause),
                cell(case.error.as_deref().unwrap_or("failed without a finding"))
            );
        }
        out.push('\n');
    }
}

fn information(out: &mut String, record: &RunRecord) {
    let groups = group::by_check(record, Severity::Info);
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Information (allowed by the contract, not failing)\n"
    );
    findings::entries(out, &groups, false);
}

fn relations(out: &mut String, record: &RunRecord) {
    let not_run = &record.meta.relations_not_run;
    if record.relations.is_empty() && not_run.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Relations\n");
    for group in not_run {
        let names: Vec<String> = group.names.iter().map(|n| code(n)).collect();
        let _ = writeln!(
            out,
            "**Not run:** {}: {} ({})\n",
            cell(&group.reason),
            group.names.len(),
            names.join(", ")
        );
    }
    if record.relations.is_empty() {
        return;
    }
    let _ = writeln!(out, "| Relation | Verdict | Findings |\n|---|---|---|");
    for relation in &record.relations {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            code(&relation.relation),
            verdict_label(relation.verdict),
            relations::row_text(relation, &record.meta)
        );
    }
    out.push('\n');
}

fn baseline(out: &mut String, record: &RunRecord) {
    let Some(baseline) = &record.baseline else {
        return;
    };
    let _ = writeln!(out, "## Baseline\n\nFile: {}\n", code(&baseline.file));
    let list = |ids: &[String]| {
        if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.iter().map(|id| code(id)).collect::<Vec<_>>().join(", ")
        }
    };
    let _ = writeln!(
        out,
        "- Accepted failures (listed, not failing the gate): {}",
        list(&baseline.accepted)
    );
    let _ = writeln!(
        out,
        "- **Stale** entries (no longer failing; remove them from the baseline): {}\n",
        list(&baseline.stale)
    );
}

fn coverage(out: &mut String, record: &RunRecord) {
    let gaps = record
        .coverage
        .iter()
        .filter(|c| c.cases.is_empty())
        .count();
    let _ = writeln!(
        out,
        "## Clause coverage\n\n{} clause(s), {} reached, **{} not reached**.\n",
        record.coverage.len(),
        record.coverage.len() - gaps,
        gaps
    );
    let _ = writeln!(
        out,
        "| Clause | Title | Cases | Failed | Checks |\n|---|---|---|---|---|"
    );
    for row in &record.coverage {
        let cases = if row.cases.is_empty() {
            "**GAP: no case reached this clause**".to_owned()
        } else {
            summarize_ids(&row.cases, 6)
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            code(&row.clause),
            cell(&row.title),
            cases,
            row.failed,
            row.checks.join(", ")
        );
    }
    out.push('\n');
}

fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "passed",
        Verdict::Failed => "**failed**",
        Verdict::Skipped => "skipped",
    }
}

fn baselined_mark(baselined: bool) -> &'static str {
    if baselined { " (baselined)" } else { "" }
}

/// The first `max` ids, then "and N more".
fn summarize_ids(ids: &[std::sync::Arc<str>], max: usize) -> String {
    let mut shown: Vec<String> = ids.iter().take(max).map(|id| code(id)).collect();
    if ids.len() > max {
        shown.push(format!("and {} more", ids.len() - max));
    }
    shown.join(", ")
}

/// An inline code span that survives backticks and pipes in `text` (table-safe).
fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    let longest = longest_run(&text, '`');
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Free text in a table cell: one line, pipes and HTML brackets escaped.
fn cell(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A fenced block longer than any backtick run inside it.
fn fenced(lang: &str, text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    format!("{fence}{lang}\n{text}\n{fence}\n")
}

fn longest_run(text: &str, c: char) -> usize {
    let (mut longest, mut run) = (0, 0);
    for ch in text.chars() {
        run = if ch == c { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_and_fences_survive_backticks() {
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(fenced("sh", "x ``` y"), "````sh\nx ``` y\n````\n");
        assert_eq!(cell("<script>|"), "&lt;script&gt;\\|");
    }
}
