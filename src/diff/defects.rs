//! The failures of a diff grouped by defect, as report.md groups a run's: a case failing a
//! check at a pointer pattern (array indices folded, [`fold_pointer`]) counts once in that
//! check's group however many findings it has there; a failed relation is one entry with its
//! checks each once. Each group carries its case count and one example (the first by id).
//! Pure.

use serde::Serialize;

use crate::report::group::fold_pointer;
use crate::report::{CaseRecord, RelationRecord, RunRecord};

/// One defect among the new, fixed or still failing cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DefectGroup {
    /// The check id; a relation's checks each once (`CMS-REL-001, CMS-REL-005`); `no answer
    /// judged` for cases that failed without a finding.
    pub check: String,
    /// The pointer pattern (`/resultDesc/*/logonTime`, `<body>`); a relation's name as a
    /// selection knows it (`relation::permutation`).
    pub at: String,
    /// The clauses its findings cite, each once.
    pub clauses: Vec<String>,
    /// Cases in the group (a relation: 1).
    pub cases: usize,
    /// The first case by id, or `relation:NAME`.
    pub example: String,
    /// Set for a relation's entry.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub relation: bool,
    /// A relation's one line on what differed ([`crate::report::relation_defects::explain`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
}

/// The three lists of [`super::RunDiff`], grouped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Defects {
    pub new_failures: Vec<DefectGroup>,
    pub fixed: Vec<DefectGroup>,
    pub still_failing: Vec<DefectGroup>,
}

/// Cases grouped by check and pointer pattern, then the relations, one entry each. Groups come
/// largest first, then by check and pattern.
pub fn group(cases: &[&CaseRecord], relations: &[&RelationRecord]) -> Vec<DefectGroup> {
    let mut sorted: Vec<&CaseRecord> = cases.to_vec();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut groups: Vec<DefectGroup> = Vec::new();
    for case in sorted {
        let mut keys: Vec<(String, String, String)> = case
            .failures()
            .map(|v| {
                let pattern = fold_pointer(&v.pointer);
                let at = if pattern.is_empty() {
                    "<body>".to_owned()
                } else {
                    pattern
                };
                (v.check.clone(), at, v.clause.clone())
            })
            .collect();
        if keys.is_empty() {
            keys.push((
                "no answer judged".into(),
                String::new(),
                case.clause.clone(),
            ));
        }
        let mut counted: Vec<(String, String)> = Vec::new();
        for (check, at, clause) in keys {
            let group = match groups
                .iter_mut()
                .position(|g| g.check == check && g.at == at)
            {
                Some(i) => &mut groups[i],
                None => {
                    groups.push(DefectGroup {
                        check: check.clone(),
                        at: at.clone(),
                        clauses: Vec::new(),
                        cases: 0,
                        example: case.id.clone(),
                        relation: false,
                        what: None,
                    });
                    groups.last_mut().expect("just pushed")
                }
            };
            if !group.clauses.contains(&clause) {
                group.clauses.push(clause);
            }
            if !counted.contains(&(check.clone(), at.clone())) {
                group.cases += 1;
                counted.push((check, at));
            }
        }
    }
    groups.sort_by(|a, b| {
        (b.cases.cmp(&a.cases))
            .then_with(|| a.check.cmp(&b.check))
            .then_with(|| a.at.cmp(&b.at))
    });
    groups.extend(relations.iter().map(|r| relation_group(r)));
    groups
}

/// A failed relation as one entry, its checks each once.
fn relation_group(relation: &RelationRecord) -> DefectGroup {
    let mut checks: Vec<&str> = Vec::new();
    let mut clauses: Vec<String> = Vec::new();
    for v in relation.violations.iter().filter(|v| v.is_failure()) {
        if !checks.contains(&v.check.as_str()) {
            checks.push(&v.check);
        }
        if !clauses.contains(&v.clause) {
            clauses.push(v.clause.clone());
        }
    }
    DefectGroup {
        check: if checks.is_empty() {
            "no finding".to_owned()
        } else {
            checks.join(", ")
        },
        at: crate::consistency::selection_name(&relation.relation),
        clauses,
        cases: 1,
        example: format!("relation:{}", relation.relation),
        relation: true,
        what: Some(crate::report::relation_defects::explain::explain(relation)),
    }
}

/// The relations of `record` that `ids` names as `relation:NAME`, in run order.
pub fn named_relations(record: &RunRecord, ids: Vec<String>) -> Vec<&RelationRecord> {
    let named = |r: &&RelationRecord| {
        ids.iter()
            .any(|id| id.strip_prefix("relation:") == Some(r.relation.as_str()))
    };
    record.relations.iter().filter(named).collect()
}

/// The checks a relation failed, each once, in first-failed order.
pub fn relation_checks(relation: &RelationRecord) -> Vec<String> {
    let mut checks: Vec<String> = Vec::new();
    for v in relation.violations.iter().filter(|v| v.is_failure()) {
        if !checks.contains(&v.check) {
            checks.push(v.check.clone());
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(id: &str, pointers: &[(&str, &str)]) -> CaseRecord {
        let violations: Vec<serde_json::Value> = pointers
            .iter()
            .map(|(check, pointer)| {
                json!({"check": check, "clause": "notes:6.6", "severity": "failure",
                       "pointer": pointer, "message": "m"})
            })
            .collect();
        serde_json::from_value(json!({
            "id": id, "title": id, "family": "property", "clause": "notes:6.5",
            "verdict": "failed", "expected": "accepted", "duration_ms": 1.0,
            "violations": violations,
        }))
        .unwrap()
    }

    #[test]
    fn cases_group_by_check_at_a_folded_pointer_and_relations_once() {
        let cases = [
            case(
                "property::0002",
                &[
                    ("CMS-AGENT-008", "/resultDesc/0/logonTime"),
                    ("CMS-AGENT-008", "/resultDesc/7/logonTime"),
                ],
            ),
            case(
                "property::0001",
                &[("CMS-AGENT-008", "/resultDesc/3/logonTime")],
            ),
            case("hand::x", &[("CMS-HTTP-006", "")]),
            case("hand::timeout", &[]),
        ];
        let relation: RelationRecord = serde_json::from_value(json!({
            "relation": "permutation", "verdict": "failed",
            "violations": (0..20).map(|i| json!({"check": "CMS-REL-002", "clause": "notes:6.14",
                "severity": "failure", "pointer": format!("#0/resultDesc/{i} vs #1/resultDesc"),
                "message": "m"})).collect::<Vec<_>>(),
        }))
        .unwrap();
        let refs: Vec<&CaseRecord> = cases.iter().collect();
        let groups = group(&refs, &[&relation]);
        let rows: Vec<(&str, &str, usize, &str)> = groups
            .iter()
            .map(|g| (g.check.as_str(), g.at.as_str(), g.cases, g.example.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "CMS-AGENT-008",
                    "/resultDesc/*/logonTime",
                    2,
                    "property::0001"
                ),
                ("CMS-HTTP-006", "<body>", 1, "hand::x"),
                ("no answer judged", "", 1, "hand::timeout"),
                (
                    "CMS-REL-002",
                    "relation::permutation",
                    1,
                    "relation:permutation"
                ),
            ]
        );
        assert!(groups[3].relation);
        assert_eq!(relation_checks(&relation), ["CMS-REL-002"]);
    }
}
