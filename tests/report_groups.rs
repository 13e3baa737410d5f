//! One defect, one entry (issue 15): a run against an in-process mock committing one defect
//! (`datas-differ`: resultDatas[i].agentRelease = resultDesc[i].agentRelease + 1) gives one
//! Failures entry for CMS-RESP-003 at its pointer pattern, a short report.md, and one summary
//! block per finding group on stdout, each with the rerun line of its example.

mod common;

use std::collections::BTreeSet;

use cmsconform::contract::Contract;
use cmsconform::mock::MockConfig;
use cmsconform::report::group::fold_pointer;

use common::binary::{run, signed};

#[test]
fn one_defect_is_one_entry_in_report_md_and_one_block_on_the_console() {
    let runtime = common::runtime();
    let mut config = MockConfig::new(Contract::embedded("2023-12").unwrap());
    config.faults = vec!["datas-differ".to_owned()];
    let mock = common::spawn_mock(&runtime, config);
    let dir = common::tempdir();
    let ran = run(signed(dir.path()).args([
        "run",
        "--target",
        &mock.base_url(),
        "--seed",
        "1",
        "--cases",
        "24",
        "--discovery-budget",
        "0",
        "--no-relations",
        "--no-progress",
        "--report-dir",
        "out",
    ]));
    assert_eq!(ran.code, Some(1), "{ran}");

    let markdown = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        markdown.lines().count() < 200,
        "report.md has {} lines",
        markdown.lines().count()
    );
    let failures = section(&markdown, "## Failures");
    let entries: Vec<&str> = failures.lines().filter(|l| l.starts_with("### ")).collect();
    assert_eq!(
        entries
            .iter()
            .filter(|l| l.starts_with("### CMS-RESP-003 at `/resultDatas/*/agentRelease`"))
            .count(),
        1,
        "{failures}"
    );
    // Each entry is a few lines, not one row per value or per case.
    assert!(
        failures.lines().count() <= 20 * entries.len() + 2,
        "{failures}"
    );
    // The Reproduction section keeps the examples only.
    let reproduction = section(&markdown, "## Reproduction");
    assert_eq!(
        reproduction.matches("Rerun alone:").count(),
        entries.len(),
        "{reproduction}"
    );

    // The groups report.json's findings make, against the console's summary.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/report.json")).unwrap())
            .unwrap();
    let groups: BTreeSet<(String, String)> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["verdict"] == "failed")
        .flat_map(|c| c["violations"].as_array().cloned().unwrap_or_default())
        .filter(|v| v["severity"] == "failure")
        .map(|v| {
            let pointer = v["pointer"].as_str().unwrap_or_default();
            (
                v["check"].as_str().unwrap_or_default().to_owned(),
                fold_pointer(pointer),
            )
        })
        .collect();
    assert!(
        groups.contains(&("CMS-RESP-003".into(), "/resultDatas/*/agentRelease".into())),
        "{groups:?}"
    );
    assert_eq!(groups.len(), entries.len(), "{groups:?}\n{failures}");
    let blocks: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("error["))
        .collect();
    assert_eq!(blocks.len(), groups.len(), "{ran}");
    for (check, pattern) in &groups {
        let head = format!("error[{check}] ");
        let at = format!(" at {pattern}");
        assert_eq!(
            blocks
                .iter()
                .filter(|b| b.starts_with(&head) && b.contains(&at))
                .count(),
            1,
            "{check} {pattern}: {blocks:#?}"
        );
    }
    // A rerun line per group's example, none per failing case.
    assert_eq!(
        ran.stdout.lines().filter(|l| l.contains("rerun: ")).count(),
        groups.len(),
        "{ran}"
    );
    let failed = json["meta"]["totals"]["failed"].as_u64().unwrap();
    assert!(failed > groups.len() as u64, "{ran}");
    // A line per failing case, its message left to the defect blocks (issue 24): no libtest
    // `---- NAME ----` block repeats it.
    let failing_lines = (ran.stdout.lines())
        .filter(|l| l.starts_with("test ") && l.ends_with("FAILED"))
        .count();
    assert_eq!(failing_lines as u64, failed, "{ran}");
    assert!(!ran.stdout.lines().any(|l| l.starts_with("---- ")), "{ran}");
    // One total, as libtest counts the cases, before the verdict's limits.
    let (passed, failed_trials, ignored) = common::binary::trial_counts(&ran.stdout);
    let last = (ran.stdout.lines().rev())
        .find(|l| l.starts_with("cases: "))
        .unwrap_or_default();
    let expected = if ignored > 0 {
        format!("cases: {passed} passed, {failed_trials} failed, {ignored} skipped")
    } else {
        format!("cases: {passed} passed, {failed_trials} failed")
    };
    assert_eq!(
        last,
        format!("{expected}; relations: not run (--no-relations left them out)"),
        "{ran}"
    );
    assert!(markdown.contains(&format!("| Cases | {} |", &expected["cases: ".len()..])));
}

/// The text of the `## ` section starting with `heading`, up to the next one.
fn section<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let start = markdown
        .find(&format!("\n{heading}"))
        .unwrap_or_else(|| panic!("no {heading} in\n{markdown}"))
        + 1;
    let rest = &markdown[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}
