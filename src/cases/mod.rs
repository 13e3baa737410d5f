//! Cases: the requests the harness sends and what the contract expects of each answer.
//! Hand-written cases are files under `cases/` (format: `schemas/case.schema.json`); generated
//! and property cases are built from the contract's request shape. This module owns the case
//! model and the file loader; it knows nothing of HTTP or of checks.

mod expectation;
pub mod generate;
mod home;
mod load;

pub use expectation::{Expectation, Outcome};
pub use home::{Field, HomePair};
pub use load::{load_cases, parse_case};

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::ContractError;

/// How a case authenticates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// A valid auth-v2 signature.
    #[default]
    Signed,
    /// No Authorization header: an authentication probe.
    None,
    /// A well-formed header with a wrong signature: an authentication probe.
    BadSignature,
    /// The `Authorization` the server accepted in the run's preflight, sent again with this
    /// case's (different) body: a probe that the signature covers the body and is not cached.
    Replay,
    /// Signed with the right credentials under a timestamp a day old: an authentication probe.
    ExpiredTimestamp,
    /// Signed with the right secret under an access key the server cannot know: a probe.
    WrongAk,
    /// An `Authorization` value that is not auth-v2 shaped: an authentication probe.
    Malformed,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeaderEdits {
    /// Headers to set, replacing the harness's own (e.g. `Content-Type`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, String>,
    /// Header names not to send.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drop: Vec<String>,
}

impl HeaderEdits {
    /// True when these edits add, replace or drop `Authorization` (any letter case): the
    /// request then no longer carries the harness's own signature.
    pub fn touch_authorization(&self) -> bool {
        self.add
            .keys()
            .chain(&self.drop)
            .any(|name| name.trim().eq_ignore_ascii_case("authorization"))
    }
}

/// Why the harness's own signature over a request may be read another way by a correct server
/// (notes:3), so that a 401 to it says nothing of the run's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmbiguousSigning {
    /// No body: implementations end the canonical request of an empty body with or without
    /// the newline after `canonicalHeaders`.
    EmptyBody,
    /// A body that is not UTF-8: a server that reads the body as text (the vendor's Java demo
    /// does) signs over the decoded text, replacement characters and all, not the raw bytes.
    NotUtf8,
}

impl AmbiguousSigning {
    /// How signing `body` may be read two ways, if it may.
    pub fn of_body(body: &[u8]) -> Option<AmbiguousSigning> {
        if body.is_empty() {
            Some(AmbiguousSigning::EmptyBody)
        } else if std::str::from_utf8(body).is_err() {
            Some(AmbiguousSigning::NotUtf8)
        } else {
            None
        }
    }

    /// The two readings, for a finding about a 401 to such a request.
    pub fn readings(self) -> &'static str {
        match self {
            AmbiguousSigning::EmptyBody => {
                "the canonical request of an empty body ends after canonicalHeaders or with one \
                 newline more (notes:3), and implementations read it either way"
            }
            AmbiguousSigning::NotUtf8 => {
                "a body that is not UTF-8 is signed over its raw bytes or over the text a server \
                 decodes from it (notes:3), and implementations read it either way"
            }
        }
    }
}

/// [`CaseRequest::carries_own_signature`] for a request already laid out as bytes (what the
/// client sees): signed by the harness, no edit of `Authorization`, a body whose signing has
/// one reading (not empty, UTF-8).
pub fn carries_own_signature(auth: AuthMode, edits: &HeaderEdits, body: &[u8]) -> bool {
    auth == AuthMode::Signed
        && !edits.touch_authorization()
        && AmbiguousSigning::of_body(body).is_none()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseRequest {
    #[serde(default = "post")]
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default)]
    pub auth: AuthMode,
    #[serde(default, skip_serializing_if = "is_default_edits")]
    pub headers: HeaderEdits,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<JsonBody>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_body_base64: Option<String>,
}

fn post() -> String {
    "POST".to_owned()
}

fn is_default_edits(e: &HeaderEdits) -> bool {
    e.add.is_empty() && e.drop.is_empty()
}

impl CaseRequest {
    /// A signed POST of `body`.
    pub fn json(body: Value) -> Self {
        CaseRequest {
            method: post(),
            path: None,
            auth: AuthMode::Signed,
            headers: HeaderEdits::default(),
            body: Some(JsonBody::new(&body)),
            raw_body: None,
            raw_body_base64: None,
        }
    }

    /// True when the request goes out with the harness's own valid signature, read one way by
    /// every correct server: signed, no header edit adds, replaces or drops `Authorization`
    /// (in any case), and a body that is neither empty nor anything but UTF-8. Every other
    /// request may be refused as unauthenticated by a correct server, so it counts against the
    /// run's one bad-auth budget (`--auth-probes`), and a 401 to it says nothing of the run's
    /// credentials.
    ///
    /// An empty body or one that is not UTF-8 is signed one way by the harness and read two
    /// ways by servers ([`AmbiguousSigning`]). Signing "the way such a server reads it" would
    /// guess; the budget does not guess, and the answer is judged the same either way (a
    /// refusal, notes:6.1).
    pub fn carries_own_signature(&self) -> bool {
        self.auth == AuthMode::Signed
            && !self.headers.touch_authorization()
            && self.ambiguous_signing().is_none()
    }

    /// Why a correct server may read the harness's valid signature over this request another
    /// way, if it may: only a signed request without `Authorization` edits.
    pub fn ambiguous_signing(&self) -> Option<AmbiguousSigning> {
        if self.auth != AuthMode::Signed || self.headers.touch_authorization() {
            return None;
        }
        // A JSON body is UTF-8 and never empty by construction; only raw bodies need reading.
        if self.body.is_some() {
            return None;
        }
        AmbiguousSigning::of_body(&self.body_bytes())
    }

    /// The bytes to send. `rawBodyBase64` was checked at load time.
    pub fn body_bytes(&self) -> Vec<u8> {
        if let Some(body) = &self.body {
            body.text().as_bytes().to_vec()
        } else if let Some(raw) = &self.raw_body {
            raw.as_bytes().to_vec()
        } else if let Some(b64) = &self.raw_body_base64 {
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap_or_default()
        } else {
            Vec::new()
        }
    }
}

/// A JSON request body, kept as the compact text that is sent. As a `Value` a 6000-ID body
/// costs about 80 bytes per ID, as text about 6: the default run's 256 property cases held
/// 16 MB of bodies, a quarter of its memory goal. Case files read and write it as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonBody(Box<str>);

impl JsonBody {
    pub fn new(value: &Value) -> JsonBody {
        // Serializing a `Value` cannot fail: its map keys are strings.
        JsonBody(value.to_string().into_boxed_str())
    }

    /// The compact JSON text, exactly the bytes sent.
    pub fn text(&self) -> &str {
        &self.0
    }

    /// The body as a `Value` (parsed anew; for tools and tests, not the send path).
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl Serialize for JsonBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonBody {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(|value| JsonBody::new(&value))
    }
}

/// Where a case came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "file")]
pub enum CaseOrigin {
    /// A hand-written case file.
    File(String),
    /// Derived from the contract's schemas.
    Generated,
    /// Drawn by the seeded property generator.
    Property,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    /// Stable id, also the libtest trial name (`boundary::ccId::max_plus_1`).
    pub id: String,
    pub title: String,
    /// Clause id from `schemas/clauses.json`.
    pub clause: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Profiles the case applies to; `None` = all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiles: Option<Vec<String>>,
    pub request: CaseRequest,
    pub expect: Expectation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip, default = "generated")]
    pub origin: CaseOrigin,
}

fn generated() -> CaseOrigin {
    CaseOrigin::Generated
}

impl Case {
    /// The case's family: the id's first `::` segment (`boundary`, `hand`, `property`, ...).
    pub fn family(&self) -> &str {
        self.id.split("::").next().unwrap_or(&self.id)
    }

    pub fn applies_to(&self, profile: &str) -> bool {
        self.profiles
            .as_ref()
            .is_none_or(|p| p.iter().any(|n| n == profile))
    }

    /// The case file's JSON (for writing regressions), with a `$schema` link.
    pub fn to_file_json(&self) -> Value {
        let mut json = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut json {
            map.insert(
                "$schema".into(),
                Value::String("../../schemas/case.schema.json".into()),
            );
        }
        json
    }
}

/// A case file that cannot be used, with where it went wrong.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{file}: not valid JSON at line {line}, column {column}: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: at {pointer}: {message}")]
    Invalid {
        file: String,
        pointer: String,
        message: String,
    },
    #[error("{file}: case id {id:?} is already used by {other}")]
    DuplicateId {
        file: String,
        id: String,
        other: String,
    },
    #[error(transparent)]
    Contract(#[from] ContractError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::Outcome;
    use crate::contract::{DataSource, standalone_validator};

    #[test]
    fn a_json_body_is_sent_compact_in_member_order_and_written_back_as_json() {
        let file = r#"{"method": "POST", "body": {"vdn": 170, "ccId": 1,
            "agentIds": [1031, 1099]}}"#;
        let request: CaseRequest = serde_json::from_str(file).unwrap();
        assert_eq!(
            request.body_bytes(),
            br#"{"vdn":170,"ccId":1,"agentIds":[1031,1099]}"#
        );
        let written = serde_json::to_value(&request).unwrap();
        assert_eq!(
            written["body"],
            serde_json::json!({"vdn": 170, "ccId": 1, "agentIds": [1031, 1099]})
        );
    }

    #[test]
    fn embedded_hand_cases_load() {
        let cases = load_cases(&DataSource::cases()).unwrap();
        let seed = cases.iter().find(|c| c.id == "hand::seed_example").unwrap();
        assert_eq!(seed.expect, Expectation::One(Outcome::Accepted));
        assert_eq!(
            seed.request.body_bytes(),
            br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#
        );
        assert!(
            cases
                .iter()
                .all(|c| c.family() == "hand" || c.family() == "regression")
        );
    }

    #[test]
    fn only_a_signed_request_with_its_own_authorization_and_a_nonempty_utf8_body_carries_the_harness_signature()
     {
        let signed = CaseRequest::json(serde_json::json!({"ccId": 1}));
        assert!(signed.carries_own_signature());
        let with = |edit: fn(&mut CaseRequest)| {
            let mut request = signed.clone();
            edit(&mut request);
            request.carries_own_signature()
        };
        assert!(!with(|r| r.auth = AuthMode::None));
        assert!(!with(|r| r.auth = AuthMode::Replay));
        assert!(!with(|r| r.headers.drop.push("AUTHORIZATION".into())));
        assert!(!with(|r| {
            r.headers
                .add
                .insert("Authorization".into(), "Bearer x".into());
        }));
        assert!(with(|r| r.headers.drop.push("content-type".into())));
        assert!(!with(|r| {
            r.body = None;
            r.raw_body_base64 = Some("/w==".into()); // 0xFF
        }));
        assert!(with(|r| {
            r.body = None;
            r.raw_body_base64 = Some("e30=".into()); // {}
        }));
        assert!(!with(|r| r.body = None), "an empty body is signed two ways");
        assert!(!with(|r| {
            r.body = None;
            r.raw_body = Some(String::new());
        }));
        let ambiguous = |edit: fn(&mut CaseRequest)| {
            let mut request = signed.clone();
            edit(&mut request);
            request.ambiguous_signing()
        };
        assert_eq!(
            ambiguous(|r| r.body = None),
            Some(AmbiguousSigning::EmptyBody)
        );
        assert_eq!(
            ambiguous(|r| {
                r.body = None;
                r.raw_body_base64 = Some("/w==".into());
            }),
            Some(AmbiguousSigning::NotUtf8)
        );
        assert_eq!(ambiguous(|_| {}), None);
        // A probe is a probe for its own reason, not for its body.
        assert_eq!(
            ambiguous(|r| {
                r.body = None;
                r.auth = AuthMode::None;
            }),
            None
        );
    }

    #[test]
    fn a_bad_case_names_file_and_pointer() {
        let validator = standalone_validator(&DataSource::schemas(), "case.schema.json").unwrap();
        let err = parse_case(
            "cases/x.json",
            br#"{"id":"a","title":"t","clause":"notes:6.1","request":{"method":"post"},"expect":"accepted"}"#,
            &validator,
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("cases/x.json: at /request/method"), "{err}");
        let err = parse_case("cases/y.json", b"{\n  \"id\": ", &validator)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("cases/y.json") && err.contains("line 2"),
            "{err}"
        );
    }
}
