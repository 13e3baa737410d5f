//! Rules on the body envelope of one answer: schema conformance (success and failure schemas),
//! result/resultCode consistency, resultDatas ≡ resultDesc, unknown members, and the shape of
//! a rejection (notes:4, 6.1, 6.5, 6.10, seed Table 3). Agent objects are judged in `agents`.

use serde_json::Value;

use super::model::{CheckDef, Severity, Violation, check_def, truncate};
use crate::contract::{Contract, Profile, SchemaKind};

check_def!(
    SCHEMA,
    "CMS-RESP-001",
    "seed:table3",
    Failure,
    "A success body matches the success schema"
);
check_def!(
    RESULT_CODE,
    "CMS-RESP-002",
    "seed:table3",
    Failure,
    "result is \"0\" exactly when resultCode is the success code"
);
check_def!(
    DATAS_DESC,
    "CMS-RESP-003",
    "notes:6.5",
    Failure,
    "resultDatas equals resultDesc element by element"
);
check_def!(
    EXTRA_MEMBER,
    "CMS-RESP-004",
    "notes:6.10",
    Info,
    "Unknown extra members are allowed"
);
check_def!(
    REJ_AGENT_DATA,
    "CMS-REJ-001",
    "notes:6.1",
    Failure,
    "A rejection carries no agent data"
);
check_def!(
    REJ_SUCCESS_CODE,
    "CMS-REJ-002",
    "notes:6.1",
    Failure,
    "A rejection's resultCode is not the success code"
);
check_def!(
    REJ_OTHER_CODE,
    "CMS-REJ-003",
    "notes:6.1",
    Info,
    "A rejection's resultCode is 0100002 (invalid parameter)"
);
check_def!(
    REJ_4XX,
    "CMS-REJ-004",
    "notes:6.1",
    Info,
    "A rejection as HTTP 4xx rather than 200 is allowed"
);
check_def!(
    REJ_SCHEMA,
    "CMS-REJ-005",
    "notes:4",
    Failure,
    "A 200 rejection body matches the failure schema"
);

/// Envelope members of a success (seed Table 3).
const SUCCESS_MEMBERS: [&str; 4] = ["result", "resultCode", "resultDatas", "resultDesc"];
/// Members a failure body may carry: the business shape and the Spring framework shape (notes:4).
const FAILURE_MEMBERS: [&str; 8] = [
    "result",
    "resultCode",
    "resultDesc",
    "timestamp",
    "status",
    "error",
    "message",
    "path",
];

/// Schema violations of `body`, minus those a specific rule already reported at the same
/// pointer (specific beats generic). Agents get [`super::agents::SCHEMA`], the envelope `def`.
pub fn check_schema(
    contract: &Contract,
    kind: SchemaKind,
    body: &Value,
    specific: &[Violation],
) -> Vec<Violation> {
    if contract.is_valid(kind, body) {
        return Vec::new();
    }
    // A set, not a scan: a hostile body can carry tens of thousands of both.
    let reported: std::collections::HashSet<&str> = specific
        .iter()
        .filter(|s| s.is_failure())
        .map(|s| s.pointer.as_str())
        .collect();
    let mut out: Vec<Violation> = Vec::new();
    for issue in contract.schema_issues(kind, body) {
        let ptr = issue.instance_pointer.as_str();
        // resultDatas mirrors resultDesc (notes:6.5): the agent rules read resultDesc only.
        let mirrored = ptr
            .strip_prefix("/resultDatas/")
            .map(|rest| format!("/resultDesc/{rest}"));
        // A `required` issue sits on the parent; the specific rule on the missing member.
        let missing = (issue.keyword == "required")
            .then(|| issue.message.split('"').nth(1))
            .flatten();
        let covered = |at: &str| match missing {
            Some(name) => reported.contains(format!("{at}/{name}").as_str()),
            None => reported.contains(at),
        };
        if covered(ptr) || mirrored.as_deref().is_some_and(covered) {
            continue;
        }
        // seed Table 3 ("other values: failure") and notes:6.1 ("another failure code is
        // reported as information"): a code outside the seven-digit form of the Error Code
        // Reference is [`REJ_OTHER_CODE`] information, not a shape fault.
        if kind == SchemaKind::Failure && ptr == "/resultCode" && issue.keyword == "pattern" {
            continue;
        }
        let in_agent = ["/resultDesc/", "/resultDatas/"]
            .iter()
            .any(|p| ptr.starts_with(p));
        let def = match kind {
            SchemaKind::Failure => &REJ_SCHEMA,
            _ if in_agent => &super::agents::SCHEMA,
            _ => &SCHEMA,
        };
        let mut v = Violation::new(
            def,
            ptr,
            format!("{} (schema {})", issue.message, issue.evaluation_path),
        );
        if let Some(value) = body.pointer(ptr) {
            v = v.with_value(value);
        }
        out.push(v);
    }
    out
}

/// seed Table 3 / notes:4: `result` "0" and `resultCode` success go together.
pub fn check_result_consistency(profile: &Profile, body: &Value) -> Option<Violation> {
    let codes = &profile.result_codes;
    let result = body.get("result")?.as_str()?;
    let code = body.get("resultCode")?.as_str()?;
    let result_ok = result == codes.result_success;
    let code_ok = code == codes.success;
    (result_ok != code_ok).then(|| {
        Violation::new(
            &RESULT_CODE,
            "/result",
            format!("result {result:?} does not agree with resultCode {code:?}"),
        )
        .with_value(format!("{result:?}"))
    })
}

/// notes:6.5: the compatibility copy equals the answer, element by element.
pub fn check_datas_equal_desc(body: &Value) -> Vec<Violation> {
    let (Some(Value::Array(datas)), Some(Value::Array(desc))) =
        (body.get("resultDatas"), body.get("resultDesc"))
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if datas.len() != desc.len() {
        out.push(
            Violation::new(
                &DATAS_DESC,
                "/resultDatas",
                format!(
                    "resultDatas holds {} agents, resultDesc {}",
                    datas.len(),
                    desc.len()
                ),
            )
            .with_value(datas.len()),
        );
    }
    for (i, (d, e)) in datas.iter().zip(desc).enumerate() {
        if same_json(d, e) {
            continue;
        }
        let violation = match first_difference(d, e) {
            Some((member, left, right)) => Violation::new(
                &DATAS_DESC,
                format!("/resultDatas/{i}/{}", escape_pointer(member)),
                format!(
                    "differs from /resultDesc/{i}/{member}, which is {}",
                    truncate(&right, 60)
                ),
            )
            .with_value(left),
            None => Violation::new(
                &DATAS_DESC,
                format!("/resultDatas/{i}"),
                format!("differs from /resultDesc/{i}"),
            )
            .with_value(d),
        };
        out.push(violation);
    }
    out
}

/// `a == b`, tried first member by member in order: one serializer writes both arrays, so
/// their members come in the same order, and comparing them so needs no hashing. Objects in
/// another order fall back to the order-free comparison.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && (left
                    .iter()
                    .zip(right)
                    .all(|((k, v), (l, w))| k == l && same_json(v, w))
                    || left == right)
        }
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(v, w)| same_json(v, w))
        }
        _ => a == b,
    }
}

/// The first member (in `datas` order, then members only `desc` has) whose values differ,
/// rendered as JSON ("absent" when one side lacks it). `None` unless both are objects.
fn first_difference<'a>(datas: &'a Value, desc: &'a Value) -> Option<(&'a str, String, String)> {
    let (Value::Object(left), Value::Object(right)) = (datas, desc) else {
        return None;
    };
    let render = |v: Option<&Value>| v.map_or_else(|| "absent".to_owned(), Value::to_string);
    left.iter()
        .map(|(k, v)| (k, Some(v), right.get(k)))
        .chain(
            right
                .iter()
                .filter(|(k, _)| !left.contains_key(*k))
                .map(|(k, v)| (k, None, Some(v))),
        )
        .find(|(_, l, r)| l != r)
        .map(|(k, l, r)| (k.as_str(), render(l), render(r)))
}

fn escape_pointer(member: &str) -> String {
    member.replace('~', "~0").replace('/', "~1")
}

/// notes:6.10: members beyond the known ones, information only.
pub fn check_extra_members(body: &Value, known: &[&str]) -> Vec<Violation> {
    let Some(map) = body.as_object() else {
        return Vec::new();
    };
    let limit = super::agents::MAX_EXTRA_NAMES_REPORTED;
    let unknown: Vec<&String> = map
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    let mut out: Vec<Violation> = unknown
        .iter()
        .take(limit)
        .map(|k| {
            Violation::new(
                &EXTRA_MEMBER,
                format!("/{}", k.replace('~', "~0").replace('/', "~1")),
                format!("unknown member {} (allowed)", truncate(k, 80)),
            )
        })
        .collect();
    if unknown.len() > limit {
        out.push(
            Violation::new(
                &EXTRA_MEMBER,
                "",
                format!(
                    "{} more unknown member names not listed (allowed)",
                    unknown.len() - limit
                ),
            )
            .with_value(unknown.len()),
        );
    }
    out
}

/// All envelope rules of a success body.
pub fn check_success_envelope(contract: &Contract, body: &Value) -> Vec<Violation> {
    let mut out: Vec<Violation> = check_result_consistency(contract.profile(), body)
        .into_iter()
        .collect();
    out.extend(check_datas_equal_desc(body));
    out.extend(check_extra_members(body, &SUCCESS_MEMBERS));
    out
}

/// notes:6.1 "no agent data": a non-empty array, or one object that holds agent members.
/// Any other non-string `resultDesc` (e.g. `{"message": ..}`) is a shape fault the failure
/// schema reports (notes:4), not agent data.
pub(crate) fn has_agent_data(body: &Value) -> Option<&'static str> {
    let is_agent = |map: &serde_json::Map<String, Value>| {
        super::agents::MEMBERS.iter().any(|m| map.contains_key(*m))
    };
    ["resultDesc", "resultDatas"]
        .into_iter()
        .find(|name| match body.get(*name) {
            Some(Value::Array(items)) => !items.is_empty(),
            Some(Value::Object(map)) => is_agent(map),
            _ => false,
        })
}

/// notes:6.1: a rejection carries no agent data and a failure resultCode (0100002 expected).
/// `body` is the answer when it is JSON; a 4xx with any other body is a fine rejection.
pub fn check_rejection(profile: &Profile, status: u16, body: Option<&Value>) -> Vec<Violation> {
    let mut out = Vec::new();
    if status != 200 {
        out.push(
            Violation::new(
                &REJ_4XX,
                "status",
                format!("rejected with HTTP {status} rather than 200 and a failure code (allowed)"),
            )
            .with_value(status),
        );
    }
    let Some(body) = body else { return out };
    if let Some(name) = has_agent_data(body) {
        let mut v = Violation::new(
            &REJ_AGENT_DATA,
            format!("/{name}"),
            "a rejection must not carry agent data",
        );
        if let Some(data) = body.get(name) {
            v = v.with_value(data);
        }
        out.push(v);
    }
    let codes = &profile.result_codes;
    match body.get("resultCode").and_then(Value::as_str) {
        Some(code) if code == codes.success => out.push(
            Violation::new(
                &REJ_SUCCESS_CODE,
                "/resultCode",
                "a rejection carries the success resultCode",
            )
            .with_value(format!("{code:?}")),
        ),
        Some(code) if code != codes.invalid_parameter => {
            let meaning = codes.known.get(code).map_or("unknown code", String::as_str);
            out.push(
                Violation::new(
                    &REJ_OTHER_CODE,
                    "/resultCode",
                    format!(
                        "rejected with resultCode {code} ({meaning}) rather than {}",
                        codes.invalid_parameter
                    ),
                )
                .with_value(format!("{code:?}")),
            );
        }
        _ => {}
    }
    if status == 200 {
        out.extend(check_extra_members(body, &FAILURE_MEMBERS));
    }
    out
}

#[cfg(test)]
mod datas_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_differing_copy_points_at_the_member() {
        let agent = json!({"agentId": 1031, "agentRelease": 0});
        let copy = json!({"agentId": 1031, "agentRelease": 1});
        let body = json!({"resultDatas": [copy], "resultDesc": [agent]});
        let found = check_datas_equal_desc(&body);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/resultDatas/0/agentRelease");
        assert_eq!(found[0].value.as_deref(), Some("1"));
        assert!(
            found[0].message.contains("which is 0"),
            "{}",
            found[0].message
        );
        let missing = json!({"resultDatas": [{"agentId": 1031}], "resultDesc": [{"agentId": 1031, "x/y": 2}]});
        assert_eq!(
            check_datas_equal_desc(&missing)[0].pointer,
            "/resultDatas/0/x~1y"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_json_is_equality_whatever_the_member_order() {
        let a = json!({"agentId": 1, "x": [1, {"p": 1, "q": 2}]});
        let reordered = json!({"x": [1, {"q": 2, "p": 1}], "agentId": 1});
        let changed = json!({"agentId": 1, "x": [1, {"p": 1, "q": 3}]});
        assert!(same_json(&a, &a.clone()));
        assert!(same_json(&a, &reordered));
        assert!(!same_json(&a, &changed));
        assert!(!same_json(&json!([1, 2]), &json!([2, 1])));
        assert!(!same_json(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }
}
