//! The vocabulary every check speaks: what was exchanged ([`Exchange`]), what the case expected
//! ([`Expectation`]), and what a check found ([`Violation`]). No rule lives here.

use serde::{Deserialize, Serialize};

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The contract allows this choice; reported, never failing.
    Info,
    /// A breach of the contract.
    Failure,
}

/// A check's identity: stable id, the clause it enforces, and what it means.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CheckDef {
    /// Stable id, e.g. `CMS-RESP-007`. Never reuse or renumber.
    pub id: &'static str,
    /// Clause id from `schemas/clauses.json`.
    pub clause: &'static str,
    pub severity: Severity,
    /// One line: what the rule is.
    pub title: &'static str,
}

/// Declares a `pub static` [`CheckDef`]: `check_def!(NAME, "CMS-X-001", "notes:6.4", Failure, "title");`
macro_rules! check_def {
    ($name:ident, $id:literal, $clause:literal, $sev:ident, $title:literal) => {
        pub static $name: CheckDef = CheckDef {
            id: $id,
            clause: $clause,
            severity: Severity::$sev,
            title: $title,
        };
    };
}
pub(crate) use check_def;

/// Longest rendering of an offending value kept in a violation.
pub const MAX_VALUE_CHARS: usize = 120;

/// One finding of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub check: String,
    pub clause: String,
    pub severity: Severity,
    /// JSON pointer to the offending value. In a single exchange it points into the response
    /// body (`/resultDesc/3/currentState`), or names a header (`header:content-type`) or the
    /// status (`status`). Multi-exchange checks prefix the exchange (`#1/resultDesc/0`).
    pub pointer: String,
    /// The offending value, rendered as JSON and truncated to [`MAX_VALUE_CHARS`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    pub message: String,
    /// The `agentId` of the agent object the pointer lands in (`/resultDatas/N/...`,
    /// `/resultDesc/N/...`), filled from the answer after judging ([`super::attribute_agents`]):
    /// the pointer alone names an agent only through the answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent: Option<i64>,
}

impl Violation {
    pub fn new(
        def: &'static CheckDef,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            check: def.id.to_owned(),
            clause: def.clause.to_owned(),
            severity: def.severity,
            pointer: pointer.into(),
            value: None,
            message: message.into(),
            agent: None,
        }
    }

    /// Attaches the offending value, truncated.
    pub fn with_value(mut self, value: impl std::fmt::Display) -> Self {
        self.value = Some(truncate(&value.to_string(), MAX_VALUE_CHARS));
        self
    }

    pub fn is_failure(&self) -> bool {
        self.severity == Severity::Failure
    }
}

impl std::fmt::Display for Violation {
    /// Like a compiler diagnostic: `error[CMS-RESP-007] notes:6.6 at /resultDesc/0/currentState: message (value: 11)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Failure => "error",
            Severity::Info => "info",
        };
        let at = if self.pointer.is_empty() {
            "<body>"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{level}[{}] {} at {at}: {}",
            self.check, self.clause, self.message
        )?;
        if let Some(value) = &self.value {
            write!(f, " (value: {value})")?;
        }
        Ok(())
    }
}

/// Truncates on a char boundary, marking the cut with `…`.
pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// What a case expects the server to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A success answer (`resultCode` 0100000) for the agents asked for.
    Accepted,
    /// A rejection: HTTP 200 with a failure resultCode, or a 4xx, and no agent data.
    Rejected,
    /// HTTP 401.
    Unauthenticated,
    /// Not a success: 405 (with `Allow: POST`), 404 or 501.
    NotAllowedMethod,
}

/// One outcome, or any of several the contract allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Expectation {
    One(Outcome),
    EitherOf {
        #[serde(rename = "eitherOf")]
        either_of: Vec<Outcome>,
    },
}

impl Expectation {
    pub fn allows(&self, outcome: Outcome) -> bool {
        match self {
            Expectation::One(o) => *o == outcome,
            Expectation::EitherOf { either_of } => either_of.contains(&outcome),
        }
    }

    pub fn outcomes(&self) -> Vec<Outcome> {
        match self {
            Expectation::One(o) => vec![*o],
            Expectation::EitherOf { either_of } => either_of.clone(),
        }
    }
}

/// The request as it went on the wire. Secrets are redacted before this is stored in a report
/// (see `report`), not here: checks may need the exact bytes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SentRequest {
    pub method: String,
    /// Path and query, e.g. `/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids`.
    pub path: String,
    /// Header names lower-cased, in the order sent.
    pub headers: Vec<(String, String)>,
    #[serde(with = "body_text")]
    pub body: Vec<u8>,
}

/// What came back, if anything did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Received {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    #[serde(with = "body_text")]
    pub body: Vec<u8>,
    /// The body was cut at the size cap.
    #[serde(default)]
    pub truncated: bool,
}

impl Received {
    /// A whole answer of `status` and `body`, with no header (add them by struct update).
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Received {
        Received {
            status,
            headers: Vec::new(),
            body: body.into(),
            truncated: false,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

impl SentRequest {
    /// A POST of `body` to `path`, with no header (add them by struct update).
    pub fn post(path: impl Into<String>, body: impl Into<Vec<u8>>) -> SentRequest {
        SentRequest {
            method: "POST".into(),
            path: path.into(),
            headers: Vec::new(),
            body: body.into(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Why no answer was judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "detail")]
pub enum TransportFailure {
    Connect(String),
    Timeout(String),
    /// Reset, empty reply, malformed framing, TLS failure...
    Protocol(String),
    /// Not sent: e.g. the authentication-probe budget was spent.
    NotSent(String),
}

/// One request/response exchange, the unit a single-exchange check judges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    pub request: SentRequest,
    pub response: Result<Received, TransportFailure>,
    /// Client clock (ms since the epoch) when the request was sent and when the answer ended.
    pub sent_at_ms: i64,
    pub received_at_ms: i64,
}

impl Exchange {
    /// The one way to build an exchange: `request`, what came of it, and when it was sent and
    /// ended on the client's clock (ms since the epoch).
    pub fn new(
        request: SentRequest,
        response: Result<Received, TransportFailure>,
        sent_at_ms: i64,
        received_at_ms: i64,
    ) -> Exchange {
        Exchange {
            request,
            response,
            sent_at_ms,
            received_at_ms,
        }
    }
}

mod body_text {
    //! Bodies serialize as UTF-8 text when they are, else as `{"base64": ...}`-free lossy text:
    //! reports carry excerpts, and the exact bytes live only in memory.
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&String::from_utf8_lossy(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(String::deserialize(d)?.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_char_boundaries() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("ééé", 2), "éé…");
    }

    #[test]
    fn expectation_reads_both_forms() {
        let one: Expectation = serde_json::from_str("\"not-allowed-method\"").unwrap();
        assert_eq!(one, Expectation::One(Outcome::NotAllowedMethod));
        let either: Expectation =
            serde_json::from_str(r#"{"eitherOf":["accepted","rejected"]}"#).unwrap();
        assert!(either.allows(Outcome::Rejected) && !either.allows(Outcome::Unauthenticated));
    }
}
