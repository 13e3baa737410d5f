//! Issue 24 against the independent server (tests/common/cc_server): a verdict's limits on the
//! first screen (the console's last lines, report.md's summary, the top of report.html); every
//! exit 3 leaves report.json, report.md and junit.xml (one `<error>` testcase) with what was
//! sent and got, redacted; a failing run's console is one line per failing case, the defect
//! blocks and the totals; the usage errors of item 9 exit 2 and write nothing.

mod common;

use std::path::Path;

use common::binary::{Ran, cmsconform, files_below, report_json, run, signed, signed_with};
use common::cc_server::{self, Centre, PATH, ServerConfig};
use common::{runtime, tempdir};

/// `run --target URL --no-progress EXTRA` with `cmd`'s keys, reports in `dir/reports`.
fn run_with(mut cmd: assert_cmd::Command, url: &str, dir: &Path, extra: &[&str]) -> Ran {
    run(cmd
        .args(["run", "--target", url, "--no-progress", "--cases", "16"])
        .arg("--report-dir")
        .arg(dir.join("reports"))
        .args(extra))
}

/// `report` breaks no rule of schemas/report.schema.json.
fn assert_schema_valid(report: &serde_json::Value) {
    let validator = cmsconform::contract::standalone_validator(
        &cmsconform::contract::DataSource::schemas(),
        "report.schema.json",
    )
    .unwrap_or_else(|e| panic!("report.schema.json: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
}

/// Every report file of `dir/reports`, one after the other.
fn written(dir: &Path) -> String {
    files_below(&dir.join("reports"))
        .into_iter()
        .map(|(_, text)| text)
        .collect()
}

/// The `<testcase>` elements of junit.xml with an `<error>` child, as (name, message).
fn error_testcases(junit: &str) -> Vec<(String, String)> {
    let mut reader = quick_xml::Reader::from_str(junit);
    let mut found = Vec::new();
    let mut current = String::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == b"testcase" => {
                current = attribute(&e, b"name");
            }
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                if e.name().as_ref() == b"error" =>
            {
                found.push((current.clone(), attribute(&e, b"message")));
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Err(e) => panic!("junit.xml: {e}"),
            _ => {}
        }
    }
    found
}

fn attribute(element: &quick_xml::events::BytesStart, name: &[u8]) -> String {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
        .unwrap_or_default()
}

#[test]
fn a_refused_preflight_still_writes_every_report_with_what_was_sent_and_got() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    let dir = tempdir();
    let wrong_sk = "not-the-servers-secret-key";
    let ran = run_with(
        signed_with(dir.path(), wrong_sk),
        &server.url(),
        dir.path(),
        &[],
    );
    assert_eq!(ran.code, Some(3), "{ran}");
    assert_eq!(
        server.stats.counts().requests,
        1,
        "the preflight alone was sent"
    );
    let reports = dir.path().join("reports");
    for name in ["report.json", "report.md", "junit.xml", "report.html"] {
        assert!(reports.join(name).is_file(), "{name} missing: {ran}");
    }
    let all = written(dir.path());
    assert!(!all.contains(wrong_sk), "the SK is in a report");
    let report = report_json(&reports);
    assert_schema_valid(&report);
    let stopped = &report["meta"]["stopped"];
    assert_eq!(stopped["case"], "preflight::seed_example", "{stopped}");
    let reason = stopped["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("HTTP 401"), "{reason}");
    assert!(
        stopped["advice"]
            .as_str()
            .unwrap_or_default()
            .contains("--ak/--sk"),
        "the advice printed: {stopped}"
    );
    assert_eq!(stopped["response"]["status"], 401, "{stopped}");
    let headers = stopped["request"]["headers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let authorization = headers
        .iter()
        .find(|h| h[0] == "authorization")
        .and_then(|h| h[1].as_str())
        .unwrap_or_else(|| panic!("no Authorization recorded: {stopped}"));
    assert!(
        authorization.starts_with("auth-v2/cmsconform-ak/") && authorization.ends_with("/***"),
        "the signature is redacted: {authorization}"
    );
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap_or_default();
    let errors = error_testcases(&junit);
    assert_eq!(errors.len(), 1, "{junit}");
    assert_eq!(errors[0].0, "preflight::seed_example");
    assert!(errors[0].1.contains("HTTP 401"), "{junit}");
    assert!(junit.contains("answered: HTTP 401"), "{junit}");
    let md = std::fs::read_to_string(reports.join("report.md")).unwrap_or_default();
    assert!(
        md.starts_with("# cmsconform report: STOPPED, NO VERDICT"),
        "{md}"
    );
    assert!(
        md.contains("## Why the run stopped") && md.contains("### Answered"),
        "{md}"
    );
}

#[test]
fn credentials_that_expire_mid_run_stop_it_with_an_error_testcase() {
    let runtime = runtime();
    let config = ServerConfig {
        credentials_expire_after: Some(30),
        ..ServerConfig::default()
    };
    let server = cc_server::start(&runtime, config);
    let dir = tempdir();
    let ran = run_with(signed(dir.path()), &server.url(), dir.path(), &[]);
    assert_eq!(ran.code, Some(3), "{ran}");
    let reports = dir.path().join("reports");
    let report = report_json(&reports);
    assert!(
        report["meta"]["stopped"]["reason"].is_string(),
        "{}",
        report["meta"]
    );
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap_or_default();
    let errors = error_testcases(&junit);
    assert!(
        errors.iter().any(|(name, _)| name == "run::stopped"),
        "{errors:?}"
    );
    assert!(!written(dir.path()).contains(cmsconform::auth::DEFAULT_SK));
}

#[test]
fn a_failing_runs_console_is_a_line_per_failing_case_then_the_defects_then_the_totals() {
    let runtime = runtime();
    let config = ServerConfig {
        centres: vec![Centre {
            breaks_agent_rule: true,
            ..Centre::home()
        }],
        ..ServerConfig::default()
    };
    let server = cc_server::start(&runtime, config);
    let dir = tempdir();
    // One seed for both runs: the same cases fail in each.
    let ran = run_with(
        signed(dir.path()),
        &server.url(),
        dir.path(),
        &["--seed", "7"],
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    let (_, failed, _) = common::binary::trial_counts(&ran.stdout);
    assert!(failed > 20, "{ran}");
    let lines: Vec<&str> = ran.stdout.lines().collect();
    let failing_lines = lines
        .iter()
        .filter(|l| l.starts_with("test ") && l.ends_with("FAILED"))
        .count();
    assert_eq!(failing_lines, failed, "{ran}");
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("---- ") || *l == "failures:"),
        "libtest's failure blocks and name list are not repeated: {ran}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("test ") && l.ends_with(" ok")),
        "passing cases are counted, not listed: {ran}"
    );
    // The failing lines, the run's own lines (seed, fleet, relations...), one block per defect
    // and the totals: nothing per case beyond its one line.
    let blocks = lines.iter().filter(|l| l.starts_with("error[")).count();
    assert!(blocks >= 1, "{ran}");
    assert!(
        lines.len() < failed + 25 * blocks + 60,
        "{} lines for {failed} failures: {ran}",
        lines.len()
    );
    let last = lines
        .iter()
        .rposition(|l| l.starts_with("cases: "))
        .unwrap_or(0);
    assert!(
        lines[last + 1].starts_with("verdict: NOT CONFORMANT"),
        "{ran}"
    );
    // Tools get everything: a JSON event per case, each failure with its message.
    let json = run_with(
        signed(dir.path()),
        &server.url(),
        dir.path(),
        &["--seed", "7", "--format", "json"],
    );
    let failed_events: Vec<serde_json::Value> = json
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["type"] == "test" && e["event"] == "failed")
        .collect();
    assert_eq!(failed_events.len(), failed, "{json}");
    assert!(
        failed_events
            .iter()
            .all(|e| e["stdout"].as_str().is_some_and(|s| s.contains("CMS-"))),
        "{json}"
    );
}

#[test]
fn a_verdict_says_its_limits_on_the_first_screen() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    let dir = tempdir();
    let ran = run_with(signed(dir.path()), &server.url(), dir.path(), &[]);
    assert_eq!(ran.code, Some(0), "{ran}");
    let report = report_json(&dir.path().join("reports"));
    let skipped = report["meta"]["totals"]["skipped"].as_u64().unwrap_or(0);
    assert!(skipped > 0, "the auth probes beyond the budget: {ran}");
    let gaps = (report["coverage"].as_array().into_iter().flatten())
        .filter(|c| c["cases"].as_array().is_some_and(Vec::is_empty))
        .count();
    let clauses = report["coverage"].as_array().map_or(0, Vec::len);
    assert!(gaps > 0, "{ran}");
    let verdict = format!(
        "CONFORMANT, {gaps} of {clauses} clauses not reached, {skipped} cases skipped \
         (auth-probe budget)"
    );
    // The console's last lines.
    let lines: Vec<&str> = ran.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("verdict: "))
        .unwrap_or_else(|| panic!("no verdict line: {ran}"));
    assert!(
        lines[at].starts_with(&format!("verdict: {verdict}")),
        "{ran}"
    );
    assert!(
        lines[at..].iter().any(|l| l.starts_with("  not reached: ")),
        "{ran}"
    );
    assert!(
        lines[at..]
            .iter()
            .any(|l| l.starts_with(&format!("  skipped: {skipped} auth-probe budget"))),
        "{ran}"
    );
    assert!(
        lines[at..].iter().any(|l| l.starts_with("  agents: ")),
        "{ran}"
    );
    // The server's 300 agents are a small share of the profile's 59,899 IDs, and its batches
    // were answered in full (the sub-batch relations passed): a limit said on the first
    // screen, not a warning, and the verdict is not "agent data limited".
    assert_schema_valid(&report);
    let fleet = &report["meta"]["fleet_range"];
    assert_eq!(fleet["ids_asked"], 59_899, "{fleet}");
    assert!(fleet.get("warning").is_none(), "{fleet}");
    assert!(
        fleet["note"]
            .as_str()
            .is_some_and(|w| w.contains("300 agents") && w.contains("so the fleet is that small")),
        "{fleet}"
    );
    assert!(!ran.stderr.contains("warning: the fleet scan"), "{ran}");
    assert!(!lines[at].contains("agent data limited"), "{ran}");
    assert!(
        lines[at..]
            .iter()
            .any(|l| l.starts_with("  fleet: the fleet scan found 300 agents")),
        "{ran}"
    );
    // report.md's summary table: the verdict row, then the clauses and the skipped cases.
    let md = std::fs::read_to_string(dir.path().join("reports/report.md")).unwrap_or_default();
    let table: Vec<&str> = md.lines().take_while(|l| !l.starts_with("## ")).collect();
    let row = |name: &str| {
        table
            .iter()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("no {name} row in {md}"))
            .to_string()
    };
    assert!(row("Verdict").contains(&format!("{gaps} of {clauses} clauses not reached")));
    assert!(row("Clauses not reached").contains(&format!("**{gaps} of {clauses}**")));
    assert!(row("Cases skipped").contains(&format!("**{skipped} auth-probe budget**")));
    assert!(
        row("Fleet").contains("the fleet scan found 300 agents"),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.path().join("reports/report.html")).unwrap_or_default();
    let top = &html[..html.find("id=\"failures\"").unwrap_or(html.len())];
    assert!(
        top.contains("clauses not reached") && top.contains("Cases skipped: "),
        "{top}"
    );
}

#[test]
fn the_usage_errors_of_a_run_and_the_mock_exit_2_and_write_nothing() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    let dir = tempdir();
    let reports = dir.path().join("reports");
    let exact = run_with(signed(dir.path()), &server.url(), dir.path(), &["--exact"]);
    assert_eq!(exact.code, Some(2), "{exact}");
    assert!(exact.stderr.contains("--exact needs a FILTER"), "{exact}");
    let with_path = format!("{}{PATH}", server.url());
    let doubled = run_with(signed(dir.path()), &with_path, dir.path(), &[]);
    assert_eq!(doubled.code, Some(2), "{doubled}");
    assert!(
        doubled
            .stderr
            .contains("already ends with the interface path")
            && doubled
                .stderr
                .contains(&format!("--target {}", server.url())),
        "the fix is named: {doubled}"
    );
    assert_eq!(server.stats.counts().requests, 0, "nothing was sent");
    assert!(!reports.exists(), "a usage error writes nothing");
    let listen = run(cmsconform(dir.path()).args(["mock", "--listen", "8080"]));
    assert_eq!(listen.code, Some(2), "{listen}");
    assert!(
        listen.stderr.contains("--listen 127.0.0.1:8080"),
        "{listen}"
    );
}
