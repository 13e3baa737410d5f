//! Which agent a finding is about. A pointer such as `/resultDatas/3/agentRelease` names an
//! agent only through the answer it points into; reports count distinct agents per finding
//! group, so the agent's `agentId` is copied onto the violation while the answer is at hand.

use serde_json::Value;

use super::Violation;

/// The answer arrays whose items are agent objects.
const AGENT_ARRAYS: [&str; 2] = ["resultDatas", "resultDesc"];

/// Sets [`Violation::agent`] on every violation whose pointer lands in an agent object of
/// `answer` (the parsed answer body) that carries an integer `agentId`. Others are left as
/// they are: a pointer into a header, the envelope, or an item without an id names no agent.
pub fn attribute_agents(violations: &mut [Violation], answer: &Value) {
    for violation in violations.iter_mut().filter(|v| v.agent.is_none()) {
        violation.agent = agent_of(&violation.pointer, answer);
    }
}

/// The `agentId` of the item `/ARRAY/N` the pointer starts with, when the answer has one.
fn agent_of(pointer: &str, answer: &Value) -> Option<i64> {
    let mut segments = pointer.strip_prefix('/')?.split('/');
    let array = segments.next()?;
    if !AGENT_ARRAYS.contains(&array) {
        return None;
    }
    let index: usize = segments.next()?.parse().ok()?;
    answer.get(array)?.get(index)?.get("agentId")?.as_i64()
}

/// True when some violation's pointer could name an agent (so parsing the answer is worth it).
pub fn wants_agents(violations: &[Violation]) -> bool {
    violations.iter().any(|v| {
        v.agent.is_none()
            && AGENT_ARRAYS.iter().any(|array| {
                v.pointer
                    .strip_prefix('/')
                    .is_some_and(|p| p.starts_with(array))
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckDef, Severity};

    static DEF: CheckDef = CheckDef {
        id: "CMS-TEST-001",
        clause: "notes:6.5",
        severity: Severity::Failure,
        title: "test",
    };

    #[test]
    fn agents_come_from_the_item_the_pointer_lands_in() {
        let answer: Value = serde_json::json!({
            "resultCode": "0100000",
            "resultDatas": [{"agentId": 101}, {"agentId": 102}],
            "resultDesc": [{"agentId": 103}, {"noId": true}]
        });
        let mut violations: Vec<Violation> = [
            "/resultDatas/1/agentRelease",
            "/resultDesc/0",
            "/resultDesc/1/agentRelease",
            "/resultDatas/9/agentRelease",
            "/resultCode",
            "header:content-type",
            "/resultDatas/x/agentId",
        ]
        .into_iter()
        .map(|p| Violation::new(&DEF, p, "m"))
        .collect();
        assert!(wants_agents(&violations));
        attribute_agents(&mut violations, &answer);
        let agents: Vec<Option<i64>> = violations.iter().map(|v| v.agent).collect();
        assert_eq!(agents, [Some(102), Some(103), None, None, None, None, None]);
        assert!(!wants_agents(&violations[4..6]));
    }
}
