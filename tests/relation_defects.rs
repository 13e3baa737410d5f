//! A server that fails only in the relations (issue 24): the independent CC-CMS server answering
//! at most 100 agents however many are asked. Each case's answer is plausible on its own; only
//! comparing a large batch with its shuffle and its sub-batches shows the loss. The run must
//! say NOT CONFORMANT and list each failed relation as a defect, with what differed in one line,
//! exact counts, the requests' sizes, curl and rerun lines, in report.md, junit.xml and the
//! console alike.

mod common;

use common::cc_server::{self, ServerConfig};
use common::{runtime, tempdir};

/// Agents an answer holds at most.
const AT_MOST: usize = 100;

#[test]
fn a_server_that_cuts_answers_fails_only_in_the_relations_and_says_how() {
    let runtime = runtime();
    let server = cc_server::start(
        &runtime,
        ServerConfig {
            answer_at_most: Some(AT_MOST),
            ..ServerConfig::default()
        },
    );
    let dir = tempdir();
    let reports = dir.path().join("reports");
    let ran = common::binary::run(
        common::binary::signed(dir.path())
            .args(["run", "--target", &server.url(), "--no-progress"])
            .arg("--report-dir")
            .arg(&reports),
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    let report = common::binary::report_json(&reports);
    let failed_cases = report["meta"]["totals"]["failed"].as_u64();
    assert_eq!(failed_cases, Some(0), "only relations fail: {ran}");
    let failed: Vec<&serde_json::Value> = report["relations"]
        .as_array()
        .map(|all| all.iter().filter(|r| r["verdict"] == "failed").collect())
        .unwrap_or_default();
    let names: Vec<&str> = failed
        .iter()
        .filter_map(|r| r["relation"].as_str())
        .collect();
    assert!(names.contains(&"permutation"), "{names:?}");
    assert!(names.contains(&"sub-batch::tail"), "{names:?}");

    let md = std::fs::read_to_string(reports.join("report.md")).unwrap_or_default();
    assert!(
        md.starts_with("# cmsconform report: NOT CONFORMANT"),
        "{md}"
    );
    let failures = md
        .split("## Failures\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_default();
    assert!(!failures.contains("None."), "{failures}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap_or_default();
    for relation in &failed {
        let name = relation["relation"].as_str().unwrap_or_default();
        let kept = relation["violations"].as_array().map_or(0, Vec::len);
        let total = relation["violations_total"].as_u64().unwrap_or(0) as usize;
        assert!(kept <= 20 && total >= kept && total > 0, "{relation:#}");
        let counts = if kept < total {
            format!("{total} violations ({kept} kept of {total})")
        } else if total == 1 {
            "1 violation".to_owned()
        } else {
            format!("{total} violations")
        };
        let heading = format!("### Relation `relation::{name}` failed: CMS-REL-");
        let entry = failures
            .split("### ")
            .find(|e| e.starts_with(&heading[4..]))
            .unwrap_or_else(|| panic!("no entry for {name} in\n{failures}"));
        assert!(entry.contains(&format!("Findings: {counts}")), "{entry}");
        assert!(
            entry.contains(&format!("--exact relation::{name}")),
            "{entry}"
        );
        assert!(entry.contains("$CMSCONFORM_AUTH"), "{entry}");
        assert!(entry.contains("6000 IDs ("), "request sizes: {entry}");
        assert!(
            ran.stdout.contains(&format!("in relation::{name}: ")),
            "console block for {name}: {ran}"
        );
        let testcase = format!("<testcase name=\"{name}\" classname=\"cmsconform.relations\"");
        let at = junit.find(&testcase).unwrap_or_else(|| panic!("{junit}"));
        let case_xml = &junit[at..junit[at..]
            .find("</testcase>")
            .map_or(junit.len(), |e| at + e)];
        assert!(
            case_xml.contains("<failure message=\"CMS-REL-"),
            "{case_xml}"
        );
        assert!(case_xml.contains(&counts), "{case_xml}");
    }
    // Two orders of one batch, each answer cut at the 100th agent.
    let what = format!(
        "**What differed:** answers to batches of 6000 IDs stop after the {AT_MOST}th agent: \
         each of the 4 answers held only the first {AT_MOST} agents asked"
    );
    assert!(failures.contains(&what), "{failures}");
    assert!(
        ran.stdout.contains(&format!(
            "stop after the {AT_MOST}th agent: each of the 4 answers"
        )),
        "{ran}"
    );
    // One request cut (asked twice) is an answer that stops by the last ID it held, never a
    // claim about a count.
    let by = failures
        .split("answers to batches of 6000 IDs stop by the ")
        .nth(1)
        .unwrap_or_default();
    assert!(
        by.split_once("ID asked: ")
            .is_some_and(|(_, rest)| rest.starts_with(&format!(
                "each of the 2 answers held only the first {AT_MOST} agents asked"
            ))),
        "{failures}"
    );
    // One short row per relation in the Relations table.
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| `permutation` |") || l.starts_with("| `sub-batch::tail` |"))
        .collect();
    assert_eq!(rows.len(), 2, "{md}");
    assert!(
        rows.iter()
            .all(|r| !r.contains("<br>") && r.contains("see Failures")),
        "{rows:?}"
    );
    assert!(!ran.stdout.contains("printed above"), "{ran}");
}
