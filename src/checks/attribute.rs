//! Which agent a finding is about. A pointer such as `/resultDatas/3/agentRelease` names an
//! agent only through the answer it points into; reports count distinct agents per finding
//! group, so the agent's `agentId` is copied onto the violation while the answer is at hand.
//! [`held_agents`] names every agent a success answer holds, from the same reading (the run
//! counts the agents it judged without parsing the answer again).

use std::collections::BTreeSet;

use serde_json::Value;

use super::Violation;
use crate::contract::Profile;

/// The array of a success answer whose agents a run counts as judged (`resultDatas` is its
/// compatibility copy), as the relations read it (`consistency::answer::AGENTS_MEMBER`).
const HELD_AGENTS_ARRAY: &str = "resultDesc";

/// The distinct `agentId`s, ascending, of a success answer (HTTP 200, the success
/// `resultCode`, an agent array): the integer IDs of its object items. Empty for anything
/// else. The same reading as the relations' `consistency::answer::answer`, so a run's count
/// of agents judged and its relations agree on what an answer held.
pub fn held_agents(profile: &Profile, status: u16, answer: Option<&Value>) -> Vec<i64> {
    let Some(answer) = answer.filter(|_| status == 200) else {
        return Vec::new();
    };
    let success = answer.get("resultCode").and_then(Value::as_str)
        == Some(profile.result_codes.success.as_str());
    let items = answer.get(HELD_AGENTS_ARRAY).and_then(Value::as_array);
    let (true, Some(items)) = (success, items) else {
        return Vec::new();
    };
    let ids: BTreeSet<i64> = items
        .iter()
        .filter_map(|item| item.as_object()?.get("agentId")?.as_i64())
        .collect();
    ids.into_iter().collect()
}

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
        attribute_agents(&mut violations, &answer);
        let agents: Vec<Option<i64>> = violations.iter().map(|v| v.agent).collect();
        assert_eq!(agents, [Some(102), Some(103), None, None, None, None, None]);
    }

    #[test]
    fn held_agents_are_what_the_relations_read_from_the_same_answer() {
        use crate::consistency::answer;
        use crate::exchange::{Exchange, Received, SentRequest};
        let contract = crate::contract::Contract::embedded("2023-12").expect("contract");
        let bodies: [&[u8]; 14] = [
            br#"{"resultCode":"0100000","resultDesc":[{"agentId":3},{"agentId":1},{"agentId":3}]}"#,
            br#"{"resultCode":"0100000","resultDesc":[null,5,{"agentId":"7"},{"agentId":7.0},{"agentId":8}]}"#,
            br#"{"resultCode":"0100000","resultDesc":[{"agentId":18446744073709551615},{"agentId":-2}]}"#,
            br#"{"resultCode":"0100000","resultDesc":[{"agentId":1,"agentId":2}]}"#,
            br#"{"resultCode":"0100000","resultDesc":[{"agentId":1}],"resultDesc":[{"agentId":4}]}"#,
            br#"{"resultCode":"0200001","resultDesc":[{"agentId":1}]}"#,
            br#"{"resultCode":100000,"resultDesc":[{"agentId":1}]}"#,
            br#"{"resultCode":"0100000","resultDesc":{"agentId":1}}"#,
            br#"{"resultCode":"0100000","resultDatas":[{"agentId":1}]}"#,
            b"\xEF\xBB\xBF{\"resultCode\":\"0100000\",\"resultDesc\":[{\"agentId\":9}]}",
            br#"{"resultCode":"0100000","resultDesc":[{"agentId":6}]} trailing"#,
            br#"{"resultCode":"0100000","resultDesc":[{"agentId":6}]"#,
            br#"[{"agentId":1}]"#,
            b"not json",
        ];
        for (status, body) in bodies.iter().flat_map(|b| [(200, *b), (400, *b)]) {
            let exchange = Exchange::new(
                SentRequest::post("/", "{}"),
                Ok(Received::new(status, body.to_vec())),
                0,
                0,
            );
            let relations: Vec<i64> = answer::answer(&contract, &exchange)
                .map(|a| a.agents.into_keys().collect())
                .unwrap_or_default();
            let read = crate::checks::json::read_answer(body);
            assert_eq!(
                held_agents(contract.profile(), status, read.value()),
                relations,
                "HTTP {status} {}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
