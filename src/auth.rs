//! auth-v2 request signing (CONTRACT-NOTES section 3), the vendor Java demo's variant: one
//! implementation that the client signs with and the mock verifies with. Secrets never leave
//! this module in clear text through `Debug` or `Display`.

use chrono::{DateTime, NaiveDateTime};
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// A secret key. Its `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The clear text, for signing and for redaction lists only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// An access key and its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub ak: String,
    pub sk: Secret,
}

/// The local defaults the mock uses (and `run` against the embedded mock), printed at start.
pub const DEFAULT_AK: &str = "cmsconform-ak";
pub const DEFAULT_SK: &str = "cmsconform-local-sk";

impl Credentials {
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Self {
        Credentials {
            ak: ak.into(),
            sk: Secret::new(sk),
        }
    }

    pub fn local_default() -> Self {
        Credentials::new(DEFAULT_AK, DEFAULT_SK)
    }
}

/// What is signed: the parts of a request that enter the canonical request.
#[derive(Debug, Clone, Copy)]
pub struct SigningInput<'a> {
    pub method: &'a str,
    /// The URI path as sent, without the query.
    pub path: &'a str,
    /// The raw query string (without `?`), if any.
    pub query: Option<&'a str>,
    /// `(name, value)` of every header to sign; names in any case. Must include `host`.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// What [`normalize`] encodes: every byte but the unreserved `A-Z a-z 0-9 - . _ ~`.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes every UTF-8 byte except `A-Z a-z 0-9 - . _ ~`, with upper-case hex.
pub fn normalize(input: &[u8]) -> String {
    percent_encoding::percent_encode(input, NOT_UNRESERVED).to_string()
}

/// Decodes a query name or value as the demo does: `+` is a space, `%XX` a byte, and a `%`
/// not followed by two hex digits stays as it is. `+` is replaced before decoding so that an
/// encoded `%2B` stays a plus.
fn percent_decode(input: &str) -> Vec<u8> {
    let spaced = input.replace('+', " ");
    percent_encoding::percent_decode(spaced.as_bytes()).collect()
}

/// `signedHeaders`: names lower-cased, sorted, joined with `;`.
pub fn signed_headers(headers: &[(&str, &str)]) -> String {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    names.join(";")
}

/// The canonical request of CONTRACT-NOTES section 3.
pub fn canonical_request(input: &SigningInput<'_>) -> String {
    let mut parts: Vec<String> = vec![input.method.to_owned(), input.path.to_owned()];
    if let Some(query) = input.query.filter(|q| !q.is_empty()) {
        let mut pairs: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                format!(
                    "{}={}",
                    normalize(&percent_decode(k)),
                    normalize(&percent_decode(v))
                )
            })
            .collect();
        pairs.sort();
        parts.push(pairs.join("&"));
    }
    parts.push(signed_headers(input.headers));
    let mut lines: Vec<String> = input
        .headers
        .iter()
        .map(|(n, v)| {
            format!(
                "{}:{}",
                normalize(n.to_ascii_lowercase().as_bytes()),
                normalize(v.as_bytes())
            )
        })
        .collect();
    lines.sort();
    parts.push(lines.join("\n"));
    if !input.body.is_empty() {
        parts.push(normalize(input.body));
    }
    parts.join("\n")
}

fn hmac(key: &[u8], message: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    mac
}

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac(key, message).finalize().into_bytes())
}

/// The full `Authorization` value: `auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}`.
pub fn authorization(creds: &Credentials, timestamp: &str, input: &SigningInput<'_>) -> String {
    let prefix = authorization_prefix(&creds.ak, timestamp, input.headers);
    let key = SigningKey::derive(&creds.sk, &prefix);
    key.authorization(prefix, input)
}

/// `auth-v2/{AK}/{timestamp}/{signedHeaders}`: the public part of an `Authorization` value,
/// from which the signing key is derived.
pub fn authorization_prefix(ak: &str, timestamp: &str, headers: &[(&str, &str)]) -> String {
    format!("auth-v2/{ak}/{timestamp}/{}", signed_headers(headers))
}

/// The key that signs every request under one prefix: HMAC-SHA256(SK, prefix), as hex. A
/// secret like the SK: its `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(String);

impl SigningKey {
    pub fn derive(sk: &Secret, prefix: &str) -> SigningKey {
        SigningKey(hmac_hex(sk.expose().as_bytes(), prefix.as_bytes()))
    }

    /// The HMAC of `input`'s canonical request under this key, to finalize or verify.
    fn mac(&self, input: &SigningInput<'_>) -> HmacSha256 {
        hmac(self.0.as_bytes(), canonical_request(input).as_bytes())
    }

    /// The full `Authorization` value of `input` under `prefix` (the one this key was derived
    /// from).
    pub fn authorization(&self, prefix: String, input: &SigningInput<'_>) -> String {
        let signature = hex::encode(self.mac(input).finalize().into_bytes());
        let mut value = prefix;
        value.push('/');
        value.push_str(&signature);
        value
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

/// The contract's timestamp form, `yyyy-MM-ddTHH:mm:ssZ` (UTC), in chrono's notation.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Formats seconds since the epoch as `yyyy-MM-ddTHH:mm:ssZ` (UTC). Seconds outside chrono's
/// range (about 262,000 years either side) print as the epoch rather than panic.
pub fn format_timestamp(epoch_secs: i64) -> String {
    DateTime::from_timestamp(epoch_secs, 0)
        .unwrap_or(DateTime::UNIX_EPOCH)
        .format(TIMESTAMP_FORMAT)
        .to_string()
}

/// Parses `yyyy-MM-ddTHH:mm:ssZ` into seconds since the epoch.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    // chrono's `%Y` also takes a sign and more than four digits, and its numbers may be
    // space-padded: the contract's form is exactly these 20 ASCII characters.
    let exact_shape = text.len() == 20
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    if !exact_shape {
        return None;
    }
    NaiveDateTime::parse_from_str(text, TIMESTAMP_FORMAT)
        .ok()
        .map(|t| t.and_utc().timestamp())
}

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("no Authorization header")]
    Missing,
    #[error("Authorization is not auth-v2/AK/timestamp/signedHeaders/signature")]
    Malformed,
    #[error("signedHeaders must be lower-case, sorted, and include host")]
    BadSignedHeaders,
    #[error("signed header {0:?} is not in the request")]
    MissingSignedHeader(String),
    #[error("unknown access key")]
    UnknownAk,
    #[error("timestamp is outside the accepted clock skew")]
    Expired,
    #[error("signature does not match")]
    WrongSignature,
}

/// The parts of an `Authorization: auth-v2/...` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuthorization<'a> {
    pub ak: &'a str,
    pub timestamp: &'a str,
    pub signed_headers: Vec<&'a str>,
    pub signature: &'a str,
}

pub fn parse_authorization(value: &str) -> Result<ParsedAuthorization<'_>, AuthError> {
    let mut parts = value.split('/');
    let (Some("auth-v2"), Some(ak), Some(timestamp), Some(names), Some(signature), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(AuthError::Malformed);
    };
    let well_formed_sig = signature.len() == 64
        && signature
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ak.is_empty() || !well_formed_sig {
        return Err(AuthError::Malformed);
    }
    let signed_headers: Vec<&str> = names.split(';').collect();
    let sorted = signed_headers.windows(2).all(|w| w[0] < w[1]);
    let lower = signed_headers
        .iter()
        .all(|n| !n.is_empty() && !n.bytes().any(|b| b.is_ascii_uppercase()));
    if !sorted || !lower || !signed_headers.contains(&"host") {
        return Err(AuthError::BadSignedHeaders);
    }
    Ok(ParsedAuthorization {
        ak,
        timestamp,
        signed_headers,
        signature,
    })
}

/// What the verifier needs of the request besides the Authorization value.
pub struct VerifyInput<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// Looks up a request header by lower-case name.
    pub header: &'a dyn Fn(&str) -> Option<String>,
    pub body: &'a [u8],
    pub now_epoch_secs: i64,
    pub max_skew_secs: i64,
}

/// Verifies an `Authorization` value against `creds`.
pub fn verify(
    authorization_value: Option<&str>,
    creds: &Credentials,
    input: &VerifyInput<'_>,
) -> Result<(), AuthError> {
    let parsed = parse_authorization(authorization_value.ok_or(AuthError::Missing)?)?;
    if parsed.ak != creds.ak {
        return Err(AuthError::UnknownAk);
    }
    let when = parse_timestamp(parsed.timestamp).ok_or(AuthError::Malformed)?;
    if (input.now_epoch_secs - when).abs() > input.max_skew_secs {
        return Err(AuthError::Expired);
    }
    let mut values = Vec::with_capacity(parsed.signed_headers.len());
    for name in &parsed.signed_headers {
        let value = (input.header)(name)
            .ok_or_else(|| AuthError::MissingSignedHeader((*name).to_owned()))?;
        values.push((*name, value));
    }
    let headers: Vec<(&str, &str)> = values.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let signing = SigningInput {
        method: input.method,
        path: input.path,
        query: input.query,
        headers: &headers,
        body: input.body,
    };
    // parse_authorization has checked the signature is 64 hex digits.
    let signature = hex::decode(parsed.signature).map_err(|_| AuthError::Malformed)?;
    let prefix = authorization_prefix(&creds.ak, parsed.timestamp, &headers);
    let key = SigningKey::derive(&creds.sk, &prefix);
    // hmac's `verify_slice` compares in constant time.
    key.mac(&signing)
        .verify_slice(&signature)
        .map_err(|_| AuthError::WrongSignature)
}

#[cfg(test)]
mod tests;
