//! The credentials preflight: before any case, one request signed with the run's credentials,
//! the seed example's agents at the run's home call centre and VDN. A wrong SK, a clock off by
//! more than the server's window, a proxy that rewrites `Host` or a wrong path would otherwise
//! send the whole suite with signatures the server refuses, and a real server locks the client
//! IP after a few of those (notes:3). So an answer that tells nothing of the contract (no
//! answer, a 401, a 403, an answer that is not the interface's JSON) stops the run here, having
//! sent nothing else, with what fits what was seen (`advice`).
//!
//! An answer that is the interface's, with a defect (a BOM, trailing bytes, a `NaN`, a
//! duplicated member, a wrong Content-Type, a field out of range), is judged like any case's:
//! case `preflight::seed_example` fails with its finding, and the run goes on to judge the rest.
//!
//! The `Authorization` the server accepts here is also what the replay probe sends again with
//! another body (`AuthMode::Replay`): the signature must cover the body (notes:3).

mod advice;

use std::time::Instant;

use serde_json::json;

use super::config::{HomePair, RunConfig};
use super::session::{Session, describe};
use crate::cases::{Case, CaseOrigin, CaseRequest, Expectation, Outcome};
use crate::checks;
use crate::client::OutgoingRequest;
use crate::exchange::{Exchange, Received};
use crate::redact::Redactor;
use crate::report::{CaseRecord, Verdict};

/// The id the preflight is recorded under when its answer breaks the contract.
pub const CASE_ID: &str = "preflight::seed_example";

/// What the preflight found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A success: the credentials, the clock, `Host` and the path all work.
    Accepted,
    /// A business failure (a failure `resultCode`): the request authenticated, but the server
    /// refused the home call centre or VDN. The run goes on; this is the warning.
    HomeRefused(String),
    /// The interface's JSON (it has a `resultCode`), but neither its success nor its business
    /// failure (a success code under HTTP 500, a code that is no string): judged as a case; the
    /// run goes on; this is the warning.
    Unexpected(String),
    /// Nothing about the contract: the run must stop before any case; what happened and what
    /// to check.
    Fatal(String),
}

/// The preflight's finding, and its record when the answer was judged and broke the contract.
#[derive(Debug)]
pub struct Preflight {
    pub finding: Finding,
    /// Case [`CASE_ID`], failed: kept with the run's records. A preflight that passed is no
    /// record of its own: `hand::seed_example` judges the same request in every suite.
    pub failed: Option<CaseRecord>,
    /// A [`Finding::Fatal`]'s exchange and advice, redacted, for the reports of the run it
    /// stops.
    pub stop: Option<crate::report::RunStop>,
}

/// The preflight as a case: the seed example's request at `home`, which must be accepted, or
/// refused as a business failure when the server does not host that pair (notes:6.15).
pub fn case(home: HomePair) -> Case {
    Case {
        id: CASE_ID.to_owned(),
        title: "The credentials preflight: the vendor's own example request at the home pair"
            .to_owned(),
        clause: "seed:example".to_owned(),
        tags: vec!["preflight".to_owned(), "seed".to_owned()],
        profiles: None,
        // Member order as the seed example has it (serde_json keeps it).
        request: CaseRequest::json(json!({
            "ccId": home.cc_id, "vdn": home.vdn, "agentIds": [1031, 1099]
        })),
        expect: Expectation::EitherOf {
            either_of: vec![Outcome::Accepted, Outcome::Rejected],
        },
        notes: None,
        origin: CaseOrigin::Generated,
    }
}

/// The seed example's request at `home`: with the seed's own pair, its exact bytes.
pub fn request(path: &str, home: HomePair) -> OutgoingRequest {
    let case = case(home);
    OutgoingRequest {
        method: case.request.method.clone(),
        path: path.to_owned(),
        auth: case.request.auth,
        header_edits: case.request.headers.clone(),
        body: case.request.body_bytes(),
    }
}

/// Sends the preflight through `session` and judges it. An accepted signature (a success or a
/// business failure) is kept in the session for the replay probe.
pub async fn run(session: &Session, config: &RunConfig) -> Preflight {
    let started = Instant::now();
    let exchange = session
        .client
        .send(&request(&config.path, config.home))
        .await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let context = Context {
        ak: &config.client.creds.ak,
        url: format!("{}{}", session.base_url, config.path),
        home: config.home,
        redactor: crate::report::redactor_for(session.redactor(), &exchange.request),
    };
    let finding = judge(&session.contract, &exchange, &context);
    if matches!(finding, Finding::Accepted | Finding::HomeRefused(_)) {
        if let Some(authorization) = exchange.request.header("authorization") {
            session.remember_accepted(authorization, &exchange.request.body);
        }
    }
    let failed = match finding {
        Finding::Fatal(_) => None,
        _ => Some(session.record(&case(config.home), &exchange, duration_ms))
            .filter(|record| record.verdict == Verdict::Failed),
    };
    let stop = match &finding {
        Finding::Fatal(advice) => Some(crate::report::RunStop::on_exchange(
            advice,
            CASE_ID,
            &exchange,
            &session.base_url,
            session.redactor(),
            exchange.response.as_ref().err().map(describe).as_deref(),
        )),
        _ => None,
    };
    Preflight {
        finding,
        failed,
        stop,
    }
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
    let received = match &exchange.response {
        Ok(received) => received,
        Err(failure) => return Finding::Fatal(advice::no_answer(context, &describe(failure))),
    };
    match received.status {
        401 => return Finding::Fatal(advice::unauthenticated(context, exchange, received)),
        403 => return Finding::Fatal(advice::locked_out(context, received)),
        _ => {}
    }
    if !is_the_interfaces_answer(received) {
        return Finding::Fatal(advice::not_the_interface(context, received));
    }
    let pair = format!("ccId {}, vdn {}", context.home.cc_id, context.home.vdn);
    match checks::classify(contract, exchange) {
        Some(Outcome::Accepted) => Finding::Accepted,
        Some(Outcome::Rejected) => Finding::HomeRefused(format!(
            "warning: the home call centre/vdn was refused ({pair} answered HTTP {} with a \
             failure resultCode{}): pass --cc-id/--vdn with a call centre and VDN the server hosts",
            received.status,
            advice::result_code(received)
                .map(|c| format!(" {c}"))
                .unwrap_or_default()
        )),
        _ => Finding::Unexpected(format!(
            "warning: the preflight ({pair}) was answered HTTP {} with the interface's JSON, but \
             neither its success nor its business failure: judged as case {CASE_ID}, and the \
             run goes on",
            received.status
        )),
    }
}

/// An answer the interface gave, whatever its defects: a JSON object (read as the checks read
/// it, around a BOM, trailing bytes or a `NaN`) with the contract's `resultCode` or `result`
/// member. A gateway's page, a 404 from another application or bytes that are no JSON are not.
fn is_the_interfaces_answer(received: &Received) -> bool {
    let read = checks::json::read_answer(&received.body);
    read.value()
        .and_then(serde_json::Value::as_object)
        .is_some_and(|body| body.contains_key("resultCode") || body.contains_key("result"))
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
        assert_eq!(sent.auth, crate::cases::AuthMode::Signed);
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
    fn a_403_an_answer_not_the_interfaces_and_no_answer_are_fatal_with_advice_that_fits() {
        let locked = fatal(judged(&exchange(403, &[], "")));
        assert!(
            locked.contains("locked out") && !locked.contains("--ak"),
            "{locked}"
        );
        let not_found = fatal(judged(&exchange(404, &[], "not here")));
        assert!(
            not_found.contains("HTTP 404 with a body that is no JSON"),
            "{not_found}"
        );
        let page = fatal(judged(&exchange(
            200,
            &[],
            "<html><body>gateway</body></html>",
        )));
        assert!(page.contains("HTTP 200 with an HTML page"), "{page}");
        let no_code = fatal(judged(&exchange(200, &[JSON], "{}")));
        assert!(no_code.contains("JSON that is not the interface's answer"));
        assert!(fatal(judged(&exchange(400, &[JSON], "{}"))).contains("HTTP 400"));
        for message in [&not_found, &page, &no_code] {
            assert!(
                message.contains("--path") && message.contains("gateway"),
                "{message}"
            );
            assert!(
                !message.contains("--ak") && !message.contains("clock"),
                "{message}"
            );
        }
        let mut unreachable = exchange(200, &[], "");
        unreachable.response = Err(TransportFailure::Connect("refused".into()));
        let message = fatal(judged(&unreachable));
        assert!(
            message.contains("got no answer: connect failed: refused"),
            "{message}"
        );
        assert!(message.contains("https://cms.example:28080/p") && !message.contains("--ak"));
    }

    #[test]
    fn the_interfaces_answer_with_a_defect_is_judged_not_fatal() {
        let ok = r#"{"result":"0","resultCode":"0100000","resultDesc":[]}"#;
        for body in [
            format!("\u{feff}{ok}"),
            format!("{ok}<!-- node 2 -->"),
            ok.replace("[]", r#"[{"agentId":1031,"logonDuration":NaN}]"#),
        ] {
            assert_eq!(
                judged(&exchange(200, &[JSON], &body)),
                Finding::Accepted,
                "{body}"
            );
        }
        // The interface's JSON under a status no answer of it has: judged, with a warning.
        let Finding::Unexpected(warning) = judged(&exchange(500, &[JSON], ok)) else {
            panic!("the interface's JSON under HTTP 500 is judged");
        };
        assert!(
            warning.contains(CASE_ID) && warning.contains("HTTP 500"),
            "{warning}"
        );
        let refused = r#"{"resultCode":"0100001","resultDesc":"no such ccId"}"#;
        assert!(matches!(
            judged(&exchange(400, &[JSON], refused)),
            Finding::HomeRefused(_)
        ));
    }

    #[test]
    fn the_preflight_case_is_the_seed_request_expecting_acceptance_or_a_business_failure() {
        let case = case(HomePair::SEED);
        assert_eq!(case.id, CASE_ID);
        assert_eq!(case.clause, "seed:example");
        assert!(case.expect.allows(Outcome::Accepted) && case.expect.allows(Outcome::Rejected));
        assert!(!case.expect.allows(Outcome::Unauthenticated));
        assert_eq!(
            case.request.body_bytes(),
            request("/p", HomePair::SEED).body
        );
    }
}
