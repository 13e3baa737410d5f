//! What each request of a relation asked and what its answer held, counted from the whole
//! bodies when the relation's record is made ([`super::RelationRecord::from_outcome`]): the
//! record keeps only excerpts, and a reader of a failed relation wants the sizes, the IDs
//! asked and which of them an answer left out ([`super::relation_defects`] words them). Pure.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::exchange::Exchange;

/// Runs of consecutive IDs shown at the start of an [`ExchangeShape::ids`] pattern.
const SHOWN_RUNS: usize = 4;

/// One request of a relation and its answer, as counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeShape {
    /// Items of the request's `agentIds` as sent (repeats counted).
    pub ids_asked: usize,
    /// Distinct IDs among them.
    pub distinct_ids: usize,
    /// The IDs in the order asked, consecutive runs folded and the middle left out:
    /// `101-102, 104-116, 118, 120-125, … 59990-59999`; `(not ascending)` when shuffled.
    pub ids: String,
    /// Distinct agents of the answer's `resultDesc`; `None` when there was no HTTP 200 answer
    /// with a `resultDesc` array (an error, no answer, a body cut at the size cap).
    #[serde(default)]
    pub answered: Option<usize>,
    /// IDs this request asked for that another answer of the relation held but this one left
    /// out, asked before this answer's last agent.
    #[serde(default)]
    pub missing_within: usize,
    /// The same, asked after this answer's last agent: an answer that stops early.
    #[serde(default)]
    pub missing_after: usize,
    /// Where the answer's last agent was asked, counting distinct IDs from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_answered_at: Option<usize>,
    /// Where the first ID of `missing_after` was asked, counting the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_left_out_at: Option<usize>,
}

/// The shape of each exchange, in order. An agent "exists" when any answer of `exchanges`
/// held it: a sparse fleet leaves most asked IDs unanswered in every answer, and that is no
/// defect.
pub fn shapes(exchanges: &[Exchange]) -> Vec<ExchangeShape> {
    let asked: Vec<Vec<i64>> = exchanges.iter().map(asked_ids).collect();
    let answered: Vec<Option<BTreeSet<i64>>> = exchanges.iter().map(answered_ids).collect();
    let known: BTreeSet<i64> = answered.iter().flatten().flatten().copied().collect();
    asked
        .iter()
        .zip(&answered)
        .map(|(ids, held)| shape(ids, held.as_ref(), &known))
        .collect()
}

fn shape(ids: &[i64], held: Option<&BTreeSet<i64>>, known: &BTreeSet<i64>) -> ExchangeShape {
    let mut seen = BTreeSet::new();
    let distinct: Vec<i64> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    let (mut missing_within, mut missing_after) = (0, 0);
    let mut last_answered_at = None;
    let mut first_left_out_at = None;
    if let Some(held) = held {
        let last = distinct.iter().rposition(|id| held.contains(id));
        last_answered_at = last.map(|at| at + 1);
        for (position, id) in distinct.iter().enumerate() {
            if held.contains(id) || !known.contains(id) {
                continue;
            }
            match last {
                Some(last) if position < last => missing_within += 1,
                _ => {
                    missing_after += 1;
                    first_left_out_at.get_or_insert(position + 1);
                }
            }
        }
    }
    ExchangeShape {
        ids_asked: ids.len(),
        distinct_ids: distinct.len(),
        ids: id_pattern(ids),
        answered: held.map(BTreeSet::len),
        missing_within,
        missing_after,
        last_answered_at,
        first_left_out_at,
    }
}

/// The integer items of the request's `agentIds`, in order (repeats kept).
fn asked_ids(exchange: &Exchange) -> Vec<i64> {
    #[derive(Deserialize)]
    struct Request {
        #[serde(rename = "agentIds", default)]
        agent_ids: Option<Vec<Value>>,
    }
    serde_json::from_slice::<Request>(&exchange.request.body)
        .ok()
        .and_then(|r| r.agent_ids)
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// The `agentId`s of an HTTP 200 answer's `resultDesc`, read without the rest of each record.
fn answered_ids(exchange: &Exchange) -> Option<BTreeSet<i64>> {
    #[derive(Deserialize)]
    struct Agent {
        #[serde(rename = "agentId", default)]
        agent_id: Option<Value>,
    }
    #[derive(Deserialize)]
    struct Answer {
        #[serde(rename = "resultDesc", default)]
        agents: Option<Vec<Option<Agent>>>,
    }
    let received = exchange.response.as_ref().ok()?;
    if received.status != 200 || received.truncated {
        return None;
    }
    let answer: Answer = serde_json::from_slice(&received.body).ok()?;
    Some(
        answer
            .agents?
            .iter()
            .flatten()
            .filter_map(|a| a.agent_id.as_ref().and_then(Value::as_i64))
            .collect(),
    )
}

/// `101-102, 104-116, 118, 120-125, … 59990-59999`: runs of consecutive IDs in the order
/// asked, the first `SHOWN_RUNS` and the last; `(not ascending)` after a shuffled list.
pub fn id_pattern(ids: &[i64]) -> String {
    let runs = crate::units::id_runs(ids.iter().copied());
    let run = crate::units::id_run_text;
    let mut text = if runs.len() <= SHOWN_RUNS + 1 {
        runs.iter().map(run).collect::<Vec<_>>().join(", ")
    } else {
        let head: Vec<String> = runs[..SHOWN_RUNS].iter().map(run).collect();
        let tail = runs.last().map(run).unwrap_or_default();
        format!("{}, … {tail}", head.join(", "))
    };
    if ids.windows(2).any(|w| w[0] > w[1]) {
        text.push_str(" (not ascending)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Received, SentRequest};

    fn exchange(ids: &[i64], answered: Option<&[i64]>) -> Exchange {
        let body = serde_json::json!({"ccId": 1, "vdn": 1, "agentIds": ids}).to_string();
        let response = match answered {
            Some(agents) => {
                let records: Vec<Value> = agents
                    .iter()
                    .map(|id| serde_json::json!({"agentId": id, "currentState": 1}))
                    .collect();
                let body = serde_json::json!({"resultCode": "0100000", "resultDesc": records});
                Received::new(200, body.to_string())
            }
            None => Received::new(500, "{}"),
        };
        Exchange::new(SentRequest::post("/x", body), Ok(response), 0, 0)
    }

    #[test]
    fn patterns_fold_runs_and_leave_out_the_middle() {
        assert_eq!(id_pattern(&[101, 102, 103, 105]), "101-103, 105");
        let many: Vec<i64> = (0..10).map(|i| 100 + 3 * i).collect();
        assert_eq!(id_pattern(&many), "100, 103, 106, 109, … 127");
        assert_eq!(id_pattern(&[5, 3, 4]), "5, 3-4 (not ascending)");
        assert_eq!(id_pattern(&[]), "");
    }

    #[test]
    fn an_answer_that_stops_early_misses_after_its_last_agent() {
        // The fleet is sparse: 103 exists in no answer, so its absence is no defect.
        let asked: Vec<i64> = vec![101, 102, 103, 104, 105, 106];
        let shapes = shapes(&[
            exchange(&asked, Some(&[101, 102])),
            exchange(&[106, 105, 104], Some(&[104, 105, 106])),
            exchange(&[101, 104], Some(&[101])),
            exchange(&[101], None),
        ]);
        assert_eq!(
            shapes[0],
            ExchangeShape {
                ids_asked: 6,
                distinct_ids: 6,
                ids: "101-106".into(),
                answered: Some(2),
                missing_within: 0,
                missing_after: 3,
                last_answered_at: Some(2),
                first_left_out_at: Some(4),
            }
        );
        assert_eq!((shapes[1].missing_within, shapes[1].missing_after), (0, 0));
        assert_eq!(shapes[1].ids, "106, 105, 104 (not ascending)");
        assert_eq!((shapes[2].missing_within, shapes[2].missing_after), (0, 1));
        assert_eq!(shapes[3].answered, None);
    }

    #[test]
    fn a_hole_before_the_last_agent_is_missing_within() {
        let shapes = shapes(&[
            exchange(&[101, 102, 104, 104], Some(&[101, 104])),
            exchange(&[102], Some(&[102])),
        ]);
        assert_eq!(shapes[0].ids_asked, 4);
        assert_eq!(shapes[0].distinct_ids, 3);
        assert_eq!((shapes[0].missing_within, shapes[0].missing_after), (1, 0));
    }
}
