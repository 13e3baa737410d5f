//! The reports of a run, built from a fixed, realistic RunRecord (passes, failures with several
//! findings and the same check across cases, information findings, a skip, a transport failure,
//! a baselined failure, relations): Markdown and JUnit snapshots, report.json against its
//! schema, JUnit structure as CI parsers read it, report.html in headless Chromium, the secret
//! grep over every file, baselines, and `cmsconform diff` on committed fixtures.

use std::path::{Path, PathBuf};

use cmsconform::auth::{self, Credentials, SigningInput};
use cmsconform::cases::{Expectation, Outcome};
use cmsconform::checks::{Severity, Violation};
use cmsconform::contract::{Contract, DataSource, standalone_validator};
use cmsconform::exchange::{Received, SentRequest};
use cmsconform::redact::Redactor;
use cmsconform::report::{
    self, CaseRecord, RelationRecord, RequestRecord, ResponseRecord, RunMeta, RunRecord, Totals,
    Verdict,
};

const SK: &str = "SK-f1xture-4a7c9e21-do-not-leak";
const AK: &str = "fixture-ak";
const PATH: &str = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";
const HOST: &str = "cms.example:28080";
const BASE: &str = "https://cms.example:28080";

/// A signed request as the client would send it, and the signature it carries.
fn sent(method: &str, body: &str) -> (SentRequest, String) {
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

fn received(body: &str) -> Received {
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

fn violation(
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

const SUCCESS: &str = r#"{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[{"agentId":1031,"locationId":1,"currentStateReason":0,"prevState":4,"prevStateTime":1700000000000,"currentState":4,"currentStateTime":1700000100000,"logonTime":1699990000000,"agentRelease":0,"currentPrivateCallNum":0}]}"#;
const REJECTED: &str =
    r#"{"result":"1","resultCode":"0100001","resultDatas":[],"resultDesc":"ccId is invalid"}"#;

struct CaseSpec<'a> {
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
struct Signed {
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

fn case(meta: &RunMeta, signed: &mut Signed, spec: CaseSpec<'_>) -> CaseRecord {
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
    }
}

/// The fixed run every report test renders; also returns the signatures it signed with.
fn fixture() -> (RunRecord, Vec<String>) {
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
    };
    report::baseline::apply_accepted(
        &mut record,
        "baseline.json",
        &["hand::method_get".into(), "hand::long_gone".into()],
    );
    record.scrub(redactor);
    (record, signed.signatures)
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn markdown_snapshot() {
    let (record, _) = fixture();
    insta::assert_snapshot!("report_md", report::markdown::render(&record));
}

#[test]
fn junit_snapshot() {
    let (record, _) = fixture();
    insta::assert_snapshot!("junit_xml", report::junit::render(&record).unwrap());
}

#[test]
fn json_validates_against_its_schema_and_reads_back() {
    let (mut record, _) = fixture();
    // A finding about an agent object names the agent (`agent`, omitted when none).
    let state = record
        .cases
        .iter_mut()
        .flat_map(|c| c.violations.iter_mut())
        .find(|v| v.check == "FX-STATE-001")
        .expect("the fixture has a state finding");
    state.agent = Some(1031);
    let text = report::json::render(&record).unwrap();
    assert_eq!(text.matches("\"agent\":").count(), 1, "{text}");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["formatVersion"], report::FORMAT_VERSION);
    let validator = standalone_validator(&DataSource::schemas(), "report.schema.json")
        .expect("report.schema.json compiles");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
    let back: RunRecord = serde_json::from_str(&text).unwrap();
    assert_eq!(back, record);
    // The committed diff fixtures are real reports too.
    for fixture in ["old/report.json", "new/report.json"] {
        let text = std::fs::read_to_string(diff_fixture(fixture)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(validator.is_valid(&value), "{fixture} breaks the schema");
    }
    // The schema is not vacuous.
    let mut broken = value.clone();
    broken["cases"][0]["verdict"] = "maybe".into();
    assert!(!validator.is_valid(&broken));
    let with_agent = serde_json::to_value(&record.cases).unwrap();
    let at = with_agent
        .as_array()
        .and_then(|cases| {
            cases.iter().enumerate().find_map(|(i, c)| {
                c["violations"]
                    .as_array()?
                    .iter()
                    .position(|v| v.get("agent").is_some())
                    .map(|j| (i, j))
            })
        })
        .expect("a violation with an agent");
    let mut broken = value.clone();
    broken["cases"][at.0]["violations"][at.1]["agent"] = "1031".into();
    assert!(!validator.is_valid(&broken), "agent must be an integer");
}

/// Attributes of an element, as a CI parser reads them.
fn attributes(element: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    element
        .attributes()
        .map(|a| {
            let a = a.expect("well-formed attribute");
            (
                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                a.unescape_value().expect("escaped value").into_owned(),
            )
        })
        .collect()
}

fn has(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

#[test]
fn junit_has_the_structure_jenkins_and_gitlab_read() {
    use quick_xml::events::Event;
    let (record, _) = fixture();
    let xml = report::junit::render(&record).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut stack: Vec<String> = Vec::new();
    let (mut suites, mut testcases, mut failures, mut errors, mut skipped) = (0, 0, 0, 0, 0);
    loop {
        let event = reader.read_event().expect("well-formed XML");
        let (element, empty) = match &event {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(element) = element else { continue };
        let name = String::from_utf8_lossy(element.name().as_ref()).into_owned();
        let attrs = attributes(&element);
        let parent = stack.last().cloned().unwrap_or_default();
        let number = |attr: &str| {
            has(&attrs, attr)
                .unwrap_or_else(|| panic!("<{name}> lacks @{attr}"))
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("<{name}> @{attr} is not a number"))
        };
        match name.as_str() {
            "testsuites" => {
                assert!(parent.is_empty());
                for attr in ["tests", "failures", "errors", "time"] {
                    number(attr);
                }
            }
            "testsuite" => {
                assert_eq!(parent, "testsuites");
                assert!(has(&attrs, "name").is_some_and(|n| !n.is_empty()));
                for attr in ["tests", "failures", "errors", "skipped", "time"] {
                    number(attr);
                }
                suites += 1;
            }
            "testcase" => {
                assert_eq!(parent, "testsuite");
                assert!(has(&attrs, "name").is_some());
                assert!(has(&attrs, "classname").is_some_and(|c| c.starts_with("cmsconform.")));
                number("time");
                testcases += 1;
            }
            "failure" | "error" => {
                assert_eq!(parent, "testcase");
                let message = has(&attrs, "message").expect("failure@message");
                assert!(has(&attrs, "type").is_some(), "failure@type");
                if name == "failure" && parent == "testcase" && message.starts_with("FX-") {
                    // check id, clause and pointer.
                    assert!(message.contains(" at "), "{message}");
                }
                if name == "failure" {
                    failures += 1;
                } else {
                    errors += 1;
                }
            }
            "skipped" => {
                assert_eq!(parent, "testcase");
                skipped += 1;
            }
            "system-out" | "system-err" => {
                assert!(parent == "testcase" || parent == "testsuite");
            }
            other => panic!("unexpected element <{other}>"),
        }
        if !empty {
            stack.push(name);
        }
    }
    let families = ["hand", "boundary", "property", "types", "relations"];
    assert_eq!(suites, families.len());
    assert_eq!(testcases, record.cases.len() + record.relations.len());
    // 4 failed cases with findings + the failed relation; the timeout is an error; the skip
    // and the baselined failure are skipped.
    assert_eq!((failures, errors, skipped), (5, 1, 2));
    // quick-junit's own reader agrees on the totals.
    let parsed = quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit reads it");
    assert_eq!(parsed.tests, testcases);
    assert_eq!(parsed.failures, failures);
    assert_eq!(parsed.errors, errors);
    assert!(xml.contains(
        "message=\"FX-TYPE-002 seed:table4 at /resultDesc/0/logonTime: logonTime must be an integer (+3 more)\""
    ));
    assert!(xml.contains("error[FX-STATE-001] notes:5 at /resultDesc/0/currentState"));
    assert!(xml.contains(
        "rerun: cmsconform run --profile 2023-12 --seed 42 --target https://cms.example:28080 --cases 16 --exact"
    ));
    // A passing testcase carries no system-out unless asked (the passing relation's findings).
    assert!(!xml.contains("answers agree for 2 orders"));
    let all = report::junit::render_with(&record, report::junit::JunitOutput::All).unwrap();
    assert!(all.contains("<system-out>answers agree for 2 orders of the same ids</system-out>"));
}

#[test]
fn write_all_keeps_the_previous_run() {
    let root = temp_dir();
    let latest = root.path().join("reports").join("latest");
    let (mut record, _) = fixture();
    report::write_all(&record, &latest).unwrap();
    for name in report::REPORT_FILES {
        assert!(latest.join(name).is_file(), "{name} written");
    }
    let first = std::fs::read_to_string(latest.join("report.json")).unwrap();
    record.meta.seed = 43;
    report::write_all(&record, &latest).unwrap();
    let previous = root.path().join("reports").join("previous");
    assert_eq!(
        std::fs::read_to_string(previous.join("report.json")).unwrap(),
        first
    );
    assert!(previous.join("report.html").is_file());
    let second = std::fs::read_to_string(latest.join("report.json")).unwrap();
    assert!(second.contains("\"seed\": 43"));
    // A third run replaces the older previous/.
    record.meta.seed = 44;
    report::write_all(&record, &latest).unwrap();
    assert_eq!(
        std::fs::read_to_string(previous.join("report.json")).unwrap(),
        second
    );
}

#[test]
fn write_all_names_the_path_it_cannot_write() {
    let root = temp_dir();
    let blocker = root.path().join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let (record, _) = fixture();
    let err = report::write_all(&record, &blocker.join("latest")).unwrap_err();
    assert_eq!(err.exit_code(), cmsconform::exit::RUNTIME);
    assert!(err.to_string().contains("latest"), "{err}");
}

#[test]
fn no_secret_in_any_report_file() {
    let root = temp_dir();
    let (record, signatures) = fixture();
    report::write_all(&record, root.path()).unwrap();
    assert!(signatures.iter().all(|s| s.len() == 64));
    let mut checked = 0;
    for name in report::REPORT_FILES {
        let text = std::fs::read_to_string(root.path().join(name)).unwrap();
        assert!(!text.contains(SK), "{name} contains the SK");
        for signature in &signatures {
            assert!(
                !text.contains(signature.as_str()),
                "{name} contains a signature"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
    // The echo was there to be scrubbed, and the redacted Authorization keeps its public part.
    let json = std::fs::read_to_string(root.path().join("report.json")).unwrap();
    assert!(json.contains("key=***"));
    assert!(json.contains("auth-v2/fixture-ak/2026-01-02T03:04:05Z/host/***"));
    assert!(json.contains("\"x-echo-authorization\",\n            \"auth-v2/fixture-ak/2026-01-02T03:04:05Z/host/***\""));
}

#[test]
fn html_is_self_contained_escaped_and_highlights_values() {
    let (record, _) = fixture();
    let html = report::html::render(&record).unwrap();
    for forbidden in ["http://", "https://", "<link", " src=", "@import", "url("] {
        // The target URL is shown as text in code; that is not a resource reference.
        let hits = html.matches(forbidden).count();
        let as_text = html.matches(&format!(">{forbidden}")).count()
            + html.matches(&format!("'{forbidden}")).count()
            + html.matches(&format!(" {forbidden}")).count()
            + html.matches(&format!("&#x27;{forbidden}")).count();
        assert_eq!(hits, as_text, "{forbidden} used as a resource reference");
    }
    assert!(!html.contains(" src=\"http") && !html.contains("href=\"http"));
    assert!(!html.contains("<script>alert"), "server text became markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(
        html.contains("<mark>&quot;1700000000000&quot;</mark>"),
        "logonTime highlighted"
    );
    assert!(html.contains("GAP: no case reached this clause"));
    // property::0003 marks both states and the type; property::0007 its one state.
    assert_eq!(html.matches("<mark>11</mark>").count(), 3);
}

#[test]
fn html_puts_the_verdict_and_failures_first_and_draws_titled_svg() {
    let (record, _) = fixture();
    let html = report::html::render(&record).unwrap();
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    // Verdict, failures, pictures, run details, coverage, cases: in reading order.
    let order = [
        "class=\"verdict bad\"",
        "<h2 id=\"failures\">",
        "<h2 id=\"pictures\">",
        "<h2 id=\"summary\">",
        "<h2 id=\"coverage\">",
        "<h2 id=\"cases\">",
    ];
    let positions: Vec<usize> = order.iter().map(|n| at(n)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    // Three pictures, inline, each with a title; every shape and group carries its own.
    assert_eq!(html.matches("<svg role=\"img\"").count(), 3);
    let svg = &html[at("<h2 id=\"pictures\">")..at("<h2 id=\"summary\">")];
    for rect in svg.split("<rect ").skip(1) {
        let element = &rect[..rect.find("</rect>").expect("rect closed")];
        assert!(element.contains("<title>"), "untitled shape: {element}");
    }
    // The clause strip: one cell per clause, a gap shown as such, text labels beside colour.
    let cells = svg.matches("<text class=\"clause\"").count();
    assert_eq!(cells, record.coverage.len());
    assert!(svg.contains("<rect class=\"gap\""));
    assert!(svg.contains("not reached"));
    assert!(svg.contains("p50 "));
    assert!(!svg.contains("<script"));
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Loads `page` in headless Chromium; returns the DOM after scripts ran and Chromium's log.
fn render_in_chromium(
    chromium: &Path,
    page: &Path,
    fragment: &str,
    profile: &Path,
) -> (String, String) {
    let output = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .expect("chromium runs");
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "chromium failed: {log}");
    (String::from_utf8_lossy(&output.stdout).into_owned(), log)
}

/// Console output of the page: Chromium logs every console message (errors, uncaught
/// exceptions) as `INFO:CONSOLE` lines; the report's script logs nothing.
fn console_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

#[test]
fn html_renders_in_headless_chromium_without_console_errors() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CMSCONFORM_SKIP_CHROMIUM").is_some(),
            "chromium is not installed (apt-get install chromium, or set CMSCONFORM_SKIP_CHROMIUM=1)"
        );
        return;
    };
    let root = temp_dir();
    let profile = root.path().join("chromium-profile");
    // The detector itself: a broken page is caught.
    let broken = root.path().join("broken.html");
    std::fs::write(
        &broken,
        "<html><body><script>console.error('boom'); missing.call();</script></body></html>",
    )
    .unwrap();
    let (_, log) = render_in_chromium(&chromium, &broken, "", &profile);
    assert_eq!(console_lines(&log).len(), 2, "detector blind: {log}");

    let (record, _) = fixture();
    report::write_all(&record, root.path()).unwrap();
    let page = root.path().join("report.html");
    let (dom, log) = render_in_chromium(&chromium, &page, "", &profile);
    assert!(
        dom.contains("data-script=\"ready\"") && dom.contains("filter ready"),
        "the inline script did not finish; log: {log}"
    );
    let console = console_lines(&log);
    assert!(console.is_empty(), "console output: {console:#?}");
    assert!(!log.contains("net::ERR"), "a resource was requested: {log}");
    assert_eq!(
        dom.matches("class=\"hidden\"").count() + dom.matches("class=\"case hidden\"").count(),
        0,
        "everything shown at first"
    );

    // The outcome filter, driven by the address: 5 of 10 case rows and the 2 detail sections
    // of the baselined and the passing case are hidden.
    let (dom, log) = render_in_chromium(&chromium, &page, "#filter=failed", &profile);
    assert!(console_lines(&log).is_empty(), "{log}");
    assert_eq!(dom.matches("<tr data-outcome=\"").count(), 10);
    assert_eq!(dom.matches("class=\"hidden\"").count(), 5, "{dom}");
    assert_eq!(dom.matches("class=\"case hidden\"").count(), 2, "{dom}");
}

#[test]
fn coverage_counts_clauses_cited_by_findings_and_shows_gaps() {
    let (record, _) = fixture();
    let row = |id: &str| record.coverage.iter().find(|c| c.clause == id).unwrap();
    // notes:5 is cited by FX-STATE-001 findings, and exercised by every judged success.
    let states = row("notes:5");
    assert!(states.cases.iter().any(|c| &**c == "property::0003"));
    assert!(states.cases.iter().any(|c| &**c == "property::0007"));
    assert_eq!(states.failed, 2);
    assert_eq!(states.checks, ["FX-STATE-001"]);
    // The rules judged on a rejection reach their clauses without any finding.
    assert_eq!(row("notes:4").cases, ["boundary::ccId::min-1".into()]);
    // The skipped case does not reach its clause.
    assert!(
        !row("notes:6.1")
            .cases
            .iter()
            .any(|c| &**c == "hand::invalid_utf8")
    );
    // A clause nothing exercised is a visible gap.
    assert!(row("notes:6.2").cases.is_empty());
    let md = report::markdown::render(&record);
    assert!(md.contains("| `notes:6.2` | Empty agentIds | **GAP: no case reached this clause**"));
}

#[test]
fn baseline_files_in_both_formats() {
    let root = temp_dir();
    let (mut record, _) = fixture();
    for case in &mut record.cases {
        case.baselined = false;
    }
    let list = root.path().join("baseline.json");
    std::fs::write(
        &list,
        r#"{"accepted": ["boundary::ccId::max+1", "hand::seed_example"]}"#,
    )
    .unwrap();
    report::apply_baseline(&mut record, &list).unwrap();
    let baseline = record.baseline.clone().unwrap();
    assert_eq!(baseline.accepted, ["boundary::ccId::max+1"]);
    assert_eq!(baseline.stale, ["hand::seed_example"]);
    assert_eq!(record.meta.totals.baselined, 1);
    assert!(!record.conformant());

    // A previous report.json accepts every case that failed in it.
    let previous = root.path().join("previous.json");
    std::fs::write(&previous, report::json::render(&record).unwrap()).unwrap();
    let mut again = record.clone();
    report::apply_baseline(&mut again, &previous).unwrap();
    assert_eq!(again.meta.totals.baselined, again.meta.totals.failed);
    assert!(again.baseline.as_ref().unwrap().stale.is_empty());
    assert!(
        !again.conformant(),
        "the failed relation still fails the gate"
    );
    again.relations.retain(|r| r.verdict != Verdict::Failed);
    assert!(again.conformant());

    for (name, text) in [("missing.json", None), ("bad.json", Some("{\"x\":1}"))] {
        let path = root.path().join(name);
        if let Some(text) = text {
            std::fs::write(&path, text).unwrap();
        }
        let err = report::apply_baseline(&mut record, &path).unwrap_err();
        assert_eq!(err.exit_code(), cmsconform::exit::USAGE);
        assert!(err.to_string().contains(name), "{err}");
    }
}

fn diff_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/diff")
        .join(name)
}

/// Compares with the committed expected output; `UPDATE_FIXTURES=1` rewrites it.
fn assert_fixture(name: &str, actual: &str) {
    let path = diff_fixture(name);
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(actual, expected, "{} differs", path.display());
}

#[test]
fn diff_fixtures_show_new_failures_fixes_and_shape_changes() {
    use cmsconform::diff;
    let old = diff::read_report(&diff_fixture("old/report.json")).unwrap();
    let new = diff::read_report(&diff_fixture("new/report.json")).unwrap();
    let d = diff::compare(&old, "old/report.json", &new, "new/report.json");
    let ids = |list: &[diff::Failing]| list.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&d.new_failures),
        ["hand::content_type", "relation:sub-batch"]
    );
    assert_eq!(d.fixed, ["hand::empty_body"]);
    assert_eq!(ids(&d.still_failing), ["boundary::vdn::max+1"]);
    assert_eq!(d.added, ["hand::method_put"]);
    assert_eq!(d.removed, ["hand::method_get"]);
    assert_eq!(d.shape_changes.len(), 2);
    assert_eq!(d.shape_changes[0].case, "boundary::ccId::min");
    assert!(d.shape_changes[0].result_code.is_some());
    assert_eq!(d.shape_changes[1].case, "hand::seed_example");
    assert_fixture("expected.md", &diff::render_markdown(&d));
    assert_fixture("expected.json", &diff::render_json(&d).unwrap());
}

#[test]
fn diff_command_exit_codes() {
    let run = |args: &[&Path]| {
        assert_cmd::cargo::cargo_bin_cmd!("cmsconform")
            .arg("diff")
            .args(args)
            .output()
            .unwrap()
    };
    let (old, new) = (
        diff_fixture("old/report.json"),
        diff_fixture("new/report.json"),
    );
    let out = run(&[&old, &new]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("## New failures (2)"));
    assert_eq!(
        run(&[&new, &old]).status.code(),
        Some(1),
        "the reverse has new failures too"
    );
    assert_eq!(run(&[&old, &old]).status.code(), Some(0));
    let missing = diff_fixture("nope/report.json");
    let out = run(&[&old, &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope/report.json"));
    let out = run(&[&diff_fixture("expected.md"), &new]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected.md"));
}

/// A fleet answer of `n` agents shaped like the mock's, whose compatibility copy differs from
/// `resultDesc` (agentRelease + 1) at every index `differs` picks.
fn fleet_answer(n: usize, differs: impl Fn(usize) -> bool) -> String {
    let agent = |i: usize, release: usize| {
        serde_json::json!({
            "prevState": i % 11, "agentId": 30101 + i, "logonTime": 1796205105738u64 + i as u64,
            "agentRelease": release, "locationId": i % 17, "currentPrivateCallNum": i % 4,
            "currentStateTime": 9688 + i, "currentStateReason": 65535, "prevStateTime": 1238,
            "currentState": 3
        })
    };
    let desc: Vec<_> = (0..n).map(|i| agent(i, i % 40)).collect();
    let datas: Vec<_> = (0..n)
        .map(|i| agent(i, i % 40 + usize::from(differs(i))))
        .collect();
    serde_json::json!({
        "result": "0", "resultCode": "0100000", "resultDatas": datas, "resultDesc": desc
    })
    .to_string()
}

#[test]
fn every_failing_value_of_a_6000_agent_answer_is_the_one_highlighted() {
    // Early indices (inside a plain prefix excerpt) and late ones (far past it); their values
    // (1, 2, ...) also occur as digits of resultCode "0100000" and of every logonTime.
    let differs = |i: usize| i < 3 || i % 97 == 5 || i == 5999;
    let body = fleet_answer(6000, differs);
    let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let violations = cmsconform::checks::response::check_datas_equal_desc(&parsed);
    assert_eq!(violations.len(), (0..6000).filter(|&i| differs(i)).count());
    let received = Received {
        status: 200,
        headers: Vec::new(),
        body: body.into_bytes(),
        truncated: false,
    };
    let redactor = Redactor::new();
    let highlighted = |pointers: &[&Violation]| {
        let focus: Vec<&str> = pointers.iter().map(|v| v.pointer.as_str()).collect();
        let record = ResponseRecord::from_received_at(&received, &redactor, &focus);
        let excerpt = report::lay_out_excerpt(&record.body_excerpt).unwrap_or(record.body_excerpt);
        assert!(excerpt.len() < report::MAX_EXCERPT_BYTES + 64, "{excerpt}");
        let findings: Vec<(&str, Option<&str>)> = pointers
            .iter()
            .map(|v| (v.pointer.as_str(), v.value.as_deref()))
            .collect();
        report::html::highlight::highlight(&excerpt, &findings)
    };
    // One section per failing value, as a case failing on one agent shows it.
    for violation in &violations {
        let expected = parsed.pointer(&violation.pointer).unwrap().to_string();
        let shown = highlighted(&[violation]);
        assert_eq!(
            shown.marked().collect::<Vec<_>>(),
            [expected.as_str()],
            "{}",
            violation.pointer
        );
        assert_eq!(shown.pointers, [violation.pointer.as_str()]);
    }
    // A case failing on many agents: its first eight values, all in its one excerpt.
    let first: Vec<&Violation> = violations.iter().take(8).collect();
    let shown = highlighted(&first);
    let expected: Vec<String> = first
        .iter()
        .map(|v| parsed.pointer(&v.pointer).unwrap().to_string())
        .collect();
    assert_eq!(shown.marked().collect::<Vec<_>>(), expected);
    assert!(shown.missing.is_empty());
}
