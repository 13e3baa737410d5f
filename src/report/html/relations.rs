//! Failed relations on the page: an entry each under Failures, one short row each in the
//! Relations table; and the failed cases no finding explains, listed under Failures as well. The data comes from [`crate::report::relation_defects`].

use serde::Serialize;

use super::super::model::{RelationRecord, RunMeta, RunRecord, Verdict};
use super::super::relation_defects;

#[derive(Serialize)]
pub(super) struct DefectView {
    name: String,
    rules: Vec<RuleView>,
    explanation: String,
    counts: String,
    example: Option<ExampleView>,
    requests: Vec<String>,
    notes: Vec<String>,
    curls: Vec<CurlView>,
    auth_note: Option<String>,
    rerun: String,
}

#[derive(Serialize)]
struct RuleView {
    check: String,
    clause: String,
    title: Option<&'static str>,
}

#[derive(Serialize)]
struct ExampleView {
    pointer: String,
    message: String,
}

#[derive(Serialize)]
struct CurlView {
    sent_as: String,
    curl: String,
}

pub(super) fn defect_views(record: &RunRecord) -> Vec<DefectView> {
    relation_defects::failing(record)
        .into_iter()
        .map(|d| DefectView {
            rules: (d.rules.iter())
                .map(|r| RuleView {
                    check: r.check.clone(),
                    clause: r.clause.clone(),
                    title: r.title,
                })
                .collect(),
            counts: d.counts(),
            example: d.example.map(|v| ExampleView {
                pointer: v.pointer.clone(),
                message: v.message.clone(),
            }),
            curls: (d.curls.iter())
                .map(|(sent_as, curl)| CurlView {
                    sent_as: sent_as.clone(),
                    curl: relation_defects::shown_curl(curl),
                })
                .collect(),
            notes: d.notes.iter().map(|n| (*n).to_owned()).collect(),
            name: d.name,
            explanation: d.explanation,
            requests: d.requests,
            auth_note: d.auth_note,
            rerun: d.rerun,
        })
        .collect()
}

/// A failed relation's row: what differed and its count (the entry is under Failures); any
/// other's violations and findings.
pub(super) fn row_lines(meta: &RunMeta, relation: &RelationRecord) -> Vec<String> {
    if relation.verdict == Verdict::Failed {
        let d = relation_defects::defect(meta, relation);
        return vec![format!("{}: {}; see Failures", d.counts(), d.explanation)];
    }
    relation
        .violations
        .iter()
        .map(ToString::to_string)
        .chain(relation.findings.iter().cloned())
        .collect()
}

/// A failed case with no finding (no answer judged), linked to its section.
#[derive(Serialize)]
pub(super) struct UnexplainedView {
    id: String,
    anchor: String,
    why: String,
}

pub(super) fn unexplained_views(record: &RunRecord) -> Vec<UnexplainedView> {
    super::super::group::unexplained_failures(record)
        .into_iter()
        .map(|case| UnexplainedView {
            id: format!(
                "{}{}",
                case.id,
                if case.baselined { " (baselined)" } else { "" }
            ),
            // The case sections are numbered in record order from 1 (`case-N`).
            anchor: (record.cases.iter())
                .position(|c| c.id == case.id)
                .map(|i| format!("case-{}", i + 1))
                .unwrap_or_default(),
            why: case
                .error
                .clone()
                .unwrap_or_else(|| "failed without a finding".to_owned()),
        })
        .collect()
}
