//! Turning what went wrong on the wire into a [`TransportFailure`] whose message says what the
//! server did and what the user can do about it. Messages are built from error kinds and the
//! target's authority only: no header, no body, so never a signature or the SK.

use std::error::Error as _;
use std::io;
use std::time::Duration;

use super::prepare::Target;
use crate::exchange::TransportFailure;

/// How far a request got, kept outside the deadline so a timeout can say where it struck.
#[derive(Debug, Default)]
pub(super) struct Progress {
    /// Status of the answer, once its head arrived.
    pub(super) status: Option<u16>,
    pub(super) content_length: Option<u64>,
    pub(super) chunked: bool,
    pub(super) body_bytes: usize,
}

impl Progress {
    pub(super) fn head_received(&mut self, status: u16, headers: &[(String, String)]) {
        self.status = Some(status);
        let value = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        self.content_length = value("content-length").and_then(|v| v.trim().parse().ok());
        self.chunked =
            value("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    }
}

/// The whole-request deadline passed.
pub(super) fn deadline_passed(
    timeout: Duration,
    authority: &str,
    progress: &Progress,
) -> TransportFailure {
    let deadline = format!("whole-request deadline of {} (--timeout)", show(timeout));
    TransportFailure::Timeout(match progress.status {
        None => format!(
            "{authority} sent no answer within the {deadline}: the server stalls (raise --timeout only if it is merely slow)"
        ),
        Some(status) => {
            let of = progress
                .content_length
                .map(|n| format!(" of {n}"))
                .unwrap_or_default();
            format!(
                "{authority} did not finish its answer within the {deadline}: status {status} arrived, then only {}{of} body bytes (a server trickling its answer)",
                progress.body_bytes
            )
        }
    })
}

/// The request failed before a response head was read.
pub(super) fn request_failed(
    error: &reqwest::Error,
    target: &Target,
    connect_timeout: Duration,
) -> TransportFailure {
    let authority = &target.authority;
    let detail = chain(error);
    let lower = detail.to_ascii_lowercase();
    if error.is_timeout() && error.is_connect() {
        return TransportFailure::Timeout(format!(
            "connect timeout: no connection to {authority} (TCP and TLS handshake) within {}: is the target up and reachable, with the right scheme? check --target",
            show(connect_timeout)
        ));
    }
    if let Some(message) = tls_problem(&lower, authority, &detail) {
        return TransportFailure::Protocol(message);
    }
    match io_kind(error) {
        Some(io::ErrorKind::ConnectionRefused) => {
            return TransportFailure::Connect(format!(
                "connection refused by {authority}: is the target up? check --target"
            ));
        }
        Some(io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted) => {
            return TransportFailure::Protocol(format!(
                "connection reset by {authority} before it answered"
            ));
        }
        Some(io::ErrorKind::BrokenPipe) => {
            return TransportFailure::Protocol(format!(
                "{authority} closed the connection while the request was being sent"
            ));
        }
        _ => {}
    }
    if lower.contains("dns error") || lower.contains("failed to lookup") {
        return TransportFailure::Connect(format!(
            "cannot resolve the host of {authority} ({detail}): check --target"
        ));
    }
    if error.is_connect() {
        return TransportFailure::Connect(format!(
            "cannot connect to {authority} ({detail}): is the target up? check --target"
        ));
    }
    if let Some(hyper_error) = find::<hyper::Error>(error) {
        if hyper_error.is_incomplete_message() {
            return TransportFailure::Protocol(format!(
                "empty reply: {authority} closed the connection without sending an answer"
            ));
        }
        if hyper_error.is_parse() || hyper_error.is_parse_status() {
            return TransportFailure::Protocol(format!(
                "garbage: the answer of {authority} is not valid HTTP ({detail}): is --target the right host, port and scheme (http/https)?"
            ));
        }
    }
    if error.is_timeout() {
        return TransportFailure::Timeout(format!("{authority}: {detail}"));
    }
    TransportFailure::Protocol(format!("transport error with {authority}: {detail}"))
}

/// Reading the body failed after the head arrived.
pub(super) fn body_failed(
    error: &reqwest::Error,
    authority: &str,
    progress: &Progress,
) -> TransportFailure {
    let detail = chain(error);
    let got = progress.body_bytes;
    if progress.chunked
        && (detail.to_ascii_lowercase().contains("chunk")
            || io_kind(error) == Some(io::ErrorKind::InvalidData))
    {
        return TransportFailure::Protocol(format!(
            "malformed chunked encoding in the body from {authority} after {got} bytes ({detail})"
        ));
    }
    if let Some(declared) = progress.content_length.filter(|&n| (got as u64) < n) {
        return TransportFailure::Protocol(format!(
            "body shorter than its Content-Length: {authority} closed the connection after {got} of {declared} bytes"
        ));
    }
    if matches!(
        io_kind(error),
        Some(io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted)
    ) {
        return TransportFailure::Protocol(format!(
            "connection reset by {authority} after {got} body bytes"
        ));
    }
    TransportFailure::Protocol(format!(
        "the body from {authority} broke off after {got} bytes ({detail})"
    ))
}

/// TLS refusals, each with its fix. `None` when the failure is not about TLS.
fn tls_problem(lower: &str, authority: &str, detail: &str) -> Option<String> {
    let fix_trust = "pass --cacert FILE with your CA, or --insecure for a server you trust";
    if lower.contains("notvalidforname") || lower.contains("not valid for name") {
        return Some(format!(
            "TLS: the certificate of {authority} is not valid for that host name ({detail}): use the name it was issued for in --target, or --insecure for a server you trust"
        ));
    }
    let about_certificate = lower.contains("certificate");
    if about_certificate && lower.contains("expired") {
        return Some(format!(
            "TLS: the certificate of {authority} has expired or is not yet valid ({detail}): renew it, or --insecure for a server you trust"
        ));
    }
    if lower.contains("invalid peer certificate")
        || lower.contains("unknownissuer")
        || lower.contains("unknown issuer")
        || (about_certificate && (lower.contains("untrusted") || lower.contains("self")))
    {
        return Some(format!(
            "TLS: certificate of {authority} not trusted ({detail}): {fix_trust}"
        ));
    }
    if lower.contains("invalidcontenttype") || lower.contains("corrupt message") {
        return Some(format!(
            "TLS handshake with {authority} failed: the server does not speak TLS on this port ({detail}): try http:// in --target"
        ));
    }
    if lower.contains("certificaterequired") || lower.contains("certificate required") {
        return Some(format!(
            "TLS: {authority} requires a client certificate ({detail}): pass --client-cert FILE"
        ));
    }
    if lower.contains("tls") || lower.contains("handshake") || lower.contains("alert") {
        return Some(format!(
            "TLS handshake with {authority} failed ({detail}): check --cacert, --client-cert, or --insecure for a server you trust"
        ));
    }
    None
}

/// The messages of the error's sources, without the top-level one (it repeats the URL).
pub(super) fn error_chain(error: &reqwest::Error) -> String {
    chain(error)
}

fn chain(error: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // hyper-util wraps every cause in "client error (Kind)", which says nothing new.
        let wrapper = text.starts_with("client error (") && cause.source().is_some();
        if !wrapper && !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(error.to_string());
    }
    parts.join(": ")
}

fn find<E: std::error::Error + 'static>(error: &reqwest::Error) -> Option<&E> {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(found) = cause.downcast_ref::<E>() {
            return Some(found);
        }
        source = cause.source();
    }
    None
}

fn io_kind(error: &reqwest::Error) -> Option<io::ErrorKind> {
    find::<io::Error>(error).map(io::Error::kind)
}

/// `800ms`, `10s`, `1.5s`.
pub(super) fn show(duration: Duration) -> String {
    let ms = duration.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_flags() {
        assert_eq!(show(Duration::from_millis(800)), "800ms");
        assert_eq!(show(Duration::from_secs(10)), "10s");
        assert_eq!(show(Duration::from_millis(1500)), "1.5s");
    }

    #[test]
    fn a_stall_and_a_trickle_are_told_apart() {
        let stalled = deadline_passed(Duration::from_millis(500), "h:1", &Progress::default());
        assert!(
            matches!(&stalled, TransportFailure::Timeout(m) if m.contains("sent no answer within the whole-request deadline of 500ms (--timeout)"))
        );
        let mut progress = Progress::default();
        progress.head_received(200, &[("content-length".into(), "1000".into())]);
        progress.body_bytes = 7;
        let trickled = deadline_passed(Duration::from_millis(500), "h:1", &progress);
        assert!(
            matches!(&trickled, TransportFailure::Timeout(m) if m.contains("only 7 of 1000 body bytes"))
        );
    }
}
