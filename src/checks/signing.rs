//! What a 401 to a request signed by the harness means (notes:3), once the runner knows more
//! than the one exchange: whether the request's signing is read two ways by correct servers
//! (an empty body, a body that is not UTF-8), or whether the run's credentials still worked
//! when the preflight request was sent again. Pure: the runner brings what it found out.

use super::model::{CheckDef, Severity, Violation, check_def};
use super::status;
use crate::auth::{self, SigningInput};
use crate::cases::{AmbiguousSigning, Expectation, Outcome};
use crate::exchange::SentRequest;

check_def!(
    AMBIGUOUS_REFUSED,
    "CMS-AUTH-002",
    "notes:3",
    Info,
    "A 401 to a request whose signing implementations read two ways (an empty body, a body \
     that is not UTF-8) is an allowed refusal"
);
check_def!(
    OWN_SIGNATURE_REFUSED,
    "CMS-AUTH-003",
    "notes:3",
    Failure,
    "A correctly signed request the server must accept is not refused as unauthenticated while \
     the run's credentials work"
);
check_def!(
    OWN_SIGNATURE_REFUSED_ANYWAY,
    "CMS-AUTH-004",
    "notes:3",
    Info,
    "A correctly signed request that must be refused anyway was refused as unauthenticated \
     while the run's credentials work"
);

/// The longest canonical request quoted in a finding; a large body is cut, with its length.
pub const CANONICAL_REQUEST_CHARS: usize = 4096;

/// The comparison's verdict on a 401 (what `status::compare` says when it wanted something
/// else), which a 401 explained here replaces.
fn is_the_401_comparison(violation: &Violation) -> bool {
    [
        status::EXPECTED_SUCCESS.id,
        status::REJECTION_OTHER_4XX.id,
        status::METHOD_OTHER_REFUSAL.id,
    ]
    .contains(&violation.check.as_str())
}

/// A 401 to a request whose signing is read two ways: a valid refusal (the request must be
/// refused anyway, notes:6.1), said as information naming the two readings.
pub fn ambiguous_refusal(violations: Vec<Violation>, signing: AmbiguousSigning) -> Vec<Violation> {
    let mut found: Vec<Violation> = violations
        .into_iter()
        .filter(|v| !is_the_401_comparison(v))
        .collect();
    found.push(
        Violation::new(
            &AMBIGUOUS_REFUSED,
            "status",
            format!(
                "HTTP 401: the server reads this request's signature another way than the \
                 harness signed it: {}. A refusal either way",
                signing.readings()
            ),
        )
        .with_value(401),
    );
    found
}

/// A 401 to a request with the run's own signature while the run's credentials worked (the
/// preflight request, sent again after it, was accepted): the server signs this one request
/// differently. A failure when the request must be accepted, information when it must be
/// refused anyway; either names the canonical request the harness signed.
pub fn refused_own_signature(
    violations: Vec<Violation>,
    expect: &Expectation,
    request: &SentRequest,
) -> Vec<Violation> {
    let mut found: Vec<Violation> = violations
        .into_iter()
        .filter(|v| !is_the_401_comparison(v))
        .collect();
    let def = if expect.allows(Outcome::Accepted) {
        &OWN_SIGNATURE_REFUSED
    } else {
        &OWN_SIGNATURE_REFUSED_ANYWAY
    };
    let canonical = signed_canonical_request(request)
        .unwrap_or_else(|| "(not recoverable from the request as sent)".to_owned());
    found.push(
        Violation::new(
            def,
            "status",
            format!(
                "HTTP 401 to a request with the run's own signature, while the preflight \
                 request sent again after it was accepted: the server reads this request's \
                 canonical request differently from notes:3. The canonical request the harness \
                 signed:\n{canonical}"
            ),
        )
        .with_value(401),
    );
    found
}

/// The canonical request (notes:3) of `request` as the harness signed it: the signed headers
/// named in its `Authorization`, its path, query and body. It holds no secret (neither the SK
/// nor the signing key nor the signature); cut at [`CANONICAL_REQUEST_CHARS`].
pub fn signed_canonical_request(request: &SentRequest) -> Option<String> {
    let parsed = auth::parse_authorization(request.header("authorization")?).ok()?;
    let headers: Vec<(&str, &str)> = parsed
        .signed_headers
        .iter()
        .map(|name| (*name, request.header(name).unwrap_or("")))
        .collect();
    let (path, query) = match request.path.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.path.as_str(), None),
    };
    let text = auth::canonical_request(&SigningInput {
        method: &request.method,
        path,
        query,
        headers: &headers,
        body: &request.body,
    });
    let length = text.chars().count();
    if length <= CANONICAL_REQUEST_CHARS {
        return Some(text);
    }
    let cut: String = text.chars().take(CANONICAL_REQUEST_CHARS).collect();
    Some(format!(
        "{cut}... ({} characters more)",
        length - CANONICAL_REQUEST_CHARS
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Credentials;

    const SIGNED_AT: &str = "2023-12-19T08:00:00Z";

    /// A request signed as the client signs it: host and content-type.
    fn signed(body: &[u8], creds: &Credentials) -> SentRequest {
        let headers = [
            ("host", "cms.example:28080"),
            ("content-type", "application/json;charset=UTF-8"),
        ];
        let authorization = auth::authorization(
            creds,
            SIGNED_AT,
            &SigningInput {
                method: "POST",
                path: "/p",
                query: None,
                headers: &headers,
                body,
            },
        );
        let mut sent = SentRequest::post("/p", body.to_vec());
        sent.headers = headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .chain([("authorization".to_owned(), authorization)])
            .collect();
        sent
    }

    fn comparison(def: &'static crate::checks::CheckDef) -> Vec<Violation> {
        vec![Violation::new(
            def,
            "status",
            "expected something else, got HTTP 401",
        )]
    }

    #[test]
    fn the_canonical_request_is_what_was_signed_and_holds_no_secret() {
        let creds = Credentials::new("my-ak", "the-secret-key");
        let sent = signed(br#"{"ccId":1}"#, &creds);
        let canonical = signed_canonical_request(&sent).unwrap();
        assert_eq!(
            canonical,
            "POST\n/p\ncontent-type;host\ncontent-type:application%2Fjson%3Bcharset%3DUTF-8\n\
             host:cms.example%3A28080\n%7B%22ccId%22%3A1%7D"
        );
        let signature = sent
            .header("authorization")
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap();
        assert!(!canonical.contains("the-secret-key") && !canonical.contains(signature));
        let large = signed(&vec![b'7'; 10_000], &creds);
        let cut = signed_canonical_request(&large).unwrap();
        assert!(
            cut.ends_with("characters more)") && cut.len() < 4200,
            "{}",
            cut.len()
        );
        assert_eq!(
            signed_canonical_request(&SentRequest::post("/p", "{}")),
            None
        );
    }

    #[test]
    fn a_401_to_an_ambiguous_signing_is_information_naming_both_readings() {
        let found = ambiguous_refusal(
            comparison(&status::REJECTION_OTHER_4XX),
            AmbiguousSigning::EmptyBody,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].check, "CMS-AUTH-002");
        assert!(!found[0].is_failure());
        assert!(found[0].message.contains("newline"), "{}", found[0].message);
        let not_utf8 = ambiguous_refusal(Vec::new(), AmbiguousSigning::NotUtf8);
        assert!(not_utf8[0].message.contains("raw bytes"));
    }

    #[test]
    fn a_401_while_the_credentials_work_fails_a_case_that_must_be_accepted() {
        let sent = signed(br#"{"ccId":1}"#, &Credentials::new("ak", "sk"));
        let accepted = Expectation::One(Outcome::Accepted);
        let found = refused_own_signature(comparison(&status::EXPECTED_SUCCESS), &accepted, &sent);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].check, "CMS-AUTH-003");
        assert!(found[0].is_failure());
        assert!(found[0].message.contains("POST\n/p\ncontent-type;host"));
        let rejected = Expectation::One(Outcome::Rejected);
        let anyway =
            refused_own_signature(comparison(&status::REJECTION_OTHER_4XX), &rejected, &sent);
        assert_eq!(anyway[0].check, "CMS-AUTH-004");
        assert!(!anyway[0].is_failure());
    }
}
