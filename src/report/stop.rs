//! Why a run stopped without a verdict (exit 3), kept in the record so that every such exit
//! leaves reports to archive: what was sent (redacted: `Authorization` keeps
//! `auth-v2/AK/ts/headers/***`, never the signature or the SK), what came back (an excerpt,
//! scrubbed of the same secrets), why the run stopped and the advice the console printed. A
//! CI gate gets a junit.xml with one `<error>` testcase ([`junit_case`]); report.md a section
//! at the top (`markdown::stop`).

use serde::{Deserialize, Serialize};

use super::model::{RequestRecord, ResponseRecord};
use crate::exchange::Exchange;
use crate::redact::Redactor;

/// The name of the junit testcase of a run that stopped without naming a case.
pub const STOPPED_CASE: &str = "run::stopped";

/// A run that stopped before its verdict.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStop {
    /// One line: why the run stopped.
    pub reason: String,
    /// What the console printed: what was seen and what to check, in full.
    pub advice: String,
    /// The case whose exchange stopped the run (`preflight::seed_example`), when one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// That case's request as sent, redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRecord>,
    /// Its answer, an excerpt, redacted; `None` when none came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ResponseRecord>,
    /// Why no answer came (the transport failure), when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl RunStop {
    /// A stop with no exchange of its own to show (the cases that were sent carry theirs).
    pub fn because(advice: &str) -> RunStop {
        RunStop {
            reason: reason_of(advice),
            advice: advice.trim().to_owned(),
            ..RunStop::default()
        }
    }

    /// A stop on `exchange`, the request of case `case` sent to `base_url`: recorded through
    /// `redactor` and the signature the request carried. `no_answer` says why no answer came,
    /// when none did.
    pub fn on_exchange(
        advice: &str,
        case: &str,
        exchange: &Exchange,
        base_url: &str,
        redactor: &Redactor,
        no_answer: Option<&str>,
    ) -> RunStop {
        let redactor = super::redactor_for(redactor, &exchange.request);
        let response = (exchange.response.as_ref().ok())
            .map(|received| ResponseRecord::from_received(received, &redactor));
        let error = no_answer
            .filter(|_| response.is_none())
            .map(|why| redactor.scrub(why));
        RunStop {
            case: Some(case.to_owned()),
            request: Some(RequestRecord::from_sent(
                &exchange.request,
                base_url,
                &redactor,
            )),
            response,
            error,
            ..RunStop::because(&redactor.scrub(advice))
        }
    }

    /// What was sent and what came back, as text: for junit's `<error>` and report.md.
    pub fn exchange_text(&self) -> String {
        let mut text = String::new();
        if let Some(request) = &self.request {
            text.push_str(&format!("sent: {} {}\n", request.method, request.url));
            for (name, value) in &request.headers {
                text.push_str(&format!("  {name}: {value}\n"));
            }
            if !request.body.is_empty() {
                text.push_str(&format!(
                    "  body ({} bytes): {}\n",
                    request.body_bytes, request.body
                ));
            }
        }
        match (&self.response, &self.error) {
            (Some(response), _) => {
                text.push_str(&format!("answered: HTTP {}\n", response.status));
                for (name, value) in &response.headers {
                    text.push_str(&format!("  {name}: {value}\n"));
                }
                if !response.body_excerpt.is_empty() {
                    let cut = if response.truncated { ", excerpt" } else { "" };
                    text.push_str(&format!(
                        "  body ({} bytes{cut}):\n{}\n",
                        response.body_bytes, response.body_excerpt
                    ));
                }
            }
            (None, Some(error)) => text.push_str(&format!("no answer: {error}\n")),
            (None, None) => {}
        }
        text
    }
}

/// The advice's first line, without the console's `target unusable: ` opening.
fn reason_of(advice: &str) -> String {
    let first = advice.trim().lines().next().unwrap_or("").trim();
    first
        .strip_prefix("target unusable: ")
        .unwrap_or(first)
        .to_owned()
}

/// junit.xml's testcase for a stopped run: an `<error>` (the harness could not do its job,
/// not a failure of the server's), the reason its message, the advice and the exchange its text.
pub fn junit_case(stop: &RunStop) -> quick_junit::TestCase {
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus};
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
    let exchange = stop.exchange_text();
    let description = if exchange.is_empty() {
        stop.advice.clone()
    } else {
        format!("{}\n\n{exchange}", stop.advice)
    };
    status
        .set_type("stopped")
        .set_message(stop.reason.as_str())
        .set_description(description);
    let name = stop.case.as_deref().unwrap_or(STOPPED_CASE);
    let mut case = TestCase::new(name, status);
    case.set_classname("cmsconform.stopped")
        .set_time(std::time::Duration::ZERO);
    case
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Received, SentRequest, TransportFailure};

    const SIGNATURE: &str = "e1bcd53bf06a7535fbae86212692d77babb40e3d233a5b95ec60ca6185ff6d3b";

    fn exchange(body: &str) -> Exchange {
        let request = SentRequest {
            headers: vec![(
                "authorization".into(),
                format!("auth-v2/my-ak/2023-12-19T08:00:00Z/host/{SIGNATURE}"),
            )],
            ..SentRequest::post("/p", r#"{"ccId":1}"#)
        };
        Exchange::new(request, Ok(Received::new(401, body)), 0, 0)
    }

    #[test]
    fn the_reason_is_the_first_line_without_the_consoles_opening() {
        let stop = RunStop::because("target unusable: the preflight was refused.\nCheck: x");
        assert_eq!(stop.reason, "the preflight was refused.");
        assert!(stop.advice.contains("Check: x"));
        assert_eq!(RunStop::because("halted: 403").reason, "halted: 403");
    }

    #[test]
    fn the_exchange_is_recorded_without_the_signature_or_the_secret() {
        let redactor = Redactor::new().with("the-secret-key");
        let echo = format!("refused the-secret-key {SIGNATURE}");
        let advice = format!("target unusable: refused.\nThe server said: {SIGNATURE}");
        let stop = RunStop::on_exchange(
            &advice,
            "preflight::seed_example",
            &exchange(&echo),
            "https://cms.example",
            &redactor,
            None,
        );
        let text = format!("{}\n{}", stop.advice, stop.exchange_text());
        assert!(
            !text.contains(SIGNATURE) && !text.contains("the-secret-key"),
            "{text}"
        );
        assert!(text.contains("sent: POST https://cms.example/p"), "{text}");
        assert!(text.contains("auth-v2/my-ak/"), "{text}");
        assert!(text.contains("answered: HTTP 401"), "{text}");
        let json = serde_json::to_string(&stop).unwrap();
        assert!(!json.contains(SIGNATURE), "{json}");
        let back: RunStop = serde_json::from_str(&json).unwrap();
        assert_eq!(back, stop);
    }

    #[test]
    fn no_answer_is_said_so() {
        let mut unanswered = exchange("");
        unanswered.response = Err(TransportFailure::Connect("refused".into()));
        let stop = RunStop::on_exchange(
            "target unusable: x",
            "c",
            &unanswered,
            "http://h",
            &Redactor::new(),
            Some("connect failed: refused"),
        );
        assert!(
            stop.exchange_text()
                .contains("no answer: connect failed: refused"),
            "{}",
            stop.exchange_text()
        );
    }

    #[test]
    fn junit_gets_one_error_testcase() {
        let stop = RunStop::because("target unusable: halted");
        let case = junit_case(&stop);
        assert_eq!(case.name.as_str(), STOPPED_CASE);
        assert!(matches!(
            case.status,
            quick_junit::TestCaseStatus::NonSuccess {
                kind: quick_junit::NonSuccessKind::Error,
                ..
            }
        ));
    }
}
