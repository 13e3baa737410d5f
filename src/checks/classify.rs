//! The classifier: what an answer looks like, independent of what was expected (a success, a
//! rejection, a 401, a method refusal), and why it is none of them when it is not.

use serde_json::Value;

use super::{json, model};
use crate::cases::Outcome;
use crate::contract::{Contract, Profile};
use crate::exchange::{Exchange, Received};

/// What an answer looks like, independent of what was expected: a success, a rejection, a 401,
/// a method refusal. `None` when it is none of these (a 5xx, garbage, no answer).
pub fn classify(contract: &Contract, exchange: &Exchange) -> Option<Outcome> {
    let received = exchange.response.as_ref().ok()?;
    // A body cut at the cap is never one whole JSON value: it is classified by its status
    // alone, without parsing the cut body (a 32 MiB one built a tree of some 250 MB).
    let read = ((200..300).contains(&received.status) && !received.truncated)
        .then(|| json::read_answer(&received.body));
    classify_parsed(
        contract.profile(),
        received,
        read.as_ref().and_then(json::AnswerJson::value),
    )
}

pub(super) fn classify_parsed(
    profile: &Profile,
    received: &Received,
    body: Option<&Value>,
) -> Option<Outcome> {
    match received.status {
        401 => Some(Outcome::Unauthenticated),
        404 | 405 | 501 => Some(Outcome::NotAllowedMethod),
        400..=499 => Some(Outcome::Rejected),
        200..=299 => {
            let codes = &profile.result_codes;
            let body = body?.as_object()?;
            match body.get("resultCode").and_then(Value::as_str) {
                Some(code) if code == codes.success => Some(Outcome::Accepted),
                Some(_) if received.status == 200 => Some(Outcome::Rejected),
                Some(_) => None,
                None if body.get("result").and_then(Value::as_str)
                    == Some(&codes.result_success) =>
                {
                    Some(Outcome::Accepted)
                }
                // The Spring framework shape of notes:4, answered 200: a rejection.
                None if body.contains_key("error") && !body.contains_key("resultDesc") => {
                    Some(Outcome::Rejected)
                }
                None => None,
            }
        }
        _ => None,
    }
}

/// Why `classify` recognised nothing, for the message of [`status::UNRECOGNISED`].
pub(super) fn unrecognised_reason(received: &Received, body: Option<&Value>) -> String {
    if (300..400).contains(&received.status) {
        // The client never follows a redirect (the signature must not travel to another host).
        let to: String = received
            .header("location")
            .unwrap_or("no Location")
            .chars()
            .take(200)
            .collect();
        return format!(
            ": HTTP {} is a redirect (to {to}), not followed: this interface answers in place",
            received.status
        );
    }
    if !(200..300).contains(&received.status) {
        return format!(
            ": HTTP {} is no answer this interface gives",
            received.status
        );
    }
    let Some(body) = body else {
        return if received.body.trim_ascii().is_empty() {
            ": the body is empty".into()
        } else {
            ": the body is not JSON".into()
        };
    };
    let Some(map) = body.as_object() else {
        let kind = match body {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        };
        return format!(": the body is {kind}, not an object");
    };
    match map.get("resultCode") {
        Some(code) => format!(
            ": /resultCode is {}, not a string",
            model::truncate(&code.to_string(), 40)
        ),
        None => ": the body has no resultCode".into(),
    }
}
