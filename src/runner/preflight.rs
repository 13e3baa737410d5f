//! The credentials preflight: before any case, one request signed with the run's credentials,
//! the seed example's agents at the run's home call centre and VDN. A wrong SK, a clock off by
//! more than the server's window, a proxy that rewrites `Host` or a wrong path would otherwise
//! send the whole suite with signatures the server refuses, and a real server locks the client
//! IP after a few of those (notes:3). So an answer that is not the contract's success or
//! business failure stops the run here, having sent nothing else, with what to check.
//!
//! The `Authorization` the server accepts here is also what the replay probe sends again with
//! another body (`AuthMode::Replay`): the signature must cover the body (notes:3).

use std::time::UNIX_EPOCH;

use super::config::{HomePair, RunConfig};
use super::session::{Session, describe};
use crate::cases::Outcome;
use crate::cases::{AuthMode, HeaderEdits};
use crate::checks;
use crate::client::OutgoingRequest;
use crate::exchange::{Exchange, Received};
use crate::redact::Redactor;

/// What the preflight found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A success: the credentials, the clock, `Host` and the path all work.
    Accepted,
    /// A business failure (HTTP 200, a failure `resultCode`): the request authenticated, but
    /// the server refused the home call centre or VDN. The run goes on; this is the warning.
    HomeRefused(String),
    /// Anything else: the run must stop before any case; what happened and what to check.
    Fatal(String),
}

/// The seed example's request at `home`: with the seed's own pair, its exact bytes.
pub fn request(path: &str, home: HomePair) -> OutgoingRequest {
    let body = format!(
        r#"{{"ccId":{},"vdn":{},"agentIds":[1031,1099]}}"#,
        home.cc_id, home.vdn
    );
    OutgoingRequest {
        method: "POST".into(),
        path: path.to_owned(),
        auth: AuthMode::Signed,
        header_edits: HeaderEdits::default(),
        body: body.into_bytes(),
    }
}

/// Sends the preflight through `session` and judges it. An accepted signature (a success or a
/// business failure) is kept in the session for the replay probe.
pub async fn run(session: &Session, config: &RunConfig) -> Finding {
    let exchange = session
        .client
        .send(&request(&config.path, config.home))
        .await;
    let context = Context {
        ak: &config.client.creds.ak,
        url: format!("{}{}", session.base_url, config.path),
        home: config.home,
        redactor: crate::report::redactor_for(session.redactor(), &exchange.request),
    };
    let finding = judge(&session.contract, &exchange, &context);
    if !matches!(finding, Finding::Fatal(_)) {
        if let Some(authorization) = exchange.request.header("authorization") {
            session.remember_accepted(authorization, &exchange.request.body);
        }
    }
    finding
}

/// What a message may name about the run (never the SK or a signature).
pub struct Context<'a> {
    pub ak: &'a str,
    /// Where the preflight went: base URL and path.
    pub url: String,
    pub home: HomePair,
    /// Scrubs the SK and the preflight's signature out of what the server said.
    pub redactor: Redactor,
}

/// The preflight's verdict on `exchange`. Pure.
pub fn judge(
    contract: &crate::contract::Contract,
    exchange: &Exchange,
    context: &Context,
) -> Finding {
    let pair = format!("ccId {}, vdn {}", context.home.cc_id, context.home.vdn);
    let received = match &exchange.response {
        Ok(received) => received,
        Err(failure) => {
            return Finding::Fatal(format!(
                "target unusable: the preflight, one signed request (the seed example's agents at {pair}), got no \
                 answer: {}. Nothing else was sent.\nCheck that {} is the server's address and \
                 reachable (--target; TLS: --cacert, --insecure).",
                context.redactor.scrub(&describe(failure)),
                context.url
            ));
        }
    };
    let outcome = checks::classify(contract, exchange);
    match outcome {
        Some(Outcome::Accepted) => return Finding::Accepted,
        Some(Outcome::Rejected) if received.status == 200 => {
            return Finding::HomeRefused(format!(
                "warning: the home call centre/vdn was refused ({pair} answered with a failure \
                 resultCode{}): pass --cc-id/--vdn with a call centre and VDN the server hosts",
                result_code(received)
                    .map(|c| format!(" {c}"))
                    .unwrap_or_default()
            ));
        }
        _ => {}
    }
    let what = match received.status {
        401 => "was refused as unauthenticated (HTTP 401)".to_owned(),
        403 => "was refused with HTTP 403: the server refuses this client, maybe because its IP \
                is locked out after repeated authentication failures (notes:3); wait for the \
                lock to lift before another run"
            .to_owned(),
        status => format!(
            "was answered HTTP {status}, neither the contract's success nor its business failure"
        ),
    };
    let said = server_said(received, &context.redactor);
    let host = exchange.request.header("host").unwrap_or("");
    Finding::Fatal(format!(
        "target unusable: the preflight, one signed request (the seed example's agents at {pair}), {what}. \
         Nothing else was sent.{said}\nCheck:\n  \
         - the access key {ak:?} and its secret key (--ak/--sk or CMSCONFORM_AK/CMSCONFORM_SK) \
         are a pair the server issued;\n  \
         - the clock: {clock};\n  \
         - that no proxy or load balancer rewrites Host: the signature covers host {host:?};\n  \
         - the path: the request went to {url} (--target, --path).",
        ak = context.ak,
        clock = clock(received, exchange.received_at_ms),
        url = context.url,
    ))
}

/// The resultCode of a JSON answer, if it has one.
fn result_code(received: &Received) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(&received.body).ok()?;
    let code = value.get("resultCode")?.as_str()?;
    Some(code.chars().take(32).collect())
}

/// The start of the server's answer on one line, scrubbed, or nothing.
fn server_said(received: &Received, redactor: &Redactor) -> String {
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
fn clock(received: &Received, local_ms: i64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Contract;
    use crate::exchange::{SentRequest, TransportFailure};

    const SIGNATURE: &str = "e1bcd53bf06a7535fbae86212692d77babb40e3d233a5b95ec60ca6185ff6d3b";
    /// 2023-12-19T08:00:00Z.
    const LOCAL_MS: i64 = 1_702_972_800_000;

    fn exchange(status: u16, headers: &[(&str, &str)], body: &str) -> Exchange {
        let request = SentRequest {
            headers: vec![
                ("host".into(), "cms.example:28080".into()),
                (
                    "authorization".into(),
                    format!("auth-v2/ak/2023-12-19T08:00:00Z/host/{SIGNATURE}"),
                ),
            ],
            ..SentRequest::post("/p", "{}")
        };
        let response = Received {
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            ..Received::new(status, body)
        };
        Exchange::new(request, Ok(response), LOCAL_MS, LOCAL_MS)
    }

    fn judged(exchange: &Exchange) -> Finding {
        let contract = Contract::embedded("2023-12").unwrap_or_else(|e| panic!("{e}"));
        let context = Context {
            ak: "my-ak",
            url: "https://cms.example:28080/p".into(),
            home: HomePair::SEED,
            redactor: crate::report::redactor_for(
                &Redactor::new().with("the-secret-key"),
                &exchange.request,
            ),
        };
        judge(&contract, exchange, &context)
    }

    fn fatal(finding: Finding) -> String {
        match finding {
            Finding::Fatal(message) => message,
            other => panic!("not fatal: {other:?}"),
        }
    }

    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn the_seed_request_at_the_seed_pair_is_the_seed_example_byte_for_byte() {
        let sent = request("/p", HomePair::SEED);
        assert_eq!(sent.body, br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#);
        assert_eq!(sent.auth, AuthMode::Signed);
        let other = request("/p", HomePair { cc_id: 7, vdn: 9 });
        assert_eq!(other.body, br#"{"ccId":7,"vdn":9,"agentIds":[1031,1099]}"#);
    }

    #[test]
    fn a_success_passes_and_a_business_failure_only_warns() {
        let ok = r#"{"result":"0","resultCode":"0100000","resultDesc":"ok","resultDatas":[],"resultData":[]}"#;
        assert_eq!(judged(&exchange(200, &[JSON], ok)), Finding::Accepted);
        let refused = r#"{"result":"1","resultCode":"0100001","resultDesc":"no such ccId"}"#;
        let Finding::HomeRefused(warning) = judged(&exchange(200, &[JSON], refused)) else {
            panic!("a business failure is not fatal");
        };
        assert!(warning.contains("pass --cc-id/--vdn"), "{warning}");
        assert!(warning.contains("0100001") && warning.contains("ccId 1, vdn 170"));
    }

    #[test]
    fn a_401_names_the_keys_the_clock_host_and_path_and_no_secret() {
        let echo = format!("Unauthorized: the-secret-key {SIGNATURE} refused");
        let date = ("date", "Tue, 19 Dec 2023 08:00:42 GMT");
        let message = fatal(judged(&exchange(401, &[JSON, date], &echo)));
        for wanted in [
            "HTTP 401",
            "Nothing else was sent",
            "\"my-ak\"",
            "--ak/--sk",
            "42 s ahead of this machine's clock",
            "host \"cms.example:28080\"",
            "https://cms.example:28080/p",
            "The server said: Unauthorized: *** *** refused",
        ] {
            assert!(message.contains(wanted), "{wanted:?} in {message}");
        }
        assert!(!message.contains("the-secret-key") && !message.contains(SIGNATURE));
    }

    #[test]
    fn the_clock_difference_is_read_from_date_either_way() {
        let at = |date: &str| fatal(judged(&exchange(401, &[("date", date)], "")));
        assert!(at("Tue, 19 Dec 2023 07:58:00 GMT").contains("120 s behind"));
        assert!(at("Tue, 19 Dec 2023 08:00:00 GMT").contains("agrees with this machine's clock"));
        assert!(at("yesterday").contains("no usable Date header"));
        assert!(fatal(judged(&exchange(401, &[], ""))).contains("no usable Date header"));
    }

    #[test]
    fn a_403_an_unrecognised_answer_and_no_answer_are_fatal() {
        assert!(fatal(judged(&exchange(403, &[], ""))).contains("locked out"));
        assert!(fatal(judged(&exchange(404, &[], "not here"))).contains("HTTP 404, neither"));
        assert!(fatal(judged(&exchange(200, &[JSON], "{}"))).contains("HTTP 200, neither"));
        assert!(fatal(judged(&exchange(400, &[JSON], "{}"))).contains("HTTP 400"));
        let mut unreachable = exchange(200, &[], "");
        unreachable.response = Err(TransportFailure::Connect("refused".into()));
        let message = fatal(judged(&unreachable));
        assert!(
            message.contains("got no answer: connect failed: refused"),
            "{message}"
        );
        assert!(message.contains("https://cms.example:28080/p"));
    }
}
