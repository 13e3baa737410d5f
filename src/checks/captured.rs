//! One exchange captured elsewhere, judged offline (what `cmsconform check` does): the
//! expectation a request body carries, the exchange rebuilt from the two bodies, and the
//! violations rendered like compiler diagnostics. Every rule lives in the sibling modules.

use serde_json::Value;

use super::model::Violation;
use crate::cases::{Expectation, Outcome};
use crate::contract::{Contract, SchemaKind};
use crate::exchange::{Exchange, Received, SentRequest};

/// What the contract expects for this request body: a valid request is accepted (an empty
/// `agentIds` either way, notes:6.2), anything else rejected (notes:6.1). A body with duplicate
/// member names or a leading BOM may be read either way by a server (notes:6.12, RFC 8259
/// §8.1), so either is allowed.
pub fn expectation_for(contract: &Contract, request_body: &[u8]) -> Expectation {
    // RFC 8259 §8.1 lets a parser ignore a BOM or refuse it: a request the server would
    // otherwise accept may go either way (notes:6, "where a server may choose").
    if let Some(rest) = request_body.strip_prefix(super::json::UTF8_BOM) {
        return match expectation_for(contract, rest) {
            Expectation::One(Outcome::Rejected) => Expectation::One(Outcome::Rejected),
            _ => Expectation::EitherOf {
                either_of: vec![Outcome::Accepted, Outcome::Rejected],
            },
        };
    }
    let strict = super::json::parse_strict(request_body);
    let Ok(body) = &strict.value else {
        return Expectation::One(Outcome::Rejected);
    };
    let either = Expectation::EitherOf {
        either_of: vec![Outcome::Accepted, Outcome::Rejected],
    };
    // An integer written `1.0` or `1e3` may be read as that integer or refused: either way
    // is allowed when the request is valid read as integers. `1.5` or an out-of-range
    // `0.0` stays a request to reject (notes:6.1).
    // Duplicate names: first-wins and last-wins servers read different requests.
    if !strict.duplicates.is_empty() {
        return either;
    }
    let (as_integers, other_form) = crate::json::integers_in_other_form(contract, body);
    if !contract.is_valid(SchemaKind::Request, &as_integers) {
        return Expectation::One(Outcome::Rejected);
    }
    if other_form {
        return either;
    }
    let empty_either = contract
        .request_shape()
        .property("agentIds")
        .is_some_and(|s| s.empty_either);
    let empty = body
        .get("agentIds")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    if empty && empty_either {
        either
    } else {
        Expectation::One(Outcome::Accepted)
    }
}

/// The exchange as captured: a signed POST of `request_body`, answered with `status`.
pub fn captured_exchange(
    contract: &Contract,
    request_body: Vec<u8>,
    status: u16,
    content_type: &str,
    response_body: Vec<u8>,
    at_ms: i64,
) -> Exchange {
    let request = SentRequest {
        headers: vec![(
            "content-type".into(),
            "application/json; charset=UTF-8".into(),
        )],
        ..SentRequest::post(contract.profile().path.clone(), request_body)
    };
    let response = Received {
        headers: vec![("content-type".into(), content_type.to_owned())],
        ..Received::new(status, response_body)
    };
    Exchange::new(request, Ok(response), at_ms, at_ms)
}

/// Renders violations as diagnostics, then a one-line summary.
pub fn render_text(violations: &[Violation]) -> String {
    let mut out = String::new();
    for v in violations {
        out.push_str(&v.to_string());
        out.push('\n');
    }
    let failures = violations.iter().filter(|v| v.is_failure()).count();
    let infos = violations.len() - failures;
    let verdict = if failures == 0 {
        "conformant"
    } else {
        "non-conformant"
    };
    out.push_str(&format!(
        "{verdict}: {failures} failure(s), {infos} note(s)\n"
    ));
    out
}
