//! Unit tests of `auth`.

use super::*;

const PATH: &str = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";
const BODY: &[u8] = br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#;

fn notes_creds() -> Credentials {
    Credentials::new("globalaktest", "example-secret-key")
}

#[test]
fn contract_notes_vectors() {
    let host = [("host", "10.22.26.181:28080")];
    let content_type_and_host = [
        ("Host", "10.22.26.181:28080"),
        ("Content-Type", "application/json; charset=UTF-8"),
    ];
    for (headers, expected) in [
        (
            &host[..],
            "auth-v2/globalaktest/2023-12-19T08:00:00Z/host/e1bcd53bf06a7535fbae86212692d77babb40e3d233a5b95ec60ca6185ff6d3b",
        ),
        (
            &content_type_and_host[..],
            "auth-v2/globalaktest/2023-12-19T08:00:00Z/content-type;host/9ad20d6ac9b168668533b203f8a01e1e82f4a5680684491631aef439c8016245",
        ),
    ] {
        let input = SigningInput {
            method: "POST",
            path: PATH,
            query: None,
            headers,
            body: BODY,
        };
        assert_eq!(
            authorization(&notes_creds(), "2023-12-19T08:00:00Z", &input),
            expected
        );
    }
}

#[test]
fn timestamps_round_trip() {
    assert_eq!(format_timestamp(0), "1970-01-01T00:00:00Z");
    assert_eq!(format_timestamp(1_702_972_800), "2023-12-19T08:00:00Z");
    assert_eq!(parse_timestamp("2023-12-19T08:00:00Z"), Some(1_702_972_800));
    assert_eq!(parse_timestamp("2023-12-19 08:00:00Z"), None);
    assert_eq!(parse_timestamp("2023-13-19T08:00:00Z"), None);
    assert_eq!(parse_timestamp("+023-12-19T08:00:00Z"), None);
    assert_eq!(parse_timestamp("2023-02-31T08:00:00Z"), None, "no such day");
    assert_eq!(
        format_timestamp(i64::MAX),
        "1970-01-01T00:00:00Z",
        "no panic"
    );
}

#[test]
fn query_decoding_keeps_an_encoded_plus_and_a_stray_percent() {
    assert_eq!(percent_decode("a+b%2Bc"), b"a b+c");
    assert_eq!(percent_decode("100%"), b"100%");
    assert_eq!(percent_decode("%zz%4a"), b"%zzJ");
    assert_eq!(normalize("a b~-._/é".as_bytes()), "a%20b~-._%2F%C3%A9");
}

#[test]
fn verify_accepts_own_signature_and_refuses_tampering() {
    let creds = notes_creds();
    let headers = [("host", "127.0.0.1:8080")];
    let sign_input = SigningInput {
        method: "POST",
        path: PATH,
        query: None,
        headers: &headers,
        body: BODY,
    };
    let value = authorization(&creds, "2023-12-19T08:00:00Z", &sign_input);
    let lookup = |name: &str| (name == "host").then(|| "127.0.0.1:8080".to_owned());
    let mut input = VerifyInput {
        method: "POST",
        path: PATH,
        query: None,
        header: &lookup,
        body: BODY,
        now_epoch_secs: 1_702_972_800 + 60,
        max_skew_secs: 900,
    };
    assert_eq!(verify(Some(&value), &creds, &input), Ok(()));
    input.body = b"{}";
    assert_eq!(
        verify(Some(&value), &creds, &input),
        Err(AuthError::WrongSignature)
    );
    input.body = BODY;
    input.now_epoch_secs += 3600;
    assert_eq!(
        verify(Some(&value), &creds, &input),
        Err(AuthError::Expired)
    );
    assert_eq!(verify(None, &creds, &input), Err(AuthError::Missing));
    assert_eq!(
        verify(Some("auth-v2/x"), &creds, &input),
        Err(AuthError::Malformed)
    );
}

#[test]
fn secret_never_prints() {
    let creds = Credentials::new("ak", "very-secret");
    assert!(!format!("{creds:?}").contains("very-secret"));
    assert_eq!(Secret::new("x").to_string(), "***");
}
