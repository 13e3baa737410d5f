//! Failed relations in report.md: an entry each under Failures ([`defects`]), like a group of
//! failing cases, and one short row per relation in the Relations table ([`row_text`]).

use std::fmt::Write;

use super::super::model::{RelationRecord, Verdict};
use super::super::relation_defects::{self, RelationDefect};
use super::{cell, code, fenced};

/// One entry per failed relation: rule, what differed, counts, requests, curl lines, rerun.
pub(super) fn defects(out: &mut String, defects: &[RelationDefect<'_>]) {
    let mut said: Option<&str> = None;
    for d in defects {
        let rule = d
            .rules
            .first()
            .map(|r| format!(": {}", r.label()))
            .unwrap_or_default();
        let _ = writeln!(out, "### Relation {} failed{rule}\n", code(&d.name));
        let mut lines = Vec::new();
        for other in d.rules.iter().skip(1) {
            lines.push(format!("Also: {}", cell(&other.label())));
        }
        lines.push(format!("**What differed:** {}", cell(&d.explanation)));
        let example = d
            .example
            .map(|v| format!("; e.g. at {}: {}", code(&v.pointer), code(&v.message)))
            .unwrap_or_default();
        lines.push(format!("Findings: {}{example}", d.counts()));
        if !d.notes.is_empty() {
            lines.push(format!("Notes: {}", cell(&d.notes.join("; "))));
        }
        let _ = writeln!(out, "{}\n", lines.join("  \n"));
        let _ = writeln!(out, "Requests compared:\n");
        for request in &d.requests {
            let _ = writeln!(out, "- {}", cell(request));
        }
        let _ = writeln!(out, "\nRerun alone:\n\n{}", fenced("sh", &d.rerun));
        if !d.curls.is_empty() {
            let lines: Vec<String> = d
                .curls
                .iter()
                .map(|(sent_as, curl)| {
                    format!("# {sent_as}\n{}", relation_defects::shown_curl(curl))
                })
                .collect();
            let _ = writeln!(
                out,
                "By hand (the signature is `$CMSCONFORM_AUTH`):\n\n{}",
                fenced("sh", &lines.join("\n"))
            );
            let relation = d.relation.relation.replace(['"', '\'', '`', '\\'], "");
            let _ = writeln!(
                out,
                "Each request as recorded: `jq '.relations[] | select(.relation == \"{relation}\") | .exchanges[N][0]' report.json`\n"
            );
            // The note is the same for every request signed the same way: say it once.
            if let Some(note) = d.auth_note.as_deref().filter(|n| said != Some(*n)) {
                let _ = writeln!(out, "{note}\n");
                said = Some(note);
            }
        }
    }
}

/// The Findings cell of a relation's row: a failed one's explanation and count (its entry is
/// under Failures), any other's findings.
pub(super) fn row_text(relation: &RelationRecord, meta: &super::super::model::RunMeta) -> String {
    if relation.verdict == Verdict::Failed {
        let d = relation_defects::defect(meta, relation);
        return cell(&format!("{}: {}; see Failures", d.counts(), d.explanation));
    }
    let mut lines: Vec<String> = relation
        .violations
        .iter()
        .map(|v| cell(&v.to_string()))
        .collect();
    lines.extend(relation.findings.iter().map(|f| cell(f)));
    lines.join("<br>")
}
