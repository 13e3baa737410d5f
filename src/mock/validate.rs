//! Request-body validation, exactly as the checks read the contract: the body must be JSON as
//! the checks' strict reader ([`crate::json`]) reads it (else a Spring 400), must not repeat a
//! member name, must write its Integer members as plain integers (not `2.0` or `2e0`,
//! notes:6.12), and must pass the profile's request
//! schema (`Contract::is_valid(SchemaKind::Request, ..)`, no limit hard-coded here); a failure
//! is the vendor's HTTP 200 `0100002`. Off-by-one limit mutations bend the schema's verdict at
//! one bound. Owns nothing about HTTP or the fleet.

use serde_json::Value;

use super::mutations::{Bound, Limit, Mutation};
use crate::contract::{Contract, Range, SchemaKind};
use crate::json::{JsonError, integers_in_other_form, integral, parse_strict};

/// A request the mock answers with agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRequest {
    pub cc_id: i64,
    pub vdn: i64,
    /// As sent, duplicates included.
    pub agent_ids: Vec<i64>,
}

/// Why a body is not answered with agents.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// Not JSON at all (Spring's HttpMessageNotReadableException, HTTP 400).
    NotJson(String),
    /// JSON, but not a valid request (the vendor's HTTP 200 0100002). Holds the parsed body.
    Invalid(Value),
}

/// True when `body` is JSON (read strictly) in which no object names a member twice.
pub fn has_unique_members(body: &[u8]) -> bool {
    let strict = parse_strict(body);
    strict.value.is_ok() && strict.duplicate_count == 0
}

/// A cheap typed check for the common request shape, proving validity without building a
/// [`Value`] or running the schema: three integer members (no other, none repeated), each within
/// the profile's limits. It only ever says "valid"; anything it cannot prove goes to
/// [`validate`]. Enabled only when the request schema agrees with it at every bound it reads
/// (probed once at start-up), so the two can never give different verdicts on what it accepts.
#[derive(Debug, Clone)]
pub struct FastCheck {
    cc_id: Range,
    vdn: Range,
    max_items: usize,
    id_ranges: Vec<Range>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedRequest {
    #[serde(rename = "ccId")]
    cc_id: i64,
    vdn: i64,
    #[serde(rename = "agentIds")]
    agent_ids: Vec<i64>,
}

impl FastCheck {
    /// `None` when the schema disagrees with the profile's limits at some probed bound.
    pub fn new(contract: &Contract) -> Option<FastCheck> {
        let l = &contract.profile().limits;
        let check = FastCheck {
            cc_id: l.cc_id,
            vdn: l.vdn,
            max_items: l.agent_ids.max_items,
            id_ranges: l.agent_ids.ranges.clone(),
        };
        let id = l.agent_ids.ranges.first()?.min;
        let body = |cc: i64, vdn: i64, ids: Vec<i64>| serde_json::json!({"ccId": cc, "vdn": vdn, "agentIds": ids});
        let mut probes = Vec::new();
        for cc in [l.cc_id.min - 1, l.cc_id.min, l.cc_id.max, l.cc_id.max + 1] {
            probes.push(body(cc, l.vdn.min, vec![id]));
        }
        for vdn in [l.vdn.min - 1, l.vdn.min, l.vdn.max, l.vdn.max + 1] {
            probes.push(body(l.cc_id.min, vdn, vec![id]));
        }
        for range in &l.agent_ids.ranges {
            for probe in [range.min - 1, range.min, range.max, range.max + 1] {
                probes.push(body(l.cc_id.min, l.vdn.min, vec![probe]));
            }
        }
        let max = l.agent_ids.max_items;
        for n in [max, max + 1] {
            probes.push(body(l.cc_id.min, l.vdn.min, vec![id; n]));
        }
        let agrees = probes.iter().all(|probe| {
            let fast = check.accept(probe.to_string().as_bytes()).is_some();
            fast == contract.is_valid(SchemaKind::Request, probe)
        });
        agrees.then_some(check)
    }

    /// The request, when the body is provably valid; `None` = not proven (ask [`validate`]).
    pub fn accept(&self, body: &[u8]) -> Option<ValidRequest> {
        // A derived struct also reads a JSON array (`[1,170,[1031]]`): only objects qualify.
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first != Some(&b'{') {
            return None;
        }
        let typed: TypedRequest = serde_json::from_slice(body).ok()?;
        let within = self.cc_id.contains(typed.cc_id)
            && self.vdn.contains(typed.vdn)
            && !typed.agent_ids.is_empty()
            && typed.agent_ids.len() <= self.max_items
            && typed
                .agent_ids
                .iter()
                .all(|&id| self.id_ranges.iter().any(|r| r.contains(id)));
        within.then_some(ValidRequest {
            cc_id: typed.cc_id,
            vdn: typed.vdn,
            agent_ids: typed.agent_ids,
        })
    }
}

/// Parses and validates a request body.
pub fn validate(
    contract: &Contract,
    body: &[u8],
    mutations: &[Mutation],
) -> Result<ValidRequest, Refusal> {
    let strict = parse_strict(body);
    let value = match strict.value {
        Ok(value) if strict.beyond_f64.is_none() => value,
        // A number beyond f64 is grammatical to the reader but not to Jackson: a 400 too.
        Ok(_) => return Err(Refusal::NotJson(not_json_message(body, None))),
        Err(e) => return Err(Refusal::NotJson(not_json_message(body, Some(&e)))),
    };
    if strict.duplicate_count > 0 {
        return Err(Refusal::Invalid(value));
    }
    // notes:6.12: an Integer member is written as a plain integer. JSON Schema would count
    // `2.0` and `2e0` as integers, so the schema alone would let them through.
    if integers_in_other_form(contract, &value).1 {
        return Err(Refusal::Invalid(value));
    }
    let judged = bend_limits(contract, &value, mutations);
    if let Some(judged) = judged.as_ref().map_or(Some(&value), |v| v.as_ref()) {
        if contract.is_valid(SchemaKind::Request, judged) {
            if let Some(request) = extract(&value) {
                return Ok(request);
            }
        }
    }
    Err(Refusal::Invalid(value))
}

/// The Spring 400's message, worded as serde_json words the fault (line and column, as the
/// mock always has); serde_json reads the body again only on this refusal path. Where it
/// reads the body after all (a reader-only fault), the strict reader's fault, by offset.
fn not_json_message(body: &[u8], fault: Option<&JsonError>) -> String {
    let detail = match serde_json::from_slice::<Value>(body) {
        Err(e) => format!(
            "{} at line {} column {}",
            classify(&e),
            e.line(),
            e.column()
        ),
        Ok(_) => fault.map_or_else(|| "number out of range".to_owned(), describe),
    };
    format!("JSON parse error: {detail}")
}

fn classify(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of input",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "invalid data",
        serde_json::error::Category::Io => "read error",
    }
}

fn describe(e: &JsonError) -> String {
    match e {
        JsonError::NotUtf8 { offset } => format!("invalid UTF-8 at byte {offset}"),
        JsonError::Bom => "byte-order mark at byte 0".to_owned(),
        JsonError::Nul { offset } => format!("NUL byte at byte {offset}"),
        JsonError::Syntax { offset, message } => format!("{message} at byte {offset}"),
        JsonError::Trailing { offset } => format!("trailing data at byte {offset}"),
        JsonError::TooDeep { offset } => format!("nesting too deep at byte {offset}"),
    }
}

/// The three members, read leniently (no range check): used for valid requests and by the
/// `accept-invalid` mutation.
pub fn extract(value: &Value) -> Option<ValidRequest> {
    let lenient = |v: &Value| integral(v).or_else(|| v.as_str()?.trim().parse().ok());
    let ids = value.get("agentIds")?.as_array()?;
    Some(ValidRequest {
        cc_id: lenient(value.get("ccId")?)?,
        vdn: lenient(value.get("vdn")?)?,
        agent_ids: ids.iter().filter_map(lenient).collect(),
    })
}

/// Applies the off-by-one limit mutations: `None` = judge the body as is; `Some(None)` =
/// reject; `Some(Some(v))` = judge `v` instead (the out-of-range value moved back in range).
fn bend_limits(
    contract: &Contract,
    value: &Value,
    mutations: &[Mutation],
) -> Option<Option<Value>> {
    let limits = &contract.profile().limits;
    let mut bent: Option<Value> = None;
    for m in mutations {
        let (limit, bound, accepts) = match *m {
            Mutation::AcceptsOutside(l, b) => (l, b, true),
            Mutation::RejectsEdge(l, b) => (l, b, false),
            _ => continue,
        };
        let current = bent.clone().unwrap_or_else(|| value.clone());
        let scalar = |name: &str, range: crate::contract::Range| -> Option<Option<Value>> {
            let v = integral(current.get(name)?)?;
            let (edge, outside) = match bound {
                Bound::Min => (range.min, range.min - 1),
                Bound::Max => (range.max, range.max + 1),
            };
            if !accepts && v == edge {
                return Some(None);
            }
            if accepts && v == outside {
                let mut moved = current.clone();
                moved[name] = Value::from(edge);
                return Some(Some(moved));
            }
            None
        };
        let verdict = match limit {
            Limit::CcId => scalar("ccId", limits.cc_id),
            Limit::Vdn => scalar("vdn", limits.vdn),
            Limit::AgentIdCount => {
                let n = current
                    .get("agentIds")
                    .and_then(Value::as_array)
                    .map(Vec::len);
                match n {
                    Some(n) if !accepts && n == limits.agent_ids.max_items => Some(None),
                    Some(n) if accepts && n == limits.agent_ids.max_items + 1 => {
                        let mut moved = current.clone();
                        if let Some(ids) = moved["agentIds"].as_array_mut() {
                            ids.pop();
                        }
                        Some(Some(moved))
                    }
                    _ => None,
                }
            }
            Limit::AgentId => {
                let ranges = &limits.agent_ids.ranges;
                let (edge, outside) = match bound {
                    Bound::Min => {
                        let min = ranges.iter().map(|r| r.min).min().unwrap_or(0);
                        (min, min - 1)
                    }
                    Bound::Max => {
                        let max = ranges.iter().map(|r| r.max).max().unwrap_or(0);
                        (max, max + 1)
                    }
                };
                let ids = current.get("agentIds").and_then(Value::as_array);
                let ids: Vec<Option<i64>> = ids.into_iter().flatten().map(integral).collect();
                if !accepts && ids.contains(&Some(edge)) {
                    Some(None)
                } else if accepts && ids.contains(&Some(outside)) {
                    let mut moved = current.clone();
                    if let Some(list) = moved["agentIds"].as_array_mut() {
                        for id in list.iter_mut() {
                            if integral(id) == Some(outside) {
                                *id = Value::from(edge);
                            }
                        }
                    }
                    Some(Some(moved))
                } else {
                    None
                }
            }
        };
        match verdict {
            Some(None) => return Some(None),
            Some(Some(v)) => bent = Some(v),
            None => {}
        }
    }
    bent.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract() -> Contract {
        Contract::embedded("2023-12").unwrap()
    }

    #[test]
    fn clean_validation_follows_the_schema() {
        let c = contract();
        let ok = validate(&c, br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#, &[]);
        assert_eq!(ok.unwrap().agent_ids, vec![1031, 1099]);
        assert!(matches!(validate(&c, b"{", &[]), Err(Refusal::NotJson(_))));
        assert!(matches!(validate(&c, b"", &[]), Err(Refusal::NotJson(_))));
        // The Spring 400's wording is serde_json's, as before the strict reader.
        let truncated = validate(&c, br#"{"ccId":1,"vdn":170,"agentIds":[1031"#, &[]);
        assert_eq!(
            truncated,
            Err(Refusal::NotJson(
                "JSON parse error: unexpected end of input at line 1 column 36".into()
            ))
        );
        let huge = validate(&c, br#"{"ccId":1e400,"vdn":170,"agentIds":[1031]}"#, &[]);
        assert!(
            matches!(huge, Err(Refusal::NotJson(ref m)) if m.starts_with("JSON parse error: syntax error")),
            "{huge:?}"
        );
        for bad in [
            r#"{"ccId":0,"vdn":170,"agentIds":[]}"#,
            r#"{"ccId":"1","vdn":170,"agentIds":[1031]}"#,
            r#"{"ccId":1,"ccId":1,"vdn":170,"agentIds":[1031]}"#,
            r#"[1,170,[1031]]"#,
            r#"{"ccId":1,"vdn":170,"agentIds":[1031.5]}"#,
        ] {
            assert!(
                matches!(validate(&c, bad.as_bytes(), &[]), Err(Refusal::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn integer_members_in_another_form_are_invalid() {
        let c = contract();
        for bad in [
            r#"{"ccId":1,"vdn":2.0,"agentIds":[1031]}"#,
            r#"{"ccId":1,"vdn":2e0,"agentIds":[1031]}"#,
            r#"{"ccId":1.0,"vdn":170,"agentIds":[1031]}"#,
            r#"{"ccId":1,"vdn":170,"agentIds":[1031,1.099e3]}"#,
        ] {
            assert!(
                matches!(validate(&c, bad.as_bytes(), &[]), Err(Refusal::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn fast_check_only_accepts_what_the_schema_accepts() {
        let profiles = Contract::profile_names(&crate::contract::DataSource::schemas()).unwrap();
        for profile in &profiles {
            let c = Contract::embedded(profile).unwrap();
            let fast = FastCheck::new(&c).expect("schema agrees with the profile's limits");
            for body in [
                r#"{"ccId":1,"vdn":170,"agentIds":[1031,1099,1031]}"#,
                r#"{"ccId":1,"vdn":170,"agentIds":[1031],"extra":1}"#,
                r#"{"ccId":1,"ccId":2,"vdn":170,"agentIds":[1031]}"#,
                r#"{"ccId":1,"vdn":170,"agentIds":[1031.0]}"#,
                r#"{"ccId":1,"vdn":170,"agentIds":[]}"#,
                r#"{"ccId":0,"vdn":170,"agentIds":[1031]}"#,
                r#"{"ccId":1,"vdn":170,"agentIds":[100]}"#,
                r#"{"ccId":1,"vdn":170,"agentIds":[70000]}"#,
                r#"{"ccId":"1","vdn":170,"agentIds":[1031]}"#,
                r#"[1,170,[1031]]"#,
                r#" [1,170,[1031]]"#,
            ] {
                if let Some(request) = fast.accept(body.as_bytes()) {
                    assert_eq!(validate(&c, body.as_bytes(), &[]), Ok(request), "{body}");
                }
            }
            let ok = br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099,1031]}"#;
            assert!(fast.accept(ok).is_some());
        }
    }

    #[test]
    fn limit_mutations_bend_one_bound() {
        let c = contract();
        let max = c.profile().limits.cc_id.max;
        let body = |cc: i64| format!(r#"{{"ccId":{cc},"vdn":1,"agentIds":[101]}}"#);
        let above = Mutation::AcceptsOutside(Limit::CcId, Bound::Max);
        let at = Mutation::RejectsEdge(Limit::CcId, Bound::Max);
        assert!(validate(&c, body(max + 1).as_bytes(), &[]).is_err());
        assert_eq!(
            validate(&c, body(max + 1).as_bytes(), &[above])
                .unwrap()
                .cc_id,
            max + 1
        );
        assert!(validate(&c, body(max).as_bytes(), &[at]).is_err());
        assert!(validate(&c, body(max - 1).as_bytes(), &[at]).is_ok());
        let top = Mutation::RejectsEdge(Limit::AgentId, Bound::Max);
        assert!(validate(&c, br#"{"ccId":1,"vdn":1,"agentIds":[59999]}"#, &[top]).is_err());
    }
}
