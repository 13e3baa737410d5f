//! Unit tests of `prepare`.

use super::*;
use crate::auth::{VerifyInput, verify};
use crate::cases::HeaderEdits;

const PATH: &str = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";
const NOW: i64 = 1_702_972_800;

fn config(base: &str) -> ClientConfig {
    ClientConfig::new(base, Credentials::new("ak-test", "sk-test-secret"))
}

fn request(auth: AuthMode, edits: HeaderEdits) -> OutgoingRequest {
    OutgoingRequest {
        method: "POST".into(),
        path: PATH.into(),
        auth,
        header_edits: edits,
        body: br#"{"ccId":1,"vdn":170,"agentIds":[1031]}"#.to_vec(),
    }
}

fn prepared(base: &str, auth: AuthMode, edits: HeaderEdits) -> SentRequest {
    let config = config(base);
    let target = Target::parse(base).unwrap_or_else(|e| panic!("{e}"));
    match prepare(&target, &config, &request(auth, edits), NOW) {
        Ok(p) => p.sent,
        Err(u) => panic!("{}", u.reason),
    }
}

fn verifies(sent: &SentRequest, creds: &Credentials) -> bool {
    let (path, query) = match sent.path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (sent.path.as_str(), None),
    };
    let header = |name: &str| sent.header(name).map(str::to_owned);
    verify(
        sent.header("authorization"),
        creds,
        &VerifyInput {
            method: &sent.method,
            path,
            query,
            header: &header,
            body: &sent.body,
            now_epoch_secs: NOW,
            max_skew_secs: 60,
        },
    )
    .is_ok()
}

#[test]
fn signed_request_verifies_with_the_shared_implementation() {
    let sent = prepared(
        "https://cms.example:28080/base/",
        AuthMode::Signed,
        HeaderEdits::default(),
    );
    assert_eq!(sent.path, format!("/base{PATH}"));
    assert_eq!(sent.header("host"), Some("cms.example:28080"));
    assert_eq!(sent.header("content-type"), Some(DEFAULT_CONTENT_TYPE));
    let auth = sent.header("authorization").unwrap_or_default();
    assert!(
        auth.starts_with("auth-v2/ak-test/2023-12-19T08:00:00Z/host/"),
        "{auth}"
    );
    assert!(verifies(
        &sent,
        &Credentials::new("ak-test", "sk-test-secret")
    ));
}

#[test]
fn default_port_is_left_out_of_host_as_on_the_wire() {
    let sent = prepared(
        "https://cms.example:443",
        AuthMode::Signed,
        HeaderEdits::default(),
    );
    assert_eq!(sent.header("host"), Some("cms.example"));
}

#[test]
fn bad_signature_is_well_formed_but_refused() {
    let sent = prepared(
        "http://127.0.0.1:9",
        AuthMode::BadSignature,
        HeaderEdits::default(),
    );
    let value = sent.header("authorization").unwrap_or_default();
    assert!(auth::parse_authorization(value).is_ok(), "{value}");
    assert!(!verifies(
        &sent,
        &Credentials::new("ak-test", "sk-test-secret")
    ));
}

#[test]
fn no_auth_sends_no_authorization() {
    let sent = prepared("http://127.0.0.1:9", AuthMode::None, HeaderEdits::default());
    assert_eq!(sent.header("authorization"), None);
}

#[test]
fn edits_drop_and_replace_and_the_signature_follows_them() {
    let mut edits = HeaderEdits::default();
    edits.drop.push("Content-Type".into());
    edits.add.insert("X-Probe".into(), "1".into());
    let sent = prepared("http://127.0.0.1:9", AuthMode::Signed, edits);
    assert_eq!(sent.header("content-type"), None);
    assert_eq!(sent.header("x-probe"), Some("1"));
    assert!(verifies(
        &sent,
        &Credentials::new("ak-test", "sk-test-secret")
    ));

    let mut edits = HeaderEdits::default();
    edits.add.insert("Authorization".into(), "Basic abc".into());
    let sent = prepared("http://127.0.0.1:9", AuthMode::Signed, edits);
    assert_eq!(sent.header("authorization"), Some("Basic abc"));

    let mut edits = HeaderEdits::default();
    edits.drop.push("authorization".into());
    let sent = prepared("http://127.0.0.1:9", AuthMode::Signed, edits);
    assert_eq!(sent.header("authorization"), None);
}

#[test]
fn content_type_and_host_signing_is_offered() {
    let mut config = config("http://127.0.0.1:9");
    config.signed_headers = SignedHeaders::ContentTypeAndHost;
    let target = Target::parse(&config.base_url).unwrap_or_else(|e| panic!("{e}"));
    let sent = match prepare(
        &target,
        &config,
        &request(AuthMode::Signed, HeaderEdits::default()),
        NOW,
    ) {
        Ok(p) => p.sent,
        Err(u) => panic!("{}", u.reason),
    };
    let auth = sent.header("authorization").unwrap_or_default();
    assert!(auth.contains("/content-type;host/"), "{auth}");
    assert!(verifies(&sent, &config.creds));
}

#[test]
fn a_query_is_sent_recorded_and_signed() {
    let config = config("http://127.0.0.1:9");
    let target = Target::parse(&config.base_url).unwrap_or_else(|e| panic!("{e}"));
    let mut req = request(AuthMode::Signed, HeaderEdits::default());
    req.path = format!("{PATH}?b=2&a=1");
    let sent = match prepare(&target, &config, &req, NOW) {
        Ok(p) => p.sent,
        Err(u) => panic!("{}", u.reason),
    };
    assert_eq!(sent.path, format!("{PATH}?b=2&a=1"));
    assert!(verifies(&sent, &config.creds));
}

#[test]
fn a_path_cannot_leave_the_target() {
    let config = config("http://127.0.0.1:9");
    let target = Target::parse(&config.base_url).unwrap_or_else(|e| panic!("{e}"));
    let mut req = request(AuthMode::Signed, HeaderEdits::default());
    req.path = "@evil.example/x".into();
    let sent = prepare(&target, &config, &req, NOW).map(|p| p.sent.path);
    assert_eq!(sent.ok().as_deref(), Some("/@evil.example/x"));
}

#[test]
fn invalid_header_or_method_is_not_sent() {
    let config = config("http://127.0.0.1:9");
    let target = Target::parse(&config.base_url).unwrap_or_else(|e| panic!("{e}"));
    let mut edits = HeaderEdits::default();
    edits.add.insert("Bad Name".into(), "x".into());
    let reason = prepare(&target, &config, &request(AuthMode::Signed, edits), NOW)
        .err()
        .map(|u| u.reason);
    assert_eq!(
        reason.as_deref(),
        Some("header \"bad name\" is not a valid HTTP header name or value: not sent")
    );
    let mut req = request(AuthMode::Signed, HeaderEdits::default());
    req.method = "PO ST".into();
    let reason = prepare(&target, &config, &req, NOW).err().map(|u| u.reason);
    assert_eq!(
        reason.as_deref(),
        Some("method \"PO ST\" is not a valid HTTP method: not sent")
    );
}

#[test]
fn ipv6_targets_keep_their_brackets() {
    let sent = prepared(
        "http://[::1]:8080",
        AuthMode::Signed,
        HeaderEdits::default(),
    );
    assert_eq!(sent.header("host"), Some("[::1]:8080"));
}

#[test]
fn bad_targets_are_refused_with_the_reason() {
    let cases = [
        ("ftp://host", "the scheme must be http or https"),
        ("https://host/x?a=1", "has a query"),
        ("https://host/#f", "has a #fragment"),
        ("not a url", "not a URL"),
        ("https://user:pw-secret@host", "credentials in the URL"),
    ];
    for (url, expected) in cases {
        let error = Target::parse(url)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains(expected), "{url}: {error}");
        assert!(!error.contains("pw-secret"), "{error}");
    }
}

#[test]
fn the_larger_budget_probes_are_each_refused_for_their_own_reason() {
    let creds = config("http://h:1").creds;
    let header = |auth| {
        let sent = prepared("http://h:1", auth, HeaderEdits::default());
        let value = sent.header("authorization").map(str::to_owned);
        (sent, value.unwrap_or_default())
    };
    let (expired, value) = header(AuthMode::ExpiredTimestamp);
    assert!(!verifies(&expired, &creds));
    assert!(
        value.starts_with("auth-v2/ak-test/2023-12-18T08:00:00Z/host/"),
        "{value}"
    );
    let (wrong_ak, value) = header(AuthMode::WrongAk);
    assert!(!verifies(&wrong_ak, &creds));
    assert!(
        value.starts_with("auth-v2/cmsconform-unknown-ak/"),
        "{value}"
    );
    let (malformed, value) = header(AuthMode::Malformed);
    assert!(!verifies(&malformed, &creds));
    assert_eq!(
        value,
        "auth-v2/ak-test/2023-12-19T08:00:00Z/host/not-a-signature"
    );
    let (replay, _) = header(AuthMode::Replay);
    assert_eq!(
        replay.header("authorization"),
        None,
        "the runner supplies the header"
    );
}
