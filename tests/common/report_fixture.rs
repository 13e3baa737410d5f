//! The fixed, realistic RunRecord the report tests build their reports from (passes, failures
//! with several findings and the same check across cases, information findings, a skip, a
//! transport failure, a baselined failure, relations), signed as the client would sign it.
//! Included by `tests/report.rs` and `tests/report_html.rs`, each using part of it.
#![allow(dead_code)]

use cmsconform::auth::{self, Credentials, SigningInput};
use cmsconform::cases::{Expectation, Outcome};
use cmsconform::checks::{Severity, Violation};
use cmsconform::contract::Contract;
use cmsconform::exchange::{Received, SentRequest};
use cmsconform::redact::Redactor;
use cmsconform::report::{
    self, CaseRecord, RelationRecord, RequestRecord, ResponseRecord, RunMeta, RunRecord, Totals,
    Verdict,
};

pub const SK: &str = "SK-f1xture-4a7c9e21-do-not-leak";
pub const AK: &str = "fixture-ak";
pub const PATH: &str = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";
pub const HOST: &str = "cms.example:28080";
pub const BASE: &str = "https://cms.example:28080";

/// A signed request as the client would send it, and the signature it carries.
pub fn sent(method: &str, body: &str) -> (SentRequest, String) {
    let content_type = "application/json; charset=UTF-8";
    let input = SigningInput {
        method,
        path: PATH,
        query: None,
        headers: &[("host", HOST)],
        body: body.as_bytes(),
    };
    let authorization =
        auth::authorization(&Credentials::new(AK, SK), "2026-01-02T03:04:05Z", &input);
    let signature = authorization
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let request = SentRequest {
        method: method.into(),
        path: PATH.into(),
        headers: vec![
            ("host".into(), HOST.into()),
            ("content-type".into(), content_type.into()),
            ("authorization".into(), authorization),
            ("content-length".into(), body.len().to_string()),
        ],
        body: body.as_bytes().to_vec(),
    };
    (request, signature)
}

pub fn received(body: &str) -> Received {
    Received {
        status: 200,
        headers: vec![(
            "content-type".into(),
            "application/json;charset=UTF-8".into(),
        )],
        body: body.as_bytes().to_vec(),
        truncated: false,
    }
}

pub fn violation(
    check: &str,
    clause: &str,
    severity: Severity,
    pointer: &str,
    value: Option<&str>,
    message: &str,
) -> Violation {
    Violation {
        check: check.into(),
        clause: clause.into(),
        severity,
        pointer: pointer.into(),
        value: value.map(str::to_owned),
        message: message.into(),
        agent: None,
    }
}

pub const SUCCESS: &str = r#"{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[{"agentId":1031,"locationId":1,"currentStateReason":0,"prevState":4,"prevStateTime":1700000000000,"currentState":4,"currentStateTime":1700000100000,"logonTime":1699990000000,"agentRelease":0,"currentPrivateCallNum":0}]}"#;
pub const REJECTED: &str =
    r#"{"result":"1","resultCode":"0100001","resultDatas":[],"resultDesc":"ccId is invalid"}"#;

pub struct CaseSpec<'a> {
    id: &'a str,
    title: &'a str,
    clause: &'a str,
    verdict: Verdict,
    expected: Expectation,
    observed: Option<Outcome>,
    request_body: &'a str,
    method: &'a str,
    response: Option<&'a str>,
    violations: Vec<Violation>,
    error: Option<&'a str>,
    duration_ms: f64,
}

/// Secrets the fixture used: every signature it signed with.
pub struct Signed {
    redactor: Redactor,
    signatures: Vec<String>,
}

impl Signed {
    fn sign(&mut self, method: &str, body: &str) -> SentRequest {
        let (request, signature) = sent(method, body);
        self.redactor.add(&signature);
        self.signatures.push(signature);
        request
    }
}

pub fn case(meta: &RunMeta, signed: &mut Signed, spec: CaseSpec<'_>) -> CaseRecord {
    let sent = signed.sign(spec.method, spec.request_body);
    let redactor = &signed.redactor;
    let request = RequestRecord::from_sent(&sent, BASE, redactor);
    // The server echoes the request's Authorization back in a header.
    let answer_redactor = report::redactor_for(redactor, &sent);
    let response = spec.response.map(|body| {
        let mut answer = received(body);
        if let Some(authorization) = sent.header("authorization") {
            answer
                .headers
                .push(("x-echo-authorization".into(), authorization.to_owned()));
        }
        ResponseRecord::from_received(&answer, &answer_redactor)
    });
    let reproduce =
        (spec.verdict == Verdict::Failed).then(|| report::reproduction(meta, spec.id, &request));
    CaseRecord {
        id: spec.id.into(),
        title: spec.title.into(),
        family: spec.id.split("::").next().unwrap_or_default().into(),
        clause: spec.clause.into(),
        tags: vec![],
        verdict: spec.verdict,
        expected: spec.expected,
        observed: spec.observed,
        violations: spec.violations,
        request: (spec.verdict != Verdict::Skipped).then_some(request),
        response,
        error: spec.error.map(str::to_owned),
        duration_ms: spec.duration_ms,
        baselined: false,
        reproduce,
        request_hash: (spec.verdict != Verdict::Skipped)
            .then(|| report::identity::request_hash(&sent)),
        not_kept: vec![],
        asked_at: (None, None),
    }
}

/// The fixed run every report test renders; also returns the signatures it signed with.
pub fn fixture() -> (RunRecord, Vec<String>) {
    let mut meta = RunMeta {
        harness_version: "0.1.0".into(),
        profile: "2023-12".into(),
        target: BASE.into(),
        seed: 42,
        property_cases: 16,
        schema_hash: "sha256:5c1e0ffee".into(),
        case_set_hash: "sha256:ca5e5e7".into(),
        started_at: "2026-01-02T03:04:05Z".into(),
        finished_at: "2026-01-02T03:04:09Z".into(),
        duration_ms: 4000.0,
        totals: Totals::default(),
        command: "cmsconform run --profile 2023-12 --seed 42 --target https://cms.example:28080 --cases 16"
            .into(),
        rate_limits: cmsconform::report::RateLimits {
            refusals: 3,
            retries: 2,
            lowered_pace: Some(50.0),
        },
        agents: cmsconform::report::AgentCoverage::new(
            cmsconform::report::FleetSource::Discovered,
            200,
            "31200-31399".into(),
            10,
            10,
            7,
            10,
        ),
        hosted: cmsconform::report::HostedCoverage {
            pairs: vec![
                cmsconform::report::HostedPair {
                    cc_id: 2,
                    vdn: 170,
                    seen_in: "boundary::ccId::min_plus_1".into(),
                    requests: 4,
                    judged_agents: 200,
                    failed: 0,
                    not_scanned: None,
                    cut_short: None,
                },
                cmsconform::report::HostedPair {
                    cc_id: 40000,
                    vdn: 12,
                    seen_in: "property::0003".into(),
                    not_scanned: Some("--discovery-budget 256 spent before it".into()),
                    ..Default::default()
                },
            ],
        },
        relations_not_run: vec![cmsconform::report::NotRun {
            reason: "the selection (--skip \"discovery::\") left them out".into(),
            names: vec!["discovery::ccId".into(), "discovery::vdn".into()],
        }],
        resent_after_close: 3,
        ..RunMeta::default()
    };
    let mut signed = Signed {
        redactor: Redactor::new().with(SK),
        signatures: Vec::new(),
    };
    let accepted = || Expectation::One(Outcome::Accepted);
    let rejected = || Expectation::One(Outcome::Rejected);
    let echo_sk = format!(
        r#"{{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[{{"agentId":1031,"currentState":11,"logonTime":"1700000000000","note":"<script>alert(1)</script> key={SK}"}},{{"agentId":1099,"currentState":11}}]}}"#
    );
    let outcome_failure = |clause: &str| {
        violation(
            "FX-OUTCOME-001",
            clause,
            Severity::Failure,
            "",
            Some("\"0100000\""),
            "expected a rejection, got a success answer",
        )
    };
    let state_failure = |pointer: &str| {
        violation(
            "FX-STATE-001",
            "notes:5",
            Severity::Failure,
            pointer,
            Some("11"),
            "currentState 11 is not a documented agent state",
        )
    };
    let specs = vec![
        CaseSpec {
            id: "hand::seed_example",
            title: "The seed's example request",
            clause: "seed:example",
            verdict: Verdict::Passed,
            expected: accepted(),
            observed: Some(Outcome::Accepted),
            request_body: r#"{"ccId":1,"vdn":170,"agentIds":[1031]}"#,
            method: "POST",
            response: Some(SUCCESS),
            violations: vec![],
            error: None,
            duration_ms: 12.5,
        },
        CaseSpec {
            id: "hand::duplicate_agent_ids",
            title: "The same agent asked for three times",
            clause: "notes:6.3",
            verdict: Verdict::Passed,
            expected: accepted(),
            observed: Some(Outcome::Accepted),
            request_body: r#"{"ccId":1,"vdn":170,"agentIds":[1031,1031,1031]}"#,
            method: "POST",
            response: Some(SUCCESS),
            violations: vec![violation(
                "FX-DUP-001",
                "notes:6.3",
                Severity::Info,
                "/resultDesc",
                Some("1 item(s)"),
                "duplicates answered once (allowed)",
            )],
            error: None,
            duration_ms: 11.0,
        },
        CaseSpec {
            id: "hand::method_get",
            title: "GET instead of POST",
            clause: "seed:method",
            verdict: Verdict::Failed,
            expected: Expectation::One(Outcome::NotAllowedMethod),
            observed: Some(Outcome::Accepted),
            request_body: "",
            method: "GET",
            response: Some(SUCCESS),
            violations: vec![violation(
                "FX-METHOD-001",
                "seed:method",
                Severity::Failure,
                "status",
                Some("200"),
                "GET answered like POST",
            )],
            error: None,
            duration_ms: 9.0,
        },
        CaseSpec {
            id: "boundary::ccId::max+1",
            title: "ccId one past its maximum",
            clause: "seed:table2:ccId",
            verdict: Verdict::Failed,
            expected: rejected(),
            observed: Some(Outcome::Accepted),
            request_body: r#"{"ccId":65536,"vdn":170,"agentIds":[1031]}"#,
            method: "POST",
            response: Some(SUCCESS),
            violations: vec![outcome_failure("seed:table2:ccId")],
            error: None,
            duration_ms: 20.0,
        },
        CaseSpec {
            id: "boundary::vdn::max+1",
            title: "vdn one past its maximum",
            clause: "seed:table2:vdn",
            verdict: Verdict::Failed,
            expected: Expectation::EitherOf {
                either_of: vec![Outcome::Rejected, Outcome::NotAllowedMethod],
            },
            observed: Some(Outcome::Accepted),
            request_body: r#"{"ccId":1,"vdn":5001,"agentIds":[1031]}"#,
            method: "POST",
            response: Some(SUCCESS),
            violations: vec![outcome_failure("seed:table2:vdn")],
            error: None,
            duration_ms: 22.0,
        },
        CaseSpec {
            id: "boundary::ccId::min-1",
            title: "ccId one below its minimum",
            clause: "seed:table2:ccId",
            verdict: Verdict::Passed,
            expected: rejected(),
            observed: Some(Outcome::Rejected),
            request_body: r#"{"ccId":0,"vdn":170,"agentIds":[1031]}"#,
            method: "POST",
            response: Some(REJECTED),
            violations: vec![],
            error: None,
            duration_ms: 18.0,
        },
        CaseSpec {
            id: "property::0003",
            title: "Generated valid request #3",
            clause: "seed:table4",
            verdict: Verdict::Failed,
            expected: accepted(),
            observed: Some(Outcome::Accepted),
            request_body: r#"{"ccId":7,"vdn":9,"agentIds":[1031,1099]}"#,
            method: "POST",
            response: Some(&echo_sk),
            violations: vec![
                violation(
                    "FX-TYPE-002",
                    "seed:table4",
                    Severity::Failure,
                    "/resultDesc/0/logonTime",
                    Some("\"1700000000000\""),
                    "logonTime must be an integer",
                ),
                state_failure("/resultDesc/0/currentState"),
                state_failure("/resultDesc/1/currentState"),
                violation(
                    "FX-ECHO-003",
                    "notes:3",
                    Severity::Failure,
                    "/resultDesc/0/note",
                    Some(&format!("\"key={SK}\"")),
                    &format!("the answer echoes the key {SK}"),
                ),
            ],
            error: None,
            duration_ms: 31.0,
        },
        CaseSpec {
            id: "property::0007",
            title: "Generated valid request #7",
            clause: "seed:table4",
            verdict: Verdict::Failed,
            expected: accepted(),
            observed: Some(Outcome::Accepted),
            request_body: r#"{"ccId":2,"vdn":3,"agentIds":[1099,'x']}"#,
            method: "POST",
            response: Some(&echo_sk),
            violations: vec![state_failure("/resultDesc/1/currentState")],
            error: None,
            duration_ms: 29.0,
        },
        CaseSpec {
            id: "types::agentIds::string",
            title: "agentIds given as a string",
            clause: "seed:table2:agentIds",
            verdict: Verdict::Failed,
            expected: rejected(),
            observed: None,
            request_body: r#"{"ccId":1,"vdn":170,"agentIds":"1031"}"#,
            method: "POST",
            response: None,
            violations: vec![],
            error: Some("timeout: no answer within 10s"),
            duration_ms: 10000.0,
        },
        CaseSpec {
            id: "hand::invalid_utf8",
            title: "Body that is not UTF-8",
            clause: "notes:6.1",
            verdict: Verdict::Skipped,
            expected: rejected(),
            observed: None,
            request_body: "",
            method: "POST",
            response: None,
            violations: vec![],
            error: Some("filtered out by --skip invalid"),
            duration_ms: 0.0,
        },
    ];
    let cases: Vec<CaseRecord> = specs
        .into_iter()
        .map(|spec| case(&meta, &mut signed, spec))
        .collect();
    let relation_request = signed.sign("POST", r#"{"ccId":1,"vdn":170,"agentIds":[1099,1031]}"#);
    let redactor = &signed.redactor;
    let relations = vec![
        RelationRecord {
            relation: "permutation".into(),
            verdict: Verdict::Passed,
            violations: vec![],
            exchanges: vec![],
            findings: vec!["answers agree for 2 orders of the same ids".into()],
            violations_total: 0,
            requests: vec![],
        },
        RelationRecord {
            relation: "sub-batch".into(),
            verdict: Verdict::Failed,
            violations: vec![violation(
                "FX-REL-001",
                "notes:6.3",
                Severity::Failure,
                "#1/resultDesc/0/currentState",
                Some("4"),
                "agent 1031 differs between the batch and its sub-batch",
            )],
            exchanges: vec![(
                RequestRecord::from_sent(&relation_request, BASE, redactor),
                Some(ResponseRecord::from_received(&received(SUCCESS), redactor)),
            )],
            findings: vec![],
            violations_total: 1,
            requests: vec![],
        },
    ];
    meta.totals = Totals::of(&cases);
    let contract = Contract::embedded("2023-12").expect("embedded contract");
    let mut coverage = report::coverage(contract.clauses(), &cases);
    report::add_relation_coverage(&mut coverage, &relations);
    let mut record = RunRecord {
        format_version: report::FORMAT_VERSION,
        coverage,
        meta,
        cases,
        relations,
        baseline: None,
        tallies: vec![],
    };
    report::baseline::apply_accepted(
        &mut record,
        "baseline.json",
        &["hand::method_get".into(), "hand::long_gone".into()],
    );
    record.scrub(redactor);
    (record, signed.signatures)
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}
