//! The reports of a run, built from a fixed, realistic RunRecord (`common/report_fixture.rs`):
//! Markdown and JUnit snapshots, report.json against its schema, JUnit structure as CI parsers
//! read it, the secret grep over every file, coverage and baselines.

#[path = "common/report_fixture.rs"]
mod report_fixture;

use report_fixture::*;

use std::path::Path;

use cmsconform::contract::{DataSource, standalone_validator};
use cmsconform::report::{self, RunRecord, Verdict};

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
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/diff")
            .join(fixture);
        let text = std::fs::read_to_string(path).unwrap();
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
    let not_run: usize = (record.meta.relations_not_run.iter())
        .map(|n| n.names.len())
        .sum();
    assert_eq!(not_run, 2);
    assert_eq!(
        testcases,
        record.cases.len() + record.relations.len() + not_run
    );
    // 4 failed cases with findings + the failed relation; the timeout is an error; the skip,
    // the baselined failure and the two relations not run are skipped.
    assert_eq!((failures, errors, skipped), (5, 1, 4));
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
