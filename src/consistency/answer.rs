//! Reading exchanges for the relations: the agent IDs a request asked for, and the agents a
//! success answer gave, keyed by `agentId`. Pure and total: whatever a server sent becomes either
//! an [`Answer`] or an [`Unusable`] saying why it cannot be compared. Single-exchange rules
//! (field types, ranges, `resultDatas` = `resultDesc`) are not judged here: `checks` owns them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::contract::Contract;
use crate::exchange::{Exchange, SentRequest};

mod record;

pub use record::Record;

/// An agent's ID as the contract types it.
pub type AgentId = i64;

/// The array of a success answer the relations read (`resultDatas` is its compatibility copy).
pub const AGENTS_MEMBER: &str = "resultDesc";

/// Members the relations compare other than the durations, in report order.
pub const STABLE_FIELDS: &[&str] = &[
    "currentState",
    "prevState",
    "currentStateReason",
    "locationId",
    "logonTime",
];
/// Counters: they may grow between requests, never shrink.
pub const COUNTERS: &[&str] = &["agentRelease", "currentPrivateCallNum"];
/// The durations the relations read beside [`STABLE_FIELDS`] and [`COUNTERS`].
pub const DURATIONS: &[&str] = &["currentStateTime", "prevStateTime"];

/// One answered agent: where it sits in the answer and its record.
#[derive(Debug, Clone, PartialEq)]
pub struct AnsweredAgent {
    pub index: usize,
    /// The members the relations compare, and `agentId`.
    pub record: Record,
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
    // Read into a slim form, not a `Value`: a full parse of a 6000-agent answer is about
    // 24 MB, and the relations hold two answers at a time.
    // An answer with a defect around its JSON (a BOM, trailing bytes, a NaN) is judged by the
    // checks for that defect; its agents are still what the server answered.
    let body: Option<slim::Envelope> = serde_json::from_slice(&received.body).ok().or_else(|| {
        let (fixed, _) = crate::json::repaired(&received.body)?;
        serde_json::from_slice(&fixed).ok()
    });
    let result_code = body.as_ref().and_then(|b| b.result_code.clone());
    let success = &contract.profile().result_codes.success;
    if received.status != 200 || result_code.as_deref() != Some(success.as_str()) {
        return Err(Unusable::NotSuccess {
            status: received.status,
            result_code,
        });
    }
    let records = match body.and_then(|b| b.agents) {
        Some(slim::Agents::Array(records)) => records,
        _ => return Err(Unusable::Malformed(format!("no {AGENTS_MEMBER} array"))),
    };
    let mut answer = Answer::default();
    for (index, record) in records.into_iter().enumerate() {
        let Some(record) = record else {
            continue;
        };
        let Some(id) = record.int("agentId") else {
            continue;
        };
        match answer.agents.entry(id) {
            std::collections::btree_map::Entry::Occupied(_) => answer.repeats.push((id, index)),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(AnsweredAgent { index, record });
            }
        }
    }
    Ok(answer)
}

/// A success answer read with only what the relations use; anything else is skipped unparsed.
/// Same reading as a `Value` parse: the last of repeated members wins, a non-string
/// `resultCode` counts as absent, a non-object array element is no record.
mod slim {
    use std::fmt;

    use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;

    use super::{AGENTS_MEMBER, Record as Kept};

    pub struct Envelope {
        pub result_code: Option<String>,
        pub agents: Option<Agents>,
    }

    pub enum Agents {
        Array(Vec<Option<Kept>>),
        NotArray,
    }

    struct Record(Option<Kept>);

    impl<'de> de::Deserialize<'de> for Envelope {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(EnvelopeVisitor)
        }
    }

    struct EnvelopeVisitor;

    impl<'de> Visitor<'de> for EnvelopeVisitor {
        type Value = Envelope;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
            let mut envelope = Envelope {
                result_code: None,
                agents: None,
            };
            while let Some(key) = map.next_key::<String>()? {
                if key == "resultCode" {
                    envelope.result_code = match map.next_value::<Value>()? {
                        Value::String(code) => Some(code),
                        _ => None,
                    };
                } else if key == AGENTS_MEMBER {
                    envelope.agents = Some(map.next_value::<Agents>()?);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(envelope)
        }
        // Any other JSON is a body without the members: as absent as in a `Value`.
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Envelope, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(absent())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Envelope, E> {
            Ok(absent())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Envelope, E> {
            Ok(absent())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Envelope, E> {
            Ok(absent())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Envelope, E> {
            Ok(absent())
        }
        fn visit_str<E>(self, _: &str) -> Result<Envelope, E> {
            Ok(absent())
        }
        fn visit_unit<E>(self) -> Result<Envelope, E> {
            Ok(absent())
        }
    }

    fn absent() -> Envelope {
        Envelope {
            result_code: None,
            agents: None,
        }
    }

    impl<'de> de::Deserialize<'de> for Agents {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(match d.deserialize_any(ArrayVisitor)? {
                Some(records) => Agents::Array(records),
                None => Agents::NotArray,
            })
        }
    }

    struct ArrayVisitor;
    impl<'de> Visitor<'de> for ArrayVisitor {
        type Value = Option<Vec<Option<Kept>>>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut records = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
            while let Some(Record(record)) = seq.next_element::<Record>()? {
                records.push(record);
            }
            Ok(Some(records))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }

    impl<'de> de::Deserialize<'de> for Record {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct RecordVisitor;
            impl<'de> Visitor<'de> for RecordVisitor {
                type Value = Record;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a JSON value")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
                    let mut record = Kept::default();
                    while let Some(key) = map.next_key::<String>()? {
                        if Kept::kept(&key) {
                            record.keep(&key, map.next_value::<Value>()?);
                        } else {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    Ok(Record(Some(record)))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Record, A::Error> {
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Record(None))
                }
                fn visit_bool<E>(self, _: bool) -> Result<Record, E> {
                    Ok(Record(None))
                }
                fn visit_i64<E>(self, _: i64) -> Result<Record, E> {
                    Ok(Record(None))
                }
                fn visit_u64<E>(self, _: u64) -> Result<Record, E> {
                    Ok(Record(None))
                }
                fn visit_f64<E>(self, _: f64) -> Result<Record, E> {
                    Ok(Record(None))
                }
                fn visit_str<E>(self, _: &str) -> Result<Record, E> {
                    Ok(Record(None))
                }
                fn visit_unit<E>(self) -> Result<Record, E> {
                    Ok(Record(None))
                }
            }
            d.deserialize_any(RecordVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Received, TransportFailure};

    fn exchange(request: &str, status: u16, body: &str) -> Exchange {
        Exchange::new(
            SentRequest::post("/x", request),
            Ok(Received::new(status, body)),
            0,
            0,
        )
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
    fn slim_reading_keeps_the_compared_members_and_the_value_reading() {
        let contract = Contract::embedded("2023-12").unwrap();
        let body = r#"{"resultDesc":"x","resultCode":"0100000","resultDesc":[
            {"agentId":3,"currentState":4,"extra":{"deep":[1]},"currentState":5},[1],null,
            {"agentId":"4"}],"other":[{"a":1}]}"#;
        let answer = answer(&contract, &exchange("{}", 200, body)).unwrap();
        let record = &answer.agents[&3];
        assert_eq!(record.index, 0);
        let mut kept = Record::default();
        kept.keep("agentId", serde_json::json!(3));
        kept.keep("currentState", serde_json::json!(5));
        assert_eq!(record.record, kept);
        assert_eq!(answer.agents.len(), 1);
        for (body, malformed) in [
            (
                r#"{"resultCode":"0100000","resultDesc":{"agentId":3}}"#,
                true,
            ),
            (r#"{"resultCode":"0100000"}"#, true),
            (r#"[{"resultCode":"0100000"}]"#, false),
            (r#"{"resultCode":100000,"resultDesc":[]}"#, false),
        ] {
            let read = super::answer(&contract, &exchange("{}", 200, body));
            assert_eq!(
                matches!(read, Err(Unusable::Malformed(_))),
                malformed,
                "{body}: {read:?}"
            );
            assert!(read.is_err(), "{body}");
        }
        // A defect around the JSON is judged by its own check; the agents are still read.
        let trailing = r#"{"resultCode":"0100000","resultDesc":[{"agentId":3}]} x"#;
        let read = super::answer(&contract, &exchange("{}", 200, trailing)).unwrap();
        assert!(read.agents.contains_key(&3));
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
