//! auth-v2 verification written from CONTRACT-NOTES section 3 alone (the vendor's Java demo
//! `SignInfo`/`SignerUtils` variant), independent of `cmsconform::auth`: its own `normalize`,
//! canonical request, key derivation and timestamp parsing. A bug the harness's signer has
//! cannot hide here by being shared.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How the canonical request of a request with an empty body ends (notes:3: implementations read
/// the optional body bracket two ways).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmptyBody {
    /// The canonical request ends right after `canonicalHeaders` (what the harness signs today).
    #[default]
    NoTrailingNewline,
    /// The `\n` after `canonicalHeaders` is always written, then the (empty) body.
    TrailingNewline,
}

/// What a request offers to be verified: the parts the signature covers, as received.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The request target as sent: the path, then `?query` if any.
    pub target: &'a str,
    /// Every header as received (name in any case, value with its surrounding blanks removed).
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// Why an `Authorization` was refused. The server answers 401 to each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    /// Not `auth-v2/{AK}/{timestamp}/{signedHeaders}/{signature}`.
    Malformed(&'static str),
    WrongAccessKey,
    /// The timestamp is further from the server's clock than the skew window, in seconds.
    Skewed(i64),
    /// A header named in `signedHeaders` is not in the request.
    SignedHeaderAbsent(String),
    BadSignature,
}

/// The parsed `Authorization` value.
struct Presented<'a> {
    ak: &'a str,
    timestamp: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Presented<'_>, AuthFailure> {
    let rest = value
        .strip_prefix("auth-v2/")
        .ok_or(AuthFailure::Malformed("does not start with auth-v2/"))?;
    let parts: Vec<&str> = rest.split('/').collect();
    let [ak, timestamp, signed_headers, signature] = parts[..] else {
        return Err(AuthFailure::Malformed("not five /-separated parts"));
    };
    if ak.is_empty() || signed_headers.is_empty() {
        return Err(AuthFailure::Malformed("an empty AK or signedHeaders"));
    }
    let hex_sig = signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit());
    if !hex_sig {
        return Err(AuthFailure::Malformed("the signature is not 64 hex digits"));
    }
    Ok(Presented {
        ak,
        timestamp,
        signed_headers,
        signature,
    })
}

/// Percent-encodes every byte except `A-Z a-z 0-9 - . _ ~`, with upper-case hex (notes:3).
pub fn normalize(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
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

/// Decodes `%XX` escapes and `+` (a query as a servlet container reads it); a broken escape is
/// kept as written.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
            (b'+', _, _) => out.push(b' '),
            (b, _, _) => out.push(b),
        }
        i += 1;
    }
    out
}

fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            format!(
                "{}={}",
                normalize(&percent_decode(key)),
                normalize(&percent_decode(value))
            )
        })
        .collect();
    pairs.sort();
    pairs.join("&")
}

/// The canonical request of notes:3 for `request`, signing the headers named in
/// `signed_headers` (`;`-separated, as in the `Authorization`). The body is read as UTF-8 text,
/// lossily, as the Java demo reads it. Fails when a signed header is absent.
pub fn canonical_request(
    request: &SignedRequest<'_>,
    signed_headers: &str,
    empty_body: EmptyBody,
) -> Result<String, AuthFailure> {
    let (path, query) = match request.target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.target, None),
    };
    let mut lines: Vec<String> = Vec::new();
    for name in signed_headers.split(';') {
        let value = request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| AuthFailure::SignedHeaderAbsent(name.to_owned()))?;
        lines.push(format!(
            "{}:{}",
            normalize(name.to_ascii_lowercase().as_bytes()),
            normalize(value.as_bytes())
        ));
    }
    lines.sort();
    let mut canonical = format!("{}\n{}\n", request.method, path);
    if let Some(query) = query {
        canonical.push_str(&canonical_query(query));
        canonical.push('\n');
    }
    canonical.push_str(signed_headers);
    canonical.push('\n');
    canonical.push_str(&lines.join("\n"));
    let body_text = String::from_utf8_lossy(request.body);
    if !body_text.is_empty() || empty_body == EmptyBody::TrailingNewline {
        canonical.push('\n');
        canonical.push_str(&normalize(body_text.as_bytes()));
    }
    Ok(canonical)
}

fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|e| panic!("hmac: {e}"));
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// `signature` of notes:3: HMAC under the signing key's hex text, over the canonical request.
pub fn signature(sk: &str, prefix: &str, canonical_request: &str) -> String {
    let signing_key = hmac_hex(sk.as_bytes(), prefix.as_bytes());
    hmac_hex(signing_key.as_bytes(), canonical_request.as_bytes())
}

/// The `Authorization` value for `request` signed with `ak`/`sk` at `timestamp`, signing the
/// headers named in `signed_headers` (lower-case, sorted, `;`-joined). For the tests that need
/// to send a request of their own; the server only verifies.
pub fn authorization(
    request: &SignedRequest<'_>,
    ak: &str,
    sk: &str,
    timestamp: &str,
    signed_headers: &str,
    empty_body: EmptyBody,
) -> Result<String, AuthFailure> {
    let prefix = format!("auth-v2/{ak}/{timestamp}/{signed_headers}");
    let canonical = canonical_request(request, signed_headers, empty_body)?;
    let signature = signature(sk, &prefix, &canonical);
    Ok(format!("{prefix}/{signature}"))
}

/// Seconds since the epoch of a `yyyy-MM-dd'T'HH:mm:ss'Z'` timestamp, `None` if it is not one.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let shape_ok = text.is_ascii()
        && b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    if !shape_ok {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let digits = &text[from..to];
        digits
            .bytes()
            .all(|d| d.is_ascii_digit())
            .then(|| digits.parse().ok())?
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let valid = (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01: (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `yyyy-MM-dd'T'HH:mm:ss'Z'` of `time` (UTC).
pub fn format_timestamp(time: SystemTime) -> String {
    let secs = epoch_seconds(time);
    let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

pub fn epoch_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() as i64,
        Err(before) => -(before.duration().as_secs() as i64),
    }
}

/// What the verifier knows: the one key pair it issued, its clock window and its reading of an
/// empty body.
pub struct Verifier<'a> {
    pub ak: &'a str,
    pub sk: &'a str,
    pub skew: Duration,
    pub empty_body: EmptyBody,
}

impl Verifier<'_> {
    /// Verifies the `Authorization` of `request` against the server's clock `now`.
    pub fn verify(&self, request: &SignedRequest<'_>, now: SystemTime) -> Result<(), AuthFailure> {
        let value = request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.as_str())
            .ok_or(AuthFailure::Missing)?;
        let presented = parse_authorization(value)?;
        if presented.ak != self.ak {
            return Err(AuthFailure::WrongAccessKey);
        }
        let signed_at = parse_timestamp(presented.timestamp).ok_or(AuthFailure::Malformed(
            "the timestamp is not yyyy-MM-ddTHH:mm:ssZ",
        ))?;
        let off_by = epoch_seconds(now) - signed_at;
        if off_by.unsigned_abs() > self.skew.as_secs() {
            return Err(AuthFailure::Skewed(off_by));
        }
        let prefix = format!(
            "auth-v2/{}/{}/{}",
            presented.ak, presented.timestamp, presented.signed_headers
        );
        let canonical = canonical_request(request, presented.signed_headers, self.empty_body)?;
        if signature(self.sk, &prefix, &canonical) == presented.signature {
            Ok(())
        } else {
            Err(AuthFailure::BadSignature)
        }
    }
}
