//! auth-v2 request signing (CONTRACT-NOTES section 3), the vendor Java demo's variant: one
//! implementation that the client signs with and the mock verifies with. Secrets never leave
//! this module in clear text through `Debug` or `Display`.

use hmac::{Hmac, Mac};
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

/// Percent-encodes every UTF-8 byte except `A-Z a-z 0-9 - . _ ~`, with upper-case hex.
pub fn normalize(input: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len() * 3);
    for &b in input {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xF)] as char);
        }
    }
    out
}

fn percent_decode(input: &str) -> Vec<u8> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match decoded {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                i += 1;
            }
        }
    }
    out
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

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
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

    /// The full `Authorization` value of `input` under `prefix` (the one this key was derived
    /// from).
    pub fn authorization(&self, prefix: String, input: &SigningInput<'_>) -> String {
        let signature = hmac_hex(self.0.as_bytes(), canonical_request(input).as_bytes());
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

/// Formats seconds since the epoch as `yyyy-MM-ddTHH:mm:ssZ` (UTC).
pub fn format_timestamp(epoch_secs: i64) -> String {
    let days = epoch_secs.div_euclid(86_400);
    let secs = epoch_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parses `yyyy-MM-ddTHH:mm:ssZ` into seconds since the epoch.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

// Howard Hinnant's civil calendar algorithms.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
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
    let expected = authorization(
        creds,
        parsed.timestamp,
        &SigningInput {
            method: input.method,
            path: input.path,
            query: input.query,
            headers: &headers,
            body: input.body,
        },
    );
    let expected_sig = expected.rsplit('/').next().unwrap_or("");
    if constant_time_eq(expected_sig.as_bytes(), parsed.signature.as_bytes()) {
        Ok(())
    } else {
        Err(AuthError::WrongSignature)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;
