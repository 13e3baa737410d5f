//! The harness against servers this project did not write, each reading CONTRACT-NOTES its own
//! way where the notes say readings differ (notes:3), through the independent test server
//! (tests/common/cc_server, its own verifier): a 401 is judged, not assumed.
//! - A server that signs the empty body the other way refuses `hand::empty_body` with 401: an
//!   allowed refusal, reported as information; the run is conformant, and with a 3-strike
//!   lock-out it is never locked out (the empty body counts against `--auth-probes`).
//! - A server that refuses one well-formed request with 401 while the credentials work: the
//!   preflight request sent once more is accepted, so that case fails with the canonical
//!   request the harness signed, and the run goes on.
//! - A server whose credentials expire mid-run: the confirmation is refused too, the run stops
//!   (exit 3), and exactly one confirming request was sent.
//! - A server that refuses request after request while the credentials work: after three
//!   confirmations the run stops rather than add to the server's count of failed signatures.

mod common;

use common::binary::TargetRun;
use common::cc_server::{self, EmptyBody, RunningServer, ServerConfig, body_contains};
use common::runtime;
use serde_json::Value;

/// A run against `server` with `extra` flags.
fn run_against(server: &RunningServer, extra: &[&str]) -> TargetRun {
    common::binary::run_target(&server.url(), extra)
}

fn case<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no case {id} in the report"))
}

fn finding<'a>(case: &'a Value, check: &str) -> Option<&'a Value> {
    case["violations"]
        .as_array()
        .and_then(|found| found.iter().find(|v| v["check"] == check))
}

fn other_reading() -> ServerConfig {
    ServerConfig {
        empty_body: EmptyBody::TrailingNewline,
        ..ServerConfig::default()
    }
}

#[test]
fn a_server_signing_the_empty_body_the_other_way_is_conformant_with_the_401_as_information() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, other_reading());
    let TargetRun { ran, report, .. } = run_against(&server, &[]);
    assert_eq!(ran.code, Some(0), "{ran}");
    let report = report.unwrap_or_else(|| panic!("no report: {ran}"));
    let empty = case(&report, "hand::empty_body");
    assert_eq!(empty["verdict"], "passed", "{empty}");
    let info = finding(empty, "CMS-AUTH-002").unwrap_or_else(|| panic!("{empty}"));
    assert_eq!(info["severity"], "info", "{info}");
    assert!(
        info["message"].as_str().unwrap_or("").contains("newline"),
        "{info}"
    );
    let counts = server.stats.counts();
    assert_eq!(
        counts.refused_by_knob + counts.expired + counts.answered_403,
        0
    );
}

#[test]
fn a_three_strike_lock_out_is_never_reached() {
    let runtime = runtime();
    let server = cc_server::start(
        &runtime,
        ServerConfig {
            lockout_after: Some(3),
            ..other_reading()
        },
    );
    let TargetRun { ran, .. } = run_against(&server, &[]);
    assert_eq!(ran.code, Some(0), "{ran}");
    let counts = server.stats.counts();
    assert_eq!(counts.answered_403, 0, "{counts:?}");
    assert!(counts.answered_401 <= 2, "{counts:?}");
}

#[test]
fn one_request_refused_while_the_credentials_work_fails_that_case_and_the_run_goes_on() {
    let runtime = runtime();
    let server = cc_server::start(
        &runtime,
        ServerConfig {
            // Only hand::duplicate_agent_ids asks for these agents in this order.
            refuse_signature_when: Some(body_contains("[1031,1099,1031,1031]")),
            ..ServerConfig::default()
        },
    );
    let TargetRun {
        ran,
        report,
        written,
    } = run_against(&server, &[]);
    assert_eq!(ran.code, Some(1), "{ran}");
    let report = report.unwrap_or_else(|| panic!("no report: {ran}"));
    let refused = case(&report, "hand::duplicate_agent_ids");
    assert_eq!(refused["verdict"], "failed", "{refused}");
    let failure = finding(refused, "CMS-AUTH-003").unwrap_or_else(|| panic!("{refused}"));
    let message = failure["message"].as_str().unwrap_or("");
    // The canonical request the harness signed, with the body, never the SK or signature.
    assert!(
        message.contains("POST\n/rest/cmsapp/v1/openapi"),
        "{message}"
    );
    assert!(
        message.contains("%5B1031%2C1099%2C1031%2C1031%5D"),
        "{message}"
    );
    assert!(
        written.contains("CMS-AUTH-003"),
        "the reports name the failure"
    );
    let signature_part = regex_lite_signature(&written);
    assert!(
        signature_part.is_none(),
        "a signature in the reports: {signature_part:?}"
    );
    for output in [&written, &ran.stdout, &ran.stderr] {
        assert!(!output.contains("cmsconform-local-sk"));
    }
    // The run went on: the other cases were judged, and only this one failed.
    let cases = report["cases"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let failed: Vec<&Value> = cases.iter().filter(|c| c["verdict"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(cases.iter().filter(|c| c["verdict"] == "passed").count() > 300);
    assert_eq!(server.stats.counts().refused_by_knob, 1);
}

#[test]
fn credentials_that_expire_mid_run_stop_it_after_exactly_one_confirmation() {
    let runtime = runtime();
    let server = cc_server::start(
        &runtime,
        ServerConfig {
            credentials_expire_after: Some(20),
            ..ServerConfig::default()
        },
    );
    let TargetRun { ran, report, .. } = run_against(&server, &[]);
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(ran.stderr.contains("sent again was refused too"), "{ran}");
    let report = report.unwrap_or_else(|| panic!("no report: {ran}"));
    let cases = report["cases"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    // Every request the server saw is the preflight, a case's, or a confirmation.
    let sent = cases
        .iter()
        .filter(|c| !c["request_hash"].is_null())
        .count();
    // A re-send after the server closed a kept-alive connection reaches it twice.
    let resent = report["meta"]["resent_after_close"].as_u64().unwrap_or(0) as usize;
    let requests = server.stats.counts().requests;
    assert_eq!(
        requests - 1 - sent - resent,
        1,
        "{requests} requests, {sent} cases sent, {resent} re-sent"
    );
}

/// An `auth-v2/...` value with its 64-hex signature, if the text holds one.
fn regex_lite_signature(text: &str) -> Option<String> {
    text.match_indices("auth-v2/").find_map(|(at, _)| {
        let value: String = text[at..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '"')
            .collect();
        let last = value.rsplit('/').next().unwrap_or("");
        (last.len() == 64 && last.bytes().all(|b| b.is_ascii_hexdigit())).then_some(value)
    })
}

#[test]
fn refusals_while_the_credentials_work_stop_the_run_after_three_confirmations() {
    let runtime = runtime();
    let server = cc_server::start(
        &runtime,
        ServerConfig {
            // Several hand cases ask for agent 1031 alone; the preflight asks for two agents.
            refuse_signature_when: Some(body_contains("\"agentIds\":[1031]")),
            ..ServerConfig::default()
        },
    );
    // One at a time: each refusal comes after the last confirmation and needs its own.
    let TargetRun { ran, .. } = run_against(&server, &["-j", "1"]);
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(
        ran.stderr.contains("after 3 others the server refused"),
        "{ran}"
    );
    // Three refused cases, each confirmed, then the fourth stops the run unconfirmed.
    assert_eq!(server.stats.counts().refused_by_knob, 4, "{ran}");
}
