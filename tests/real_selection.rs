//! Relations and selection (issue 23): the relations and limit discoveries are named
//! (`relation::repetition`, `discovery::vdn`) and selected like cases, and a run whose
//! selection leaves them out says so, never "0 passed, 0 failed". Each run is the binary
//! against its embedded mock (started in-process on 127.0.0.1:0), with few cases.

mod common;

use std::path::Path;

use common::binary::{Ran, cmsconform, run};
use serde_json::Value;

/// `cmsconform run ARGS` with a small suite, reports in `dir/out`.
fn run_in(dir: &Path, args: &[&str]) -> Ran {
    let mut cmd = cmsconform(dir);
    cmd.args([
        "run",
        "--seed",
        "1",
        "--property-cases",
        "0",
        "--no-progress",
    ])
    .args(["--report-dir", "out"])
    .args(args);
    run(&mut cmd)
}

fn report_json(dir: &Path) -> Value {
    let text = std::fs::read_to_string(dir.join("out/report.json"))
        .unwrap_or_else(|e| panic!("report.json: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("report.json: {e}"))
}

fn relation_names(report: &Value) -> Vec<String> {
    report["relations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["relation"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn skipping_a_case_keeps_every_relation() {
    let dir = common::tempdir();
    let ran = run_in(dir.path(), &["--skip", "hand::empty_body"]);
    assert_eq!(ran.code, Some(0), "{ran}");
    for line in [
        "relation repetition ... ok",
        "relation permutation ... ok",
        "relation duplication ... ok",
        "relation discovery::vdn ... ok",
    ] {
        assert!(ran.stdout.contains(line), "{line}\n{ran}");
    }
    assert!(!ran.stdout.contains("relations not run"), "{ran}");
    assert!(
        ran.stdout.contains("; relations: 10 passed, 0 failed\n"),
        "{ran}"
    );
    let report = report_json(dir.path());
    assert_eq!(relation_names(&report).len(), 10, "{report:#}");
    assert!(report["meta"].get("relations_not_run").is_none());
    let skipped = report["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["id"] == "hand::empty_body");
    assert!(!skipped, "the skipped case is not in the report");
}

#[test]
fn a_filter_that_leaves_the_relations_out_says_so_in_every_report() {
    let dir = common::tempdir();
    let ran = run_in(dir.path(), &["hand::seed"]);
    assert_eq!(ran.code, Some(0), "{ran}");
    let why = "the selection (FILTER \"hand::seed\") left them out";
    assert!(
        ran.stdout
            .contains("relations not run (10): relation::repetition,"),
        "{ran}"
    );
    assert!(
        ran.stdout
            .contains(&format!("; relations: not run ({why})")),
        "{ran}"
    );
    let markdown = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        markdown.contains(&format!("| Relations | not run ({why}) |")),
        "{markdown}"
    );
    assert!(
        markdown.contains(&format!("**Not run:** {why}: 10 (`relation::repetition`")),
        "{markdown}"
    );
    assert!(!markdown.contains("0 passed, 0 failed |"), "{markdown}");
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(html.contains("<strong>Not run:</strong>"), "report.html");
    let junit = std::fs::read_to_string(dir.path().join("out/junit.xml")).unwrap();
    assert_eq!(junit.matches("type=\"not-run\"").count(), 10, "{junit}");
    let report = report_json(dir.path());
    assert!(relation_names(&report).is_empty());
    let not_run = &report["meta"]["relations_not_run"][0];
    assert_eq!(not_run["reason"], why);
    assert_eq!(not_run["names"].as_array().map(Vec::len), Some(10));
}

#[test]
fn no_relations_says_why_too() {
    let dir = common::tempdir();
    let ran = run_in(
        dir.path(),
        &["--no-relations", "--exact", "hand::seed_example"],
    );
    assert_eq!(ran.code, Some(0), "{ran}");
    assert!(
        ran.stdout
            .contains("; relations: not run (--no-relations left them out)"),
        "{ran}"
    );
}

#[test]
fn the_list_names_the_relations_and_a_filter_of_one_runs_that_one() {
    let dir = common::tempdir();
    let mut cmd = cmsconform(dir.path());
    cmd.args(["run", "--list", "--property-cases", "0"]);
    let listed = run(&mut cmd);
    assert_eq!(listed.code, Some(0), "{listed}");
    let names: Vec<&str> = listed.stdout.lines().collect();
    for name in [
        "relation::repetition: test",
        "relation::sub-batch::single: test",
        "discovery::agentIds.length: test",
        "hand::seed_example: test",
    ] {
        assert!(names.contains(&name), "{name}\n{listed}");
    }
    let ran = run_in(dir.path(), &["relation::repetition"]);
    assert_eq!(ran.code, Some(0), "{ran}");
    assert!(ran.stdout.contains("relation repetition ... ok"), "{ran}");
    assert!(!ran.stdout.contains("relation permutation"), "{ran}");
    let report = report_json(dir.path());
    assert_eq!(relation_names(&report), ["repetition"]);
    assert!(
        report["cases"].as_array().is_some_and(Vec::is_empty),
        "no case matches the filter: none is reported"
    );
    assert_eq!(
        report["meta"]["relations_not_run"][0]["names"]
            .as_array()
            .map(Vec::len),
        Some(9)
    );
}
