//! The server's auth-v2 verifier against the fixed vectors of CONTRACT-NOTES section 3, and its
//! pieces: `normalize`, the timestamp, the two readings of an empty body.

use std::time::Duration;

use super::SEED_BODY;
use super::common::cc_server::{self, auth};
use auth::{EmptyBody, SignedRequest, Verifier};

fn vector_request<'a>(headers: &'a [(String, String)]) -> SignedRequest<'a> {
    SignedRequest {
        method: "POST",
        target: cc_server::PATH,
        headers,
        body: SEED_BODY,
    }
}

fn vector_headers() -> Vec<(String, String)> {
    vec![
        ("Host".to_owned(), "10.22.26.181:28080".to_owned()),
        (
            "Content-Type".to_owned(),
            "application/json; charset=UTF-8".to_owned(),
        ),
    ]
}

fn sign_vector(signed_headers: &str) -> String {
    let headers = vector_headers();
    auth::authorization(
        &vector_request(&headers),
        "globalaktest",
        "example-secret-key",
        "2023-12-19T08:00:00Z",
        signed_headers,
        EmptyBody::NoTrailingNewline,
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn verifier_reproduces_the_notes_vector_signing_host() {
    assert_eq!(
        sign_vector("host"),
        "auth-v2/globalaktest/2023-12-19T08:00:00Z/host/\
         e1bcd53bf06a7535fbae86212692d77babb40e3d233a5b95ec60ca6185ff6d3b"
    );
}

#[test]
fn verifier_reproduces_the_notes_vector_signing_content_type_and_host() {
    assert_eq!(
        sign_vector("content-type;host"),
        "auth-v2/globalaktest/2023-12-19T08:00:00Z/content-type;host/\
         9ad20d6ac9b168668533b203f8a01e1e82f4a5680684491631aef439c8016245"
    );
}

fn vector_verifier(empty_body: EmptyBody) -> Verifier<'static> {
    Verifier {
        ak: "globalaktest",
        sk: "example-secret-key",
        skew: Duration::from_secs(15 * 60),
        empty_body,
    }
}

fn at_vector_time() -> std::time::SystemTime {
    let secs = auth::parse_timestamp("2023-12-19T08:05:00Z").unwrap_or_else(|| panic!("time"));
    std::time::UNIX_EPOCH + Duration::from_secs(secs as u64)
}

#[test]
fn verifier_accepts_the_vector_and_refuses_it_altered() {
    let verifier = vector_verifier(EmptyBody::NoTrailingNewline);
    let mut headers = vector_headers();
    headers.push(("Authorization".to_owned(), sign_vector("host")));
    assert_eq!(
        verifier.verify(&vector_request(&headers), at_vector_time()),
        Ok(())
    );
    let other_body = SignedRequest {
        body: br#"{"ccId":1,"vdn":170,"agentIds":[1099]}"#,
        ..vector_request(&headers)
    };
    assert_eq!(
        verifier.verify(&other_body, at_vector_time()),
        Err(auth::AuthFailure::BadSignature)
    );
    let a_day_later = at_vector_time() + Duration::from_secs(86_400);
    assert!(matches!(
        verifier.verify(&vector_request(&headers), a_day_later),
        Err(auth::AuthFailure::Skewed(_))
    ));
    headers.retain(|(n, _)| n != "Host");
    assert_eq!(
        verifier.verify(&vector_request(&headers), at_vector_time()),
        Err(auth::AuthFailure::SignedHeaderAbsent("host".into()))
    );
}

#[test]
fn the_two_empty_body_readings_give_different_canonical_requests() {
    let headers = vector_headers();
    let empty = SignedRequest {
        body: b"",
        ..vector_request(&headers)
    };
    let without = auth::canonical_request(&empty, "host", EmptyBody::NoTrailingNewline);
    let with = auth::canonical_request(&empty, "host", EmptyBody::TrailingNewline);
    let without = without.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        without,
        format!("POST\n{}\nhost\nhost:10.22.26.181%3A28080", cc_server::PATH)
    );
    assert_eq!(with.unwrap_or_else(|e| panic!("{e:?}")), without + "\n");
    // A non-empty body reads the same either way.
    let full = vector_request(&headers);
    assert_eq!(
        auth::canonical_request(&full, "host", EmptyBody::NoTrailingNewline),
        auth::canonical_request(&full, "host", EmptyBody::TrailingNewline)
    );
}

#[test]
fn normalize_keeps_only_the_unreserved_bytes() {
    assert_eq!(auth::normalize(b"aZ09-._~"), "aZ09-._~");
    assert_eq!(
        auth::normalize("{\"a\": é/}".as_bytes()),
        "%7B%22a%22%3A%20%C3%A9%2F%7D"
    );
}

#[test]
fn timestamps_round_trip_and_reject_what_is_not_one() {
    let secs = auth::parse_timestamp("2106-02-07T06:28:15Z");
    assert_eq!(secs, Some(4_294_967_295));
    let time = std::time::UNIX_EPOCH + Duration::from_secs(4_294_967_295);
    assert_eq!(auth::format_timestamp(time), "2106-02-07T06:28:15Z");
    for bad in [
        "2023-02-30T00:00:00Z",
        "2023-12-19 08:00:00Z",
        "2023-12-19T08:00:00",
        "+023-12-19T08:00:00Z",
        "2023-12-19T08:00:0\u{e9}",
    ] {
        assert_eq!(auth::parse_timestamp(bad), None, "{bad}");
    }
}
