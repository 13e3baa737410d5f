//! Rules on the HTTP layer of one exchange: transport failures, status classes, Content-Type,
//! the method refusal and the 401, and the comparison of what came back with what the case
//! expected. Nothing here reads the body beyond what `classify` already found.

use super::model::{CheckDef, Severity, Violation, check_def};
use crate::cases::{Expectation, Outcome};
use crate::exchange::{Received, TransportFailure};

check_def!(
    NO_ANSWER,
    "CMS-HTTP-001",
    "notes:6.1",
    Failure,
    "The server answers every request"
);
check_def!(
    TIMEOUT,
    "CMS-HTTP-002",
    "notes:6.1",
    Failure,
    "The server never hangs: it answers within the deadline"
);
check_def!(
    TRUNCATED,
    "CMS-HTTP-003",
    "notes:6.1",
    Failure,
    "The answer fits the size cap"
);
check_def!(
    SERVER_ERROR,
    "CMS-HTTP-004",
    "notes:6.1",
    Failure,
    "The server never answers 5xx"
);
check_def!(
    SUCCESS_NOT_200,
    "CMS-HTTP-005",
    "seed:table3",
    Failure,
    "A success is answered HTTP 200"
);
check_def!(
    CONTENT_TYPE,
    "CMS-HTTP-006",
    "notes:6.11",
    Failure,
    "A JSON answer has Content-Type application/json"
);
check_def!(
    UNRECOGNISED,
    "CMS-HTTP-007",
    "notes:6.1",
    Failure,
    "The answer is a success, a rejection, a 401 or a method refusal"
);
check_def!(
    NOT_SENT,
    "CMS-HTTP-008",
    "notes:3:lockout",
    Info,
    "The request was not sent (e.g. probe budget spent)"
);
check_def!(
    EXPECTED_SUCCESS,
    "CMS-OUT-001",
    "seed:table3",
    Failure,
    "A valid request is answered with a success"
);
check_def!(
    EXPECTED_REJECTION,
    "CMS-OUT-002",
    "notes:6.1",
    Failure,
    "An invalid request is rejected, never a success"
);
check_def!(
    EXPECTED_401,
    "CMS-OUT-003",
    "notes:3",
    Failure,
    "An unauthenticated request is answered HTTP 401"
);
check_def!(
    LOCKOUT,
    "CMS-OUT-004",
    "notes:3:lockout",
    Info,
    "HTTP 403: the client IP is locked out"
);
check_def!(
    METHOD_SUCCESS,
    "CMS-OUT-005",
    "notes:6.13",
    Failure,
    "Another method than POST is never answered as a success"
);
check_def!(
    METHOD_OTHER_REFUSAL,
    "CMS-OUT-006",
    "notes:6.13",
    Info,
    "A method refusal other than 405 (404/501 or a 4xx)"
);
check_def!(
    ALLOW_MISSING,
    "CMS-OUT-007",
    "notes:6.13",
    Failure,
    "A 405 carries Allow: POST"
);
check_def!(
    ALLOW_WRONG,
    "CMS-OUT-008",
    "notes:6.13",
    Failure,
    "The Allow header of a 405 lists POST"
);
check_def!(
    EMPTY_EITHER,
    "CMS-OUT-009",
    "notes:6.2",
    Info,
    "Empty agentIds: a rejection or an empty success"
);
check_def!(
    REJECTION_OTHER_4XX,
    "CMS-OUT-010",
    "notes:6.1",
    Info,
    "A rejection as another 4xx (401/404/405) is allowed"
);

check_def!(
    COMPRESSED,
    "CMS-HTTP-009",
    "notes:6.18",
    Info,
    "A compressed answer (Content-Encoding gzip, deflate or br) is decoded, then judged"
);

check_def!(
    REPLAY_ACCEPTED,
    "CMS-AUTH-001",
    "notes:3",
    Failure,
    "An Authorization accepted a moment ago, sent again with another body, is refused (HTTP 401)"
);

/// The replay probe's findings: the 401 it expected and did not get means the server took a
/// signature it had verified for another body, so it caches verified signatures (a replay
/// hole) or its signature does not cover the body. Said under its own id; the rest as it was.
pub fn replay_findings(violations: Vec<Violation>) -> Vec<Violation> {
    violations
        .into_iter()
        .map(|v| {
            if v.check != EXPECTED_401.id {
                return v;
            }
            let message = format!(
                "{}: the server accepted the Authorization it had just verified for another \
                 body (it caches verified signatures, or the signature does not cover the body)",
                v.message
            );
            let mut replayed = Violation::new(&REPLAY_ACCEPTED, v.pointer, message);
            replayed.value = v.value;
            replayed
        })
        .collect()
}

/// A transport failure is a failure, citing "never a hang" where the deadline passed.
pub fn check_transport(failure: &TransportFailure) -> Violation {
    match failure {
        TransportFailure::Timeout(d) => {
            Violation::new(&TIMEOUT, "", format!("no answer before the deadline: {d}"))
        }
        TransportFailure::Connect(d) => {
            Violation::new(&NO_ANSWER, "", format!("could not connect: {d}"))
        }
        TransportFailure::Protocol(d) => {
            Violation::new(&NO_ANSWER, "", format!("broken answer: {d}"))
        }
        TransportFailure::NotSent(d) => Violation::new(&NOT_SENT, "", format!("not sent: {d}")),
    }
}

pub fn check_truncated(received: &Received) -> Option<Violation> {
    received.truncated.then(|| {
        Violation::new(
            &TRUNCATED,
            "",
            format!(
                "body cut at the size cap ({} bytes read)",
                received.body.len()
            ),
        )
    })
}

/// The answer came with a content coding. The client decodes gzip, deflate and br before any
/// check reads the body, and refuses any other coding as a broken answer, so a [`Received`]
/// that names one was decoded.
pub fn check_content_coding(received: &Received) -> Option<Violation> {
    let coding = received
        .headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("content-encoding"))
        .flat_map(|(_, value)| value.split(','))
        .map(str::trim)
        .filter(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
        .collect::<Vec<_>>()
        .join(", ");
    (!coding.is_empty()).then(|| {
        Violation::new(
            &COMPRESSED,
            "header:content-encoding",
            format!("answer compressed with {coding}, decoded before judging"),
        )
        .with_value(&coding)
    })
}

pub fn check_server_error(received: &Received) -> Option<Violation> {
    (500..600).contains(&received.status).then(|| {
        Violation::new(
            &SERVER_ERROR,
            "status",
            format!("HTTP {} (5xx is never conformant)", received.status),
        )
        .with_value(received.status)
    })
}

/// notes:6.13 accepts 501 as the refusal of another method than POST: there it is the
/// expected answer, not the 5xx that notes:6.1 forbids.
pub fn is_allowed_method_refusal(
    expect: &Expectation,
    outcome: Option<Outcome>,
    received: &Received,
) -> bool {
    received.status == 501
        && outcome == Some(Outcome::NotAllowedMethod)
        && expect.allows(Outcome::NotAllowedMethod)
}

pub fn check_success_status(received: &Received) -> Option<Violation> {
    (received.status != 200).then(|| {
        Violation::new(
            &SUCCESS_NOT_200,
            "status",
            format!("a success answered HTTP {}", received.status),
        )
        .with_value(received.status)
    })
}

/// True when the media type (parameters ignored) is `application/json`.
pub fn is_json_media_type(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

pub fn check_content_type(received: &Received) -> Option<Violation> {
    match received.header("content-type") {
        Some(ct) if is_json_media_type(ct) => None,
        Some(ct) => Some(
            Violation::new(
                &CONTENT_TYPE,
                "header:content-type",
                "a JSON answer must be labelled application/json",
            )
            .with_value(ct),
        ),
        None => Some(Violation::new(
            &CONTENT_TYPE,
            "header:content-type",
            "a JSON answer has no Content-Type",
        )),
    }
}

/// notes:6.13: a 405 should say `Allow: POST`; 404/501 and other refusals are information.
pub fn check_method_refusal(received: &Received) -> Option<Violation> {
    if received.status != 405 {
        return Some(
            Violation::new(
                &METHOD_OTHER_REFUSAL,
                "status",
                format!(
                    "method refused with HTTP {} rather than 405",
                    received.status
                ),
            )
            .with_value(received.status),
        );
    }
    match received.header("allow") {
        None => Some(Violation::new(
            &ALLOW_MISSING,
            "header:allow",
            "405 without an Allow header (RFC 9110 15.5.6 requires one; Allow: POST expected)",
        )),
        Some(allow)
            if allow
                .split(',')
                .any(|m| m.trim().eq_ignore_ascii_case("POST")) =>
        {
            None
        }
        Some(allow) => Some(
            Violation::new(
                &ALLOW_WRONG,
                "header:allow",
                "the Allow header of a 405 does not list POST",
            )
            .with_value(allow),
        ),
    }
}

fn describe(outcome: Option<Outcome>, received: &Received, result_code: Option<&str>) -> String {
    let code = result_code
        .map(|c| format!(", resultCode {c}"))
        .unwrap_or_default();
    match outcome {
        Some(Outcome::Accepted) => format!("a success (HTTP {}{code})", received.status),
        // notes:3: a 403 is the IP lockout after repeated authentication failures.
        Some(Outcome::Rejected) if received.status == 403 => {
            format!("HTTP 403{code} (the client IP may be locked out)")
        }
        Some(Outcome::Rejected) => format!("a rejection (HTTP {}{code})", received.status),
        Some(Outcome::Unauthenticated) => "HTTP 401".into(),
        Some(Outcome::NotAllowedMethod) => format!("a method refusal (HTTP {})", received.status),
        None => format!("an unrecognised answer (HTTP {}{code})", received.status),
    }
}

/// Compares what came back with the expectation. `request` names the request briefly for the
/// message (e.g. " for request /ccId = 0"), computed only when needed; `empty_request` marks an
/// empty `agentIds` (notes:6.2).
pub fn compare(
    expect: &Expectation,
    outcome: Option<Outcome>,
    received: &Received,
    result_code: Option<&str>,
    request: &dyn Fn() -> String,
    empty_request: bool,
) -> Vec<Violation> {
    let got = describe(outcome, received, result_code);
    let Some(outcome) = outcome else {
        if (500..600).contains(&received.status) {
            return Vec::new(); // check_server_error reports it
        }
        let request = request();
        return vec![
            Violation::new(
                &UNRECOGNISED,
                "status",
                format!("expected {}, got {got}{request}", wanted(expect)),
            )
            .with_value(received.status),
        ];
    };
    if expect.allows(outcome) {
        if empty_request && expect.outcomes().len() > 1 {
            return vec![Violation::new(
                &EMPTY_EITHER,
                "",
                format!("empty agentIds answered with {got} (either is allowed)"),
            )];
        }
        return Vec::new();
    }
    let request = &request();
    let wants = |o| expect.allows(o);
    let v = |def, msg: String| vec![Violation::new(def, "status", msg).with_value(received.status)];
    if wants(Outcome::NotAllowedMethod) {
        return match outcome {
            Outcome::Accepted => v(
                &METHOD_SUCCESS,
                format!("expected a method refusal, got {got}{request}"),
            ),
            _ => v(
                &METHOD_OTHER_REFUSAL,
                format!("method refused with {got} rather than 405"),
            ),
        };
    }
    if wants(Outcome::Unauthenticated) {
        if received.status == 403 {
            return v(
                &LOCKOUT,
                "HTTP 403: the client IP is locked out after repeated failures".into(),
            );
        }
        return v(
            &EXPECTED_401,
            format!("expected HTTP 401, got {got}{request}"),
        );
    }
    if wants(Outcome::Rejected) {
        return match outcome {
            Outcome::Accepted => v(
                &EXPECTED_REJECTION,
                format!("expected a rejection, got {got}{request}"),
            ),
            _ => v(&REJECTION_OTHER_4XX, format!("rejected with {got}")),
        };
    }
    v(
        &EXPECTED_SUCCESS,
        format!("expected a success, got {got}{request}"),
    )
}

fn wanted(expect: &Expectation) -> String {
    let names: Vec<&str> = expect
        .outcomes()
        .into_iter()
        .map(|o| match o {
            Outcome::Accepted => "a success",
            Outcome::Rejected => "a rejection",
            Outcome::Unauthenticated => "HTTP 401",
            Outcome::NotAllowedMethod => "a method refusal",
        })
        .collect();
    names.join(" or ")
}
