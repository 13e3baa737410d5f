//! What a preflight that stops the run says: what was seen, and only the causes that fit it.
//! A 401 names the keys, the clock, `Host` and the path; a 403 the lock-out; no answer the
//! address and TLS; an answer that is not the interface's (an HTML page, a 404, bytes that are
//! no JSON) the path and what fronts the server. An answer that was authenticated never gets
//! AK/SK advice.

use std::time::UNIX_EPOCH;

use super::Context;
use crate::checks::json;
use crate::exchange::{Exchange, Received};
use crate::redact::Redactor;

/// The opening every stop message shares.
fn opening(context: &Context) -> String {
    format!(
        "target unusable: the preflight, one signed request (the seed example's agents at ccId \
         {}, vdn {}),",
        context.home.cc_id, context.home.vdn
    )
}

/// No answer at all: where the run went, and how it talks TLS.
pub(super) fn no_answer(context: &Context, failure: &str) -> String {
    format!(
        "{} got no answer: {}. Nothing else was sent.\nCheck that {} is the server's address and \
         reachable (--target; TLS: --cacert, --insecure).",
        opening(context),
        context.redactor.scrub(failure),
        context.url
    )
}

/// A 401: the signature was refused, so everything it covers may be the cause.
pub(super) fn unauthenticated(
    context: &Context,
    exchange: &Exchange,
    received: &Received,
) -> String {
    let host = exchange.request.header("host").unwrap_or("");
    format!(
        "{} was refused as unauthenticated (HTTP 401). Nothing else was sent.{said}\nCheck:\n  \
         - the access key {ak:?} and its secret key (--ak/--sk or CMSCONFORM_AK/CMSCONFORM_SK) \
         are a pair the server issued;\n  \
         - the clock: {clock};\n  \
         - that no proxy or load balancer rewrites Host: the signature covers host {host:?};\n  \
         - the path: the request went to {url} (--target, --path).",
        opening(context),
        said = server_said(received, &context.redactor),
        ak = context.ak,
        clock = clock(received, exchange.received_at_ms),
        url = context.url,
    )
}

/// A 403: the server refuses this client; another run now would only prolong a lock-out.
pub(super) fn locked_out(context: &Context, received: &Received) -> String {
    format!(
        "{} was refused with HTTP 403: the server refuses this client, maybe because its IP is \
         locked out after repeated authentication failures (notes:3). Nothing else was sent.\
         {said}\nWait for the lock to lift before another run.",
        opening(context),
        said = server_said(received, &context.redactor),
    )
}

/// An answer that is not the interface's: something else answers at that address or path.
pub(super) fn not_the_interface(context: &Context, received: &Received) -> String {
    let what = if json::read_answer(&received.body).value().is_some() {
        "JSON that is not the interface's answer (no resultCode)"
    } else if received.body.trim_ascii().is_empty() {
        "an empty body"
    } else if looks_like_html(&received.body) {
        "an HTML page"
    } else {
        "a body that is no JSON"
    };
    format!(
        "{} was answered HTTP {} with {what}: not this interface's answer. Nothing else was \
         sent.{said}\nCheck:\n  \
         - the path: the request went to {url} (--target, --path; a gateway may add a prefix);\n  \
         - whether a proxy or gateway in front of the server answers with a page of its own.",
        opening(context),
        received.status,
        said = server_said(received, &context.redactor),
        url = context.url,
    )
}

fn looks_like_html(body: &[u8]) -> bool {
    body.trim_ascii_start().starts_with(b"<")
}

/// The resultCode of a JSON answer, if it has one (read as the checks read it: a defect around
/// the JSON does not hide it).
pub(super) fn result_code(received: &Received) -> Option<String> {
    let read = json::read_answer(&received.body);
    let code = read.value()?.get("resultCode")?.as_str()?;
    Some(code.chars().take(32).collect())
}

/// The start of the server's answer on one line, scrubbed, or nothing.
pub(super) fn server_said(received: &Received, redactor: &Redactor) -> String {
    const SHOWN_CHARS: usize = 200;
    let text = String::from_utf8_lossy(&received.body);
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(SHOWN_CHARS)
        .collect();
    let line = redactor.scrub(line.trim());
    if line.is_empty() {
        String::new()
    } else {
        format!("\nThe server said: {line}")
    }
}

/// The server's `Date` against this machine's clock when the answer came. Signatures carry
/// this machine's UTC time; a server refuses them outside its window.
pub(super) fn clock(received: &Received, local_ms: i64) -> String {
    let server_secs = received
        .header("date")
        .and_then(|date| httpdate::parse_http_date(date.trim()).ok())
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .and_then(|since| i64::try_from(since.as_secs()).ok());
    let Some(server_secs) = server_secs else {
        return "the server sent no usable Date header: compare its clock with this machine's \
                (signatures carry this machine's UTC time)"
            .to_owned();
    };
    // Date has whole seconds: a clock in step reads 0 or 1 s behind.
    let difference = server_secs - local_ms.div_euclid(1000);
    match difference {
        -1..=1 => {
            "the server's Date header agrees with this machine's clock (within a second)".to_owned()
        }
        d if d > 0 => format!(
            "the server's Date header is {d} s ahead of this machine's clock (signatures carry \
             this machine's UTC time)"
        ),
        d => format!(
            "the server's Date header is {} s behind this machine's clock (signatures carry \
             this machine's UTC time)",
            -d
        ),
    }
}
