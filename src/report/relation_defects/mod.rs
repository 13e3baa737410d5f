//! A failed relation as a defect, like a group of failing cases: the rule it broke, the
//! requests it compared (their sizes and IDs), what differed in one line
//! ([`explain::explain`]), the exact count of violations against the few kept, the curl line of
//! each request and the command that reruns the relation alone. Every report format and the
//! console's defect blocks draw failed relations from [`failing`]. Pure; strings only, from
//! records that are already redacted.

pub mod explain;

use super::model::{RelationRecord, RunMeta, RunRecord, Verdict};
use super::relation_shape::ExchangeShape;
use super::reproduce;
use crate::checks::Violation;

/// A curl line longer than this is shortened where a defect is shown (report.json keeps the
/// request; junit.xml the whole line).
pub const MAX_CURL_CHARS: usize = 600;

/// `curl` shortened to [`MAX_CURL_CHARS`], keeping its closing note when the body recorded is
/// only an excerpt of what was sent.
pub fn shown_curl(curl: &str) -> String {
    let short = crate::checks::model::truncate(curl, MAX_CURL_CHARS);
    match curl.rfind(reproduce::CUT_BODY_NOTE) {
        Some(_) if short.len() < curl.len() => format!("{short}  {}", reproduce::CUT_BODY_NOTE),
        _ => short,
    }
}

/// One failed relation, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationDefect<'a> {
    pub relation: &'a RelationRecord,
    /// The name a selection knows it by: `relation::permutation`, `discovery::vdn`.
    pub name: String,
    /// The checks it failed, each once, in first-failed order.
    pub rules: Vec<Rule>,
    /// What differed, in one line.
    pub explanation: String,
    /// Violations kept in the record, and found in all.
    pub kept: usize,
    pub total: usize,
    /// The first failing violation.
    pub example: Option<&'a Violation>,
    /// `#0: 6000 IDs (101-102, …), 29863 bytes → HTTP 200, 100 agents; ...`, one per exchange.
    pub requests: Vec<String>,
    /// The relation's own findings (`182 agents compared`, `re-asked (#2 vs #3): 179 of 179
    /// suspect differences confirmed`), less the count of violations [`Self::counts`] says.
    pub notes: Vec<&'a str>,
    /// One per distinct request: the exchanges that sent it (`#0, #2`) and its curl line.
    pub curls: Vec<(String, String)>,
    /// How to produce `$CMSCONFORM_AUTH` for the curl lines.
    pub auth_note: Option<String>,
    /// `cmsconform run ... --exact relation::permutation`.
    pub rerun: String,
}

/// A check a relation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub check: String,
    pub clause: String,
    pub title: Option<&'static str>,
}

impl Rule {
    /// `CMS-REL-002 (notes:6.14): Shuffling the agent IDs changes ...`.
    pub fn label(&self) -> String {
        let title = self.title.map(|t| format!(": {t}")).unwrap_or_default();
        format!("{} ({}){title}", self.check, self.clause)
    }
}

impl RelationDefect<'_> {
    /// `20 kept of 178 violations`, or `3 violations` when all are kept.
    pub fn counts(&self) -> String {
        let noun = if self.total == 1 {
            "violation"
        } else {
            "violations"
        };
        if self.kept < self.total {
            format!(
                "{} {noun} ({} kept of {})",
                self.total, self.kept, self.total
            )
        } else {
            format!("{} {noun}", self.total)
        }
    }

    /// `CMS-REL-002, CMS-REL-005`, or `relation` when it failed without a finding.
    pub fn checks(&self) -> String {
        if self.rules.is_empty() {
            return "relation".to_owned();
        }
        let ids: Vec<&str> = self.rules.iter().map(|r| r.check.as_str()).collect();
        ids.join(", ")
    }

    /// The console's block: a heading like a case group's, then indented lines.
    pub fn console_lines(&self) -> Vec<String> {
        let head = match self.rules.first() {
            Some(rule) => {
                let title = rule.title.map(|t| format!(": {t}")).unwrap_or_default();
                let others: Vec<&str> = self.rules[1..].iter().map(|r| r.check.as_str()).collect();
                let others = if others.is_empty() {
                    String::new()
                } else {
                    format!(" (and {})", others.join(", "))
                };
                format!(
                    "error[{}] {} in {}{others}{title}",
                    rule.check, rule.clause, self.name
                )
            }
            None => format!("error: {} failed", self.name),
        };
        let mut lines = vec![head, format!("    {}", self.explanation)];
        let example = self
            .example
            .map(|v| format!("; e.g. {}: {}", v.pointer, v.message))
            .unwrap_or_default();
        lines.push(format!("    {}{example}", self.counts()));
        if !self.notes.is_empty() {
            lines.push(format!("    notes: {}", self.notes.join("; ")));
        }
        lines.extend(self.requests.iter().map(|r| format!("    {r}")));
        for (sent_as, curl) in &self.curls {
            lines.push(format!("    curl {sent_as}: {}", shown_curl(curl)));
        }
        lines.push(format!("    rerun: {}", self.rerun));
        lines
    }
}

/// The failed relations of `record`, in run order.
pub fn failing(record: &RunRecord) -> Vec<RelationDefect<'_>> {
    record
        .relations
        .iter()
        .filter(|r| r.verdict == Verdict::Failed)
        .map(|r| defect(&record.meta, r))
        .collect()
}

/// `relation` as a defect (whatever its verdict: a caller asks for failed ones).
pub fn defect<'a>(meta: &RunMeta, relation: &'a RelationRecord) -> RelationDefect<'a> {
    let failures: Vec<&Violation> = relation
        .violations
        .iter()
        .filter(|v| v.is_failure())
        .collect();
    let mut rules: Vec<Rule> = Vec::new();
    for v in &failures {
        if !rules.iter().any(|r| r.check == v.check) {
            rules.push(Rule {
                check: v.check.clone(),
                clause: v.clause.clone(),
                title: check_title(&v.check),
            });
        }
    }
    let name = crate::consistency::selection_name(&relation.relation);
    let mut curls: Vec<(Vec<usize>, String)> = Vec::new();
    for (index, (request, _)) in relation.exchanges.iter().enumerate() {
        let curl = reproduce::curl_line(request);
        match curls.iter_mut().find(|(_, c)| *c == curl) {
            Some((indices, _)) => indices.push(index),
            None => curls.push((vec![index], curl)),
        }
    }
    RelationDefect {
        relation,
        rerun: reproduce::rerun_command(meta, &name),
        name,
        rules,
        explanation: explain::explain(relation),
        kept: relation.violations.len(),
        total: relation.total_violations(),
        example: failures.first().copied(),
        requests: request_lines(relation),
        notes: (relation.findings.iter())
            .map(String::as_str)
            .filter(|f| !f.contains(" violations in all; the first "))
            .collect(),
        curls: curls
            .into_iter()
            .map(|(indices, curl)| {
                let sent_as: Vec<String> = indices.iter().map(|i| format!("#{i}")).collect();
                (sent_as.join(", "), curl)
            })
            .collect(),
        auth_note: relation
            .exchanges
            .first()
            .map(|(request, _)| reproduce::auth_note(request)),
    }
}

/// The catalogue title of a check id, relation checks included.
pub fn check_title(id: &str) -> Option<&'static str> {
    crate::consistency::RELATION_CATALOGUE
        .iter()
        .find(|def| def.id == id)
        .map(|def| def.title)
        .or_else(|| super::group::check_title(id))
}

/// One line per exchange: what it asked, its size, what came back; a re-ask that asked and
/// got the same shares its line (`#0, #2: ...`).
fn request_lines(relation: &RelationRecord) -> Vec<String> {
    let described: Vec<String> = relation
        .exchanges
        .iter()
        .enumerate()
        .map(|(index, (request, response))| {
            let asked = relation
                .requests
                .get(index)
                .map(asked_words)
                .unwrap_or_default();
            let answer = match response {
                None => "no answer".to_owned(),
                Some(response) => {
                    let held = match relation.requests.get(index).and_then(|s| s.answered) {
                        Some(n) => format!(", {}", explain::agents(n)),
                        None => format!(", {} bytes", response.body_bytes),
                    };
                    format!("HTTP {}{held}", response.status)
                }
            };
            let left_out = relation
                .requests
                .get(index)
                .map(|s| s.missing_within + s.missing_after)
                .filter(|n| *n > 0)
                .map(|n| format!("; left out {} another answer held", explain::agents(n)))
                .unwrap_or_default();
            format!("{asked}{} bytes → {answer}{left_out}", request.body_bytes)
        })
        .collect();
    let mut lines: Vec<(Vec<String>, &str)> = Vec::new();
    for (index, text) in described.iter().enumerate() {
        match lines.iter_mut().find(|(_, t)| *t == text.as_str()) {
            Some((indices, _)) => indices.push(format!("#{index}")),
            None => lines.push((vec![format!("#{index}")], text)),
        }
    }
    lines
        .into_iter()
        .map(|(indices, text)| format!("{}: {text}", indices.join(", ")))
        .collect()
}

/// `6000 IDs (101-102, 104-116, … 59998-59999), ` or `200 IDs (100 distinct) (...), `.
fn asked_words(shape: &ExchangeShape) -> String {
    let distinct = if shape.distinct_ids < shape.ids_asked {
        format!(" ({} distinct)", shape.distinct_ids)
    } else {
        String::new()
    };
    let ids = if shape.ids.is_empty() {
        String::new()
    } else {
        format!(" ({})", shape.ids)
    };
    format!("{}{distinct}{ids}, ", explain::ids(shape.ids_asked))
}

#[cfg(test)]
mod tests;
