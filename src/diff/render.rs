//! How a [`RunDiff`] reads: Markdown for a reviewer, JSON for tools. Formatting only.

use std::fmt::Write;

use super::{DefectGroup, Failing, Matching, RunDiff};
use crate::error::{Error, Result};
use crate::report::{Totals, Verdict};

pub fn render_json(diff: &RunDiff) -> Result<String> {
    let mut text = serde_json::to_string_pretty(diff)
        .map_err(|e| Error::Runtime(format!("diff: cannot serialize: {e}")))?;
    text.push('\n');
    Ok(text)
}

pub fn render_markdown(diff: &RunDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# cmsconform diff\n");
    for warning in &diff.warnings {
        let _ = writeln!(out, "> **warning:** {warning}\n");
    }
    if let Some(note) = matching_note(diff) {
        let _ = writeln!(out, "> {note}\n");
    }
    let _ = writeln!(out, "| | old | new |\n|---|---|---|");
    let (o, n) = (&diff.old, &diff.new);
    let totals = |t: &Totals| {
        format!(
            "{} cases: {} passed, {} failed ({} baselined), {} skipped",
            t.total, t.passed, t.failed, t.baselined, t.skipped
        )
    };
    let rows = [
        ("Report", format!("`{}`", o.file), format!("`{}`", n.file)),
        ("Started", o.started_at.clone(), n.started_at.clone()),
        (
            "Target",
            format!("`{}`", o.target),
            format!("`{}`", n.target),
        ),
        (
            "Profile / seed",
            format!("{} / {}", o.profile, o.seed),
            format!("{} / {}", n.profile, n.seed),
        ),
        ("Totals", totals(&o.totals), totals(&n.totals)),
    ];
    for (name, old, new) in rows {
        let _ = writeln!(out, "| {name} | {old} | {new} |");
    }
    out.push('\n');

    let d = &diff.defects;
    let new_failures = ("New failures", diff.new_failures.len());
    defect_list(&mut out, new_failures, &d.new_failures, &diff.new_failures);
    defect_list(&mut out, ("Fixed", diff.fixed.len()), &d.fixed, &[]);
    let still = ("Still failing", diff.still_failing.len());
    defect_list(&mut out, still, &d.still_failing, &diff.still_failing);
    let drawn = if diff.seeds_differ {
        "another seed draws other requests"
    } else {
        ""
    };
    case_list(&mut out, "Cases added", &diff.added, drawn);
    case_list(&mut out, "Cases removed", &diff.removed, drawn);

    let _ = writeln!(
        out,
        "## Shape changes in cases passing in both runs ({})\n",
        diff.shape_changes.len()
    );
    for change in &diff.shape_changes {
        let _ = writeln!(out, "### `{}`\n", change.case);
        for field in &change.appeared {
            let _ = writeln!(out, "- appeared: `{field}`");
        }
        for field in &change.disappeared {
            let _ = writeln!(out, "- disappeared: `{field}`");
        }
        for t in &change.type_changes {
            let _ = writeln!(
                out,
                "- type changed: `{}`: {} → {}",
                t.pointer, t.old, t.new
            );
        }
        if let Some([old, new]) = &change.result_code {
            let _ = writeln!(out, "- resultCode: `{old}` → `{new}`");
        }
        out.push('\n');
    }

    let _ = writeln!(
        out,
        "## Latency per family (median ms)\n\n| Family | old | new | new/old |\n|---|---|---|---|"
    );
    let ms = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"));
    for l in &diff.latency {
        let ratio = l
            .ratio
            .map_or_else(|| "-".to_owned(), |r| format!("×{r:.2}"));
        let _ = writeln!(
            out,
            "| {} | {} | {} | {ratio} |",
            l.family,
            ms(l.old_median_ms),
            ms(l.new_median_ms)
        );
    }
    let gate = diff.gate_failures();
    let _ = writeln!(
        out,
        "\n**{}**",
        if gate > 0 {
            format!("{gate} new failure(s): exit 1")
        } else {
            "No new failures: exit 0".to_owned()
        }
    );
    out
}

/// `## TITLE (N)`, then a line per defect: its check at its pattern, the cases it holds and
/// one example, what the example was in the old run (from `failing`, when listed there).
fn defect_list(
    out: &mut String,
    (title, count): (&str, usize),
    groups: &[DefectGroup],
    failing: &[Failing],
) {
    let defects = match groups.len() {
        0 => String::new(),
        1 => ", 1 defect".to_owned(),
        n => format!(", {n} defects"),
    };
    let _ = writeln!(out, "## {title} ({count}{defects})\n");
    for g in groups {
        let example = failing.iter().find(|f| f.id == g.example);
        let was = match example.map(|f| f.was) {
            Some(None) => " (new case)".to_owned(),
            Some(Some(Verdict::Failed)) | None => String::new(),
            Some(Some(v)) => format!(" (was {})", verdict_name(v)),
        };
        let baselined = if example.is_some_and(|f| f.baselined) {
            " (baselined)"
        } else {
            ""
        };
        let clauses = if g.clauses.is_empty() {
            String::new()
        } else {
            format!(" ({})", g.clauses.join(", "))
        };
        if g.relation {
            let what = g
                .what
                .as_ref()
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- relation `{}`{was}: {}{clauses}{what}",
                g.at, g.check
            );
            continue;
        }
        let at = if g.at.is_empty() {
            String::new()
        } else {
            format!(" at `{}`", g.at)
        };
        let cases = match g.cases {
            1 => "1 case".to_owned(),
            n => format!("{n} cases"),
        };
        let _ = writeln!(
            out,
            "- `{}`{at}{clauses}: {cases}, e.g. `{}`{was}{baselined}",
            g.check, g.example
        );
    }
    out.push('\n');
}

/// The line at the top when cases were not simply paired by id under one seed.
fn matching_note(diff: &RunDiff) -> Option<String> {
    let seeds = format!(
        "seeds differ (old {}, new {})",
        diff.old.seed, diff.new.seed
    );
    match (diff.matched_by, diff.seeds_differ) {
        (Matching::Request, true) => Some(format!(
            "**The {seeds}.** Cases are paired by their request, not by id: a generated case \
             under another seed sends another request and shows as added or removed. Shape \
             changes compare the same requests only."
        )),
        (Matching::Id, true) => Some(format!(
            "**The {seeds}** and a report has no request hashes (written before format 2): \
             cases are paired by id, and a generated case (`property::`) under another seed is \
             another request: its shape is not compared."
        )),
        (Matching::Id, false) => Some(
            "A report has no request hashes (written before format 2): cases are paired by id."
                .to_owned(),
        ),
        (Matching::Request, false) => None,
    }
}

/// [`id_list`], but when `drawn` says why, a seeded family's cases are one counted line: under
/// another seed every one of them is another request (the JSON output lists them all).
fn case_list(out: &mut String, title: &str, ids: &[String], drawn: &str) {
    if drawn.is_empty() {
        return id_list(out, title, ids);
    }
    let seeded = |id: &&String| {
        let family = id.split("::").next().unwrap_or_default();
        super::pairing::SEEDED_FAMILIES.contains(&family)
    };
    let (generated, named): (Vec<&String>, Vec<&String>) = ids.iter().partition(seeded);
    let _ = writeln!(out, "## {title} ({})\n", ids.len());
    for family in super::pairing::SEEDED_FAMILIES {
        let count = generated
            .iter()
            .filter(|id| id.starts_with(&format!("{family}::")))
            .count();
        if count > 0 {
            let _ = writeln!(out, "- {count} `{family}::` cases ({drawn})");
        }
    }
    for id in named {
        let _ = writeln!(out, "- `{id}`");
    }
    out.push('\n');
}

fn id_list(out: &mut String, title: &str, ids: &[String]) {
    let _ = writeln!(out, "## {title} ({})\n", ids.len());
    for id in ids {
        let _ = writeln!(out, "- `{id}`");
    }
    out.push('\n');
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Passed => "passed",
        Verdict::Failed => "failed",
        Verdict::Skipped => "skipped",
    }
}
