//! What identifies a case across runs, whatever id a seed gave it: the hash of its request
//! ([`request_hash`]) and the groups of its findings ([`finding_group`]). `diff` pairs cases by
//! the first; the baseline keys accepted failures by both. Pure.
//!
//! The request hash covers what the server judges: the method, the path and query, the headers
//! that matter and the canonical body (JSON re-serialized with sorted keys when it parses, the
//! raw bytes otherwise). Left out is what changes from run to run without changing the
//! request: `Host` (the embedded mock's port), `Content-Length` (follows the body),
//! `User-Agent` (the harness version), and of `Authorization` everything but its form (the
//! access key, the timestamp, the signature). Its form stays: a case without `Authorization`
//! is another request than the same body signed.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::checks::Violation;
use crate::exchange::SentRequest;

/// Headers that never tell two requests apart (lower-case).
const IGNORED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "user-agent",
    "date",
    "x-sdk-date",
    "connection",
    "transfer-encoding",
];

/// SHA-256 (hex) of the request's method, path, headers that matter and canonical body.
pub fn request_hash(sent: &SentRequest) -> String {
    let mut hasher = Sha256::new();
    let mut field = |bytes: &[u8]| {
        // Length-prefixed: no two field lists hash alike by moving a boundary.
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(bytes);
    };
    field(sent.method.to_ascii_uppercase().as_bytes());
    field(sent.path.as_bytes());
    let mut headers: Vec<(String, String)> = sent
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .filter(|(name, _)| !IGNORED_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| {
            let value = if name == "authorization" {
                authorization_form(&value)
            } else {
                value
            };
            (name, value)
        })
        .collect();
    headers.sort();
    for (name, value) in &headers {
        field(name.as_bytes());
        field(value.as_bytes());
    }
    field(&canonical_body(&sent.body));
    hex::encode(hasher.finalize())
}

/// `auth-v2/AK/TS/SIGNED/SIG` → `auth-v2/SIGNED`; any other value as it is (a case file's own,
/// constant from run to run).
fn authorization_form(value: &str) -> String {
    let parts: Vec<&str> = value.split('/').collect();
    match parts.as_slice() {
        [scheme, _ak, _timestamp, signed, _signature] if scheme.starts_with("auth-v") => {
            format!("{scheme}/{signed}")
        }
        _ => value.to_owned(),
    }
}

/// JSON with sorted keys when the body parses, else the bytes.
fn canonical_body(body: &[u8]) -> Vec<u8> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => {
            let mut text = b"json:".to_vec();
            write_sorted(&value, &mut text);
            text
        }
        Err(_) => {
            let mut raw = b"raw:".to_vec();
            raw.extend_from_slice(body);
            raw
        }
    }
}

/// `value` as compact JSON with every object's keys sorted (serde_json keeps insertion order
/// when a dependency enables `preserve_order`).
fn write_sorted(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(Value::String(key.clone()).to_string().as_bytes());
                out.push(b':');
                write_sorted(&map[key.as_str()], out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_sorted(item, out);
            }
            out.push(b']');
        }
        scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
    }
}

/// `CHECK pattern`: one defect, whichever case, agent or array index showed it.
pub fn finding_group(violation: &Violation) -> String {
    format!(
        "{} {}",
        violation.check,
        super::group::fold_pointer(&violation.pointer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(headers: &[(&str, &str)], body: &str) -> SentRequest {
        SentRequest {
            method: "POST".into(),
            path: "/rest/x".into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_hash_ignores_what_changes_between_runs() {
        let one = sent(
            &[
                ("host", "127.0.0.1:4000"),
                ("content-type", "application/json"),
                ("content-length", "20"),
                ("authorization", "auth-v2/ak/2026-01-01T00:00:00Z/host/abc"),
            ],
            r#"{"ccId":1,"vdn":170}"#,
        );
        let two = sent(
            &[
                (
                    "authorization",
                    "auth-v2/other/2026-12-01T10:00:00Z/host/def",
                ),
                ("content-type", "application/json"),
                ("host", "127.0.0.1:5111"),
            ],
            r#"{ "vdn": 170, "ccId": 1 }"#,
        );
        assert_eq!(request_hash(&one), request_hash(&two));
        assert_eq!(request_hash(&one).len(), 64);
        let nested = |body| request_hash(&sent(&[], body));
        assert_eq!(
            nested(r#"{"b":[{"y":1,"x":2}],"a":0}"#),
            nested(r#"{"a":0,"b":[{"x":2,"y":1}]}"#)
        );
    }

    #[test]
    fn the_hash_tells_what_the_server_judges_apart() {
        let base = sent(&[("content-type", "application/json")], r#"{"ccId":1}"#);
        let others = [
            sent(&[("content-type", "text/plain")], r#"{"ccId":1}"#),
            sent(&[("content-type", "application/json")], r#"{"ccId":2}"#),
            sent(
                &[
                    ("content-type", "application/json"),
                    ("authorization", "auth-v2/ak/ts/host/sig"),
                ],
                r#"{"ccId":1}"#,
            ),
            sent(&[("content-type", "application/json")], r#"{"ccId":1"#),
            SentRequest {
                method: "GET".into(),
                ..base.clone()
            },
        ];
        for other in &others {
            assert_ne!(request_hash(&base), request_hash(other), "{other:?}");
        }
        // Raw bytes that are not JSON are compared as they are.
        let raw = |body| request_hash(&sent(&[], body));
        assert_eq!(raw("{\"cut"), raw("{\"cut"));
        assert_ne!(raw("{ \"cut"), raw("{\"cut"));
    }
}
