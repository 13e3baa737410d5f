//! The request/answer vocabulary: what went on the wire ([`SentRequest`]), what came back
//! ([`Received`]) or why nothing did ([`TransportFailure`]), and the pair of them ([`Exchange`]).
//! The client produces exchanges; the checks, the relations and the reports read them.

use serde::{Deserialize, Serialize};

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
