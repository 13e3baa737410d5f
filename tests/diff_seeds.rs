//! `diff` and `--baseline` across seeds, through the binary: two runs against one faulty mock
//! (`datas-differ`: one defect in every accepted answer) with different seeds. The second run's
//! same failures are accepted by the first run's report.json, `diff` pairs cases by request
//! and says the seeds differ, junit.xml agrees with report.json, and a report of a newer format
//! is refused.

mod common;

use std::path::Path;

use common::binary::{Ran, run, signed};
use serde_json::Value;

/// One run of the suite against `target` with `seed`, its reports in `dir/out`.
fn suite(dir: &Path, target: &str, seed: &str, out: &str, extra: &[&str]) -> Ran {
    let mut cmd = signed(dir);
    cmd.args(["run", "--target", target, "--seed", seed, "--cases", "8"])
        .args(["--no-relations", "--no-progress", "--agents", "1000-1010"])
        .args(["--report-dir", out])
        .args(extra);
    run(&mut cmd)
}

fn report(dir: &Path, out: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(out).join("report.json"))
        .unwrap_or_else(|e| panic!("{out}/report.json: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{out}/report.json: {e}"))
}

fn diff(dir: &Path, old: &str, new: &str, format: &str) -> Ran {
    let mut cmd = common::binary::cmsconform(dir);
    cmd.args(["diff", old, new, "--format", format]);
    run(&mut cmd)
}

/// The `NAME="N"` attribute of the first `<testsuites` element.
fn attribute(xml: &str, name: &str) -> usize {
    let head = xml
        .split("<testsuites")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_else(|| panic!("no <testsuites> in {xml}"));
    let needle = format!(" {name}=\"");
    let value = head
        .split(&needle)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("0");
    value
        .parse()
        .unwrap_or_else(|e| panic!("{name}={value}: {e}"))
}

#[test]
fn a_baseline_and_a_diff_survive_a_new_seed() {
    let runtime = common::runtime();
    let mut config = common::mock_config();
    config.faults = vec!["datas-differ".to_owned()];
    let mock = common::spawn_mock(&runtime, config);
    let target = mock.base_url();
    let dir = common::tempdir();
    let dir = dir.path();

    let first = suite(dir, &target, "11", "one", &[]);
    assert_eq!(first.code, Some(1), "{first}");
    let one = report(dir, "one");
    assert_eq!(one["formatVersion"], cmsconform::report::FORMAT_VERSION);
    let failed = one["meta"]["totals"]["failed"].as_u64().unwrap_or(0);
    assert!(failed > 0, "the fault fails cases: {first}");
    assert!(
        one["cases"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["verdict"] != "skipped")
            .all(|c| c["request_hash"].as_str().is_some_and(|h| h.len() == 64)),
        "every sent case records its request hash"
    );

    // Another seed, the first run's report as baseline: the same defect is accepted.
    let second = suite(
        dir,
        &target,
        "12",
        "two",
        &["--baseline", "one/report.json"],
    );
    assert_eq!(second.code, Some(0), "{second}");
    let two = report(dir, "two");
    let totals = &two["meta"]["totals"];
    assert!(totals["failed"].as_u64().unwrap_or(0) > 0, "{second}");
    assert_eq!(totals["baselined"], totals["failed"], "{second}");
    // Property ids name other requests under seed 12, so some were accepted by defect.
    let accepted = two["baseline"]["accepted"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        accepted
            .iter()
            .any(|id| id.as_str().is_some_and(|id| id.starts_with("property::"))),
        "{accepted:?}"
    );

    // diff pairs by request: it says the seeds differ, and has no bogus shape change.
    let md = diff(dir, "one/report.json", "two/report.json", "md");
    assert_eq!(md.code, Some(0), "{md}");
    let head: String = md.stdout.lines().take(6).collect::<Vec<_>>().join("\n");
    assert!(head.contains("seeds differ (old 11, new 12)"), "{head}");
    // Another seed draws another case set: warned first, with the reason.
    assert!(
        head.contains("> **warning:** The runs had different case sets")
            && head.contains("(the seeds differ, so generated cases send other requests)"),
        "{head}"
    );
    assert!(!head.contains("different targets"), "one mock: {head}");
    let json = diff(dir, "one/report.json", "two/report.json", "json");
    let diffed: Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(diffed["matched_by"], "request");
    assert_eq!(diffed["seeds_differ"], true);
    assert_eq!(diffed["shape_changes"], serde_json::json!([]), "{json}");
    // The hand and boundary cases send the same requests under both seeds: they pair.
    let still: Vec<&str> = diffed["still_failing"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(
        still.iter().any(|id| !id.starts_with("property::")),
        "{json}"
    );

    // junit.xml agrees with report.json; passing cases carry no system-out.
    let xml = std::fs::read_to_string(dir.join("two/junit.xml")).unwrap_or_default();
    let count = |key: &str| totals[key].as_u64().unwrap_or(0) as usize;
    // --no-relations: each relation is a skipped testcase of type not-run, so a CI view does
    // not read the run as one whose relations passed.
    let not_run: usize = (two["meta"]["relations_not_run"]
        .as_array()
        .into_iter()
        .flatten())
    .filter_map(|group| group["names"].as_array().map(Vec::len))
    .sum();
    assert_eq!(not_run, 10, "{:#}", two["meta"]);
    assert_eq!(attribute(&xml, "tests"), count("total") + not_run);
    assert_eq!(xml.matches("type=\"not-run\"").count(), not_run);
    assert_eq!(
        attribute(&xml, "failures") + attribute(&xml, "errors"),
        count("failed") - count("baselined")
    );
    let not_passed = count("total") - count("passed");
    assert!(xml.matches("<system-out>").count() <= not_passed, "{xml}");
    let mut all = suite(dir, &target, "12", "three", &["--junit-output", "all"]);
    assert_eq!(all.code, Some(1), "{all}");
    let xml = std::fs::read_to_string(dir.join("three/junit.xml")).unwrap_or_default();
    all.stdout.clear();
    assert!(
        xml.matches("<system-out>").count() > not_passed,
        "--junit-output all"
    );

    // A report of a newer format is refused, naming the file.
    let mut newer = two.clone();
    newer["formatVersion"] = 99.into();
    std::fs::write(dir.join("newer.json"), newer.to_string()).unwrap_or_default();
    let refused = diff(dir, "one/report.json", "newer.json", "md");
    assert_eq!(refused.code, Some(2), "{refused}");
    assert!(refused.stderr.contains("newer.json"), "{refused}");
    assert!(refused.stderr.contains("formatVersion 99"), "{refused}");
}
