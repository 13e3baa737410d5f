//! From a case's [`OutgoingRequest`] to the exact request put on the wire: the URL under the
//! target's prefix, the default headers, the case's header edits, and the auth-v2 signature over
//! the headers as they will be sent. The same list is recorded in the [`SentRequest`], so what a
//! check sees is what the server got.

use reqwest::Url;
use reqwest::header::{HeaderName, HeaderValue};

use super::signing::SigningKeys;
use super::{ClientConfig, ClientError, DEFAULT_CONTENT_TYPE, OutgoingRequest, SignedHeaders};
use crate::auth::{self, Credentials, SigningInput};
use crate::cases::AuthMode;
use crate::exchange::SentRequest;

const USER_AGENT: &str = concat!("cmsconform/", env!("CARGO_PKG_VERSION"));

/// The target named by `--target`: where every request goes.
#[derive(Debug, Clone)]
pub(super) struct Target {
    /// `scheme://authority`.
    origin: String,
    /// `host[:port]` exactly as the URL names it (a default port is omitted, as on the wire).
    pub(super) authority: String,
    /// The URL's path without its trailing `/` (empty for none).
    prefix: String,
    last_url: UrlMemo,
    signing_keys: SigningKeys,
}

/// The URL made for the last path: nearly every case uses the interface path, and parsing the
/// same URL for each request cost more than signing it.
#[derive(Debug, Default)]
struct UrlMemo(std::sync::Mutex<Option<(String, Url)>>);

impl Clone for UrlMemo {
    fn clone(&self) -> Self {
        UrlMemo::default()
    }
}

impl UrlMemo {
    fn get_or_make(
        &self,
        path: &str,
        make: impl FnOnce() -> Result<Url, String>,
    ) -> Result<Url, String> {
        if let Ok(last) = self.0.lock() {
            if let Some((_, url)) = last.as_ref().filter(|(last_path, _)| last_path == path) {
                return Ok(url.clone());
            }
        }
        let url = make()?;
        if let Ok(mut last) = self.0.lock() {
            *last = Some((path.to_owned(), url.clone()));
        }
        Ok(url)
    }
}

impl Target {
    pub(super) fn parse(base_url: &str) -> Result<Target, ClientError> {
        let bad = |message: &str| ClientError::BadUrl {
            url: without_password(base_url),
            message: message.to_owned(),
        };
        let url = Url::parse(base_url.trim()).map_err(|error| {
            bad(&format!(
                "not a URL ({error}); expected https://host[:port][/prefix]"
            ))
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(bad("the scheme must be http or https"));
        }
        let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
            return Err(bad("no host; expected https://host[:port][/prefix]"));
        };
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "credentials in the URL are not supported (they would be logged): use --ak and --sk",
            ));
        }
        if url.query().is_some() {
            return Err(bad(
                "has a query; give only https://host[:port][/prefix] (use --path for the interface path)",
            ));
        }
        if url.fragment().is_some() {
            return Err(bad(
                "has a #fragment; give only https://host[:port][/prefix]",
            ));
        }
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Target {
            origin: format!("{}://{authority}", url.scheme()),
            prefix: url.path().trim_end_matches('/').to_owned(),
            authority,
            last_url: UrlMemo::default(),
            signing_keys: SigningKeys::default(),
        })
    }
}

/// A URL as it may appear in an error message: any password replaced.
fn without_password(text: &str) -> String {
    match Url::parse(text.trim()) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some(crate::redact::REDACTED));
            url.to_string()
        }
        _ => text.to_owned(),
    }
}

/// A request ready to go, and its record.
pub(super) struct Prepared {
    pub(super) request: reqwest::Request,
    pub(super) sent: SentRequest,
}

/// A request the case describes but HTTP cannot carry (an invalid method or header).
pub(super) struct Unsendable {
    pub(super) sent: SentRequest,
    pub(super) reason: String,
}

pub(super) fn prepare(
    target: &Target,
    config: &ClientConfig,
    request: &OutgoingRequest,
    now_epoch_secs: i64,
) -> Result<Prepared, Unsendable> {
    let mut sent = SentRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        headers: Vec::new(),
        body: request.body.clone(),
    };
    let unsendable = |sent: SentRequest, reason: String| Unsendable { sent, reason };

    let url = match request_url(target, &request.path) {
        Ok(url) => url,
        Err(reason) => return Err(unsendable(sent, reason)),
    };
    sent.path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    sent.headers = headers_to_send(target, config, request, &url, now_epoch_secs);

    let method = match reqwest::Method::from_bytes(request.method.as_bytes()) {
        Ok(method) => method,
        Err(_) => {
            let reason = format!(
                "method {:?} is not a valid HTTP method: not sent",
                request.method
            );
            return Err(unsendable(sent, reason));
        }
    };
    let mut wire = reqwest::Request::new(method, url);
    for (name, value) in &sent.headers {
        let name_ok = HeaderName::from_bytes(name.as_bytes());
        let value_ok = HeaderValue::from_bytes(value.as_bytes());
        match (name_ok, value_ok) {
            (Ok(name), Ok(value)) => {
                wire.headers_mut().append(name, value);
            }
            _ => {
                let reason =
                    format!("header {name:?} is not a valid HTTP header name or value: not sent");
                return Err(unsendable(sent, reason));
            }
        }
    }
    *wire.body_mut() = Some(reqwest::Body::from(request.body.clone()));
    Ok(Prepared {
        request: wire,
        sent,
    })
}

/// `origin + prefix + path`, refusing anything that would leave the target's origin.
fn request_url(target: &Target, path: &str) -> Result<Url, String> {
    target
        .last_url
        .get_or_make(path, || make_request_url(target, path))
}

fn make_request_url(target: &Target, path: &str) -> Result<Url, String> {
    let separator = if path.starts_with('/') || path.starts_with('?') || path.is_empty() {
        ""
    } else {
        "/"
    };
    let text = format!("{}{}{separator}{path}", target.origin, target.prefix);
    let url = Url::parse(&text)
        .map_err(|error| format!("path {path:?} does not make a valid URL ({error}): not sent"))?;
    let authority = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    if authority != target.authority {
        return Err(format!("path {path:?} would leave the target: not sent"));
    }
    Ok(url)
}

/// The headers in the order sent, names lower-cased: the harness's own, the case's edits
/// (`drop` removes, `add` replaces), then the signature over the result.
fn headers_to_send(
    target: &Target,
    config: &ClientConfig,
    request: &OutgoingRequest,
    url: &Url,
    now_epoch_secs: i64,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = vec![
        ("host".into(), target.authority.clone()),
        ("content-type".into(), DEFAULT_CONTENT_TYPE.into()),
        // Lets a server's operators tell the harness's traffic apart in their logs.
        ("user-agent".into(), USER_AGENT.into()),
    ];
    let method_carries_body = !matches!(
        request.method.to_ascii_uppercase().as_str(),
        "GET" | "HEAD" | "OPTIONS" | "DELETE" | "TRACE" | "CONNECT"
    );
    if method_carries_body || !request.body.is_empty() {
        headers.push(("content-length".into(), request.body.len().to_string()));
    }

    let edits = &request.header_edits;
    let dropped = |name: &str| edits.drop.iter().any(|d| d.eq_ignore_ascii_case(name));
    headers.retain(|(name, _)| !dropped(name));
    for (name, value) in &edits.add {
        let name = name.to_ascii_lowercase();
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value.clone(),
            None => headers.push((name, value.clone())),
        }
    }
    // An HTTP/1.1 client cannot leave these out: hyper adds them from the URL and the body,
    // so they are recorded (and signed) as they will be sent.
    if !headers.iter().any(|(n, _)| n == "host") {
        headers.insert(0, ("host".into(), target.authority.clone()));
    }
    if !request.body.is_empty() && !headers.iter().any(|(n, _)| n == "content-length") {
        headers.push(("content-length".into(), request.body.len().to_string()));
    }

    let authorization_edited = headers.iter().any(|(n, _)| n == "authorization");
    if !authorization_edited && !dropped("authorization") {
        let signer = match request.auth {
            // The runner puts the replayed header into the edits; without one there is none.
            AuthMode::None | AuthMode::Replay => None,
            AuthMode::Signed => Some((config.creds.clone(), now_epoch_secs)),
            AuthMode::BadSignature => Some((wrong_credentials(&config.creds), now_epoch_secs)),
            AuthMode::ExpiredTimestamp => Some((config.creds.clone(), now_epoch_secs - EXPIRED_BY)),
            AuthMode::WrongAk => Some((unknown_access_key(&config.creds), now_epoch_secs)),
            AuthMode::Malformed => {
                headers.push((
                    "authorization".into(),
                    malformed(&config.creds, now_epoch_secs),
                ));
                None
            }
        };
        if let Some((creds, at)) = signer {
            let value = sign(
                &target.signing_keys,
                &creds,
                config.signed_headers,
                &headers,
                url,
                request,
                at,
            );
            headers.push(("authorization".into(), value));
        }
    }
    headers
}

/// How far in the past an expired-timestamp probe is signed: a day, beyond any server's
/// accepted clock skew (the vendor publishes none; the mock accepts 15 minutes).
const EXPIRED_BY: i64 = 24 * 60 * 60;

/// The right secret under an access key no server issues.
fn unknown_access_key(creds: &Credentials) -> Credentials {
    let ak = if creds.ak == "cmsconform-unknown-ak" {
        "cmsconform-other-unknown-ak"
    } else {
        "cmsconform-unknown-ak"
    };
    Credentials::new(ak, creds.sk.expose())
}

/// An auth-v2 prefix whose signature is not 64 hex digits: no signature is computed.
fn malformed(creds: &Credentials, now_epoch_secs: i64) -> String {
    format!(
        "auth-v2/{}/{}/host/not-a-signature",
        creds.ak,
        auth::format_timestamp(now_epoch_secs)
    )
}

fn sign(
    keys: &SigningKeys,
    creds: &Credentials,
    which: SignedHeaders,
    headers: &[(String, String)],
    url: &Url,
    request: &OutgoingRequest,
    now_epoch_secs: i64,
) -> String {
    let wanted: &[&str] = match which {
        SignedHeaders::Host => &["host"],
        SignedHeaders::ContentTypeAndHost => &["content-type", "host"],
    };
    let signed: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(name, _)| wanted.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    keys.authorization(
        creds,
        &auth::format_timestamp(now_epoch_secs),
        &SigningInput {
            method: &request.method,
            path: url.path(),
            query: url.query(),
            headers: &signed,
            body: &request.body,
        },
    )
}

/// The same access key with a secret that is certainly not the right one: a well-formed
/// auth-v2 value whose signature the server must refuse.
fn wrong_credentials(creds: &Credentials) -> Credentials {
    let wrong = if creds.sk.expose() == "cmsconform-wrong-secret" {
        "cmsconform-other-wrong-secret"
    } else {
        "cmsconform-wrong-secret"
    };
    Credentials::new(creds.ak.clone(), wrong)
}

#[cfg(test)]
mod tests;
