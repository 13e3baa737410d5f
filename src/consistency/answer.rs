//! Reading exchanges for the relations: the agent IDs a request asked for, and the agents a
//! success answer gave, keyed by `agentId`. Pure and total: whatever a server sent becomes either
//! an [`Answer`] or an [`Unusable`] saying why it cannot be compared. Single-exchange rules
//! (field types, ranges, `resultDatas` = `resultDesc`) are not judged here: `checks` owns them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::checks::{Exchange, SentRequest};
use crate::contract::Contract;

/// An agent's ID as the contract types it.
pub type AgentId = i64;

/// The array of a success answer the relations read (`resultDatas` is its compatibility copy).
pub const AGENTS_MEMBER: &str = "resultDesc";

/// One answered agent: where it sits in the answer and its record.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredAgent {
    pub index: usize,
    pub record: Map<String, Value>,
}

/// The agents of one success answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// First occurrence of each agent.
    pub agents: BTreeMap<AgentId, AnsweredAgent>,
    /// Agents answered more than once: the ID and the index of each further occurrence.
    pub repeats: Vec<(AgentId, usize)>,
}

/// Why an exchange cannot take part in a relation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Unusable {
    #[error("no answer ({0})")]
    NoAnswer(String),
    #[error("the answer body was cut at the size cap")]
    Truncated,
    #[error("not a success answer (HTTP {status}{})", result_code.as_ref().map(|c| format!(", resultCode {c}")).unwrap_or_default())]
    NotSuccess {
        status: u16,
        result_code: Option<String>,
    },
    #[error("the success answer is malformed: {0}")]
    Malformed(String),
    #[error("the request body is not a request with agentIds: {0}")]
    BadRequest(String),
}

/// The distinct agent IDs a request asked for, in first-asked order.
pub fn requested_ids(request: &SentRequest) -> Result<Vec<AgentId>, Unusable> {
    let body: Value = serde_json::from_slice(&request.body)
        .map_err(|e| Unusable::BadRequest(format!("not JSON: {e}")))?;
    let ids = body
        .get("agentIds")
        .and_then(Value::as_array)
        .ok_or_else(|| Unusable::BadRequest("no agentIds array".into()))?;
    let mut seen = BTreeSet::new();
    Ok(ids
        .iter()
        .filter_map(Value::as_i64)
        .filter(|id| seen.insert(*id))
        .collect())
}

/// Whether a request asked for some agent ID more than once.
pub fn asks_duplicates(request: &SentRequest) -> bool {
    let body: Option<Value> = serde_json::from_slice(&request.body).ok();
    let ids = body
        .as_ref()
        .and_then(|b| b.get("agentIds"))
        .and_then(Value::as_array);
    ids.is_some_and(|ids| {
        let mut seen = BTreeSet::new();
        !ids.iter().all(|id| seen.insert(id.to_string()))
    })
}

/// The agents of a success answer.
pub fn answer(contract: &Contract, exchange: &Exchange) -> Result<Answer, Unusable> {
    let received = match &exchange.response {
        Ok(received) => received,
        Err(failure) => return Err(Unusable::NoAnswer(format!("{failure:?}"))),
    };
    if received.truncated {
        return Err(Unusable::Truncated);
    }
    let body: Option<Value> = serde_json::from_slice(&received.body).ok();
    let result_code = body
        .as_ref()
        .and_then(|b| b.get("resultCode"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let success = &contract.profile().result_codes.success;
    if received.status != 200 || result_code.as_deref() != Some(success.as_str()) {
        return Err(Unusable::NotSuccess {
            status: received.status,
            result_code,
        });
    }
    let records = body
        .as_ref()
        .and_then(|b| b.get(AGENTS_MEMBER))
        .and_then(Value::as_array)
        .ok_or_else(|| Unusable::Malformed(format!("no {AGENTS_MEMBER} array")))?;
    let mut answer = Answer::default();
    for (index, record) in records.iter().enumerate() {
        let Some(record) = record.as_object() else {
            continue;
        };
        let Some(id) = record.get("agentId").and_then(Value::as_i64) else {
            continue;
        };
        match answer.agents.entry(id) {
            std::collections::btree_map::Entry::Occupied(_) => answer.repeats.push((id, index)),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(AnsweredAgent {
                    index,
                    record: record.clone(),
                });
            }
        }
    }
    Ok(answer)
}

/// An integer member of a record, when it is one.
pub fn int(record: &Map<String, Value>, name: &str) -> Option<i64> {
    record.get(name).and_then(Value::as_i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{Received, TransportFailure};

    fn exchange(request: &str, status: u16, body: &str) -> Exchange {
        Exchange {
            request: SentRequest {
                method: "POST".into(),
                path: "/x".into(),
                headers: Vec::new(),
                body: request.as_bytes().to_vec(),
            },
            response: Ok(Received {
                status,
                headers: Vec::new(),
                body: body.as_bytes().to_vec(),
                truncated: false,
            }),
            sent_at_ms: 0,
            received_at_ms: 0,
        }
    }

    #[test]
    fn reads_ids_and_agents_and_repeats() {
        let contract = Contract::embedded("2023-12").unwrap();
        let ex = exchange(
            r#"{"ccId":1,"vdn":1,"agentIds":[5,3,5,"x"]}"#,
            200,
            r#"{"resultCode":"0100000","resultDesc":[{"agentId":3},{"agentId":5},{"agentId":3},7]}"#,
        );
        assert_eq!(requested_ids(&ex.request).unwrap(), vec![5, 3]);
        assert!(asks_duplicates(&ex.request));
        let answer = answer(&contract, &ex).unwrap();
        assert_eq!(
            answer.agents.keys().copied().collect::<Vec<_>>(),
            vec![3, 5]
        );
        assert_eq!(answer.agents[&5].index, 1);
        assert_eq!(answer.repeats, vec![(3, 2)]);
    }

    #[test]
    fn failures_are_unusable_not_panics() {
        let contract = Contract::embedded("2023-12").unwrap();
        let rejected = exchange("{}", 200, r#"{"resultCode":"0100002","resultDesc":"bad"}"#);
        assert!(matches!(
            answer(&contract, &rejected),
            Err(Unusable::NotSuccess { status: 200, result_code: Some(c) }) if c == "0100002"
        ));
        assert!(requested_ids(&rejected.request).is_err());
        let garbage = exchange("[", 500, "\u{0}");
        assert!(answer(&contract, &garbage).is_err());
        let mut lost = garbage.clone();
        lost.response = Err(TransportFailure::Timeout("10s".into()));
        assert!(matches!(
            answer(&contract, &lost),
            Err(Unusable::NoAnswer(_))
        ));
    }
}
