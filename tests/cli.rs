//! The `cmsconform` binary's contract with a CI gate: one test per exit code (0 conformant,
//! 1 non-conformant, 2 usage, 3 runtime), `--list` and filters as in `cargo test`, and
//! regressions written by a failing property case into the report directory and, once copied
//! into cases/regressions/, replayed by the next run.
//! Every test runs in a temporary directory with no CMSCONFORM_* variables inherited.

use assert_cmd::Command;
use predicates::prelude::*;

use cmsconform::contract::Contract;
use cmsconform::mock::{self, MockConfig, RunningMock};

fn cmsconform(dir: &std::path::Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("cmsconform");
    for (name, _) in std::env::vars() {
        if name.starts_with("CMSCONFORM_") {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(dir).arg("--log").arg("error");
    cmd
}

/// A mock committing `fault` on every request, serving until the runtime is dropped.
fn mutated_mock(fault: &str) -> (tokio::runtime::Runtime, RunningMock) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut config = MockConfig::new(Contract::embedded("2023-12").unwrap());
    config.faults = vec![fault.to_owned()];
    let running = runtime
        .block_on(mock::spawn(config, "127.0.0.1:0"))
        .unwrap();
    (runtime, running)
}

#[test]
fn exit_0_against_the_embedded_mock() {
    let dir = tempfile::tempdir().unwrap();
    cmsconform(dir.path())
        .args(["run", "--cases", "16", "--seed", "5", "--no-report"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("seed: 5 (rerun with --seed 5)"))
        .stdout(predicate::str::is_match(r"(?m)^cases: \d+ passed, 0 failed(, \d+ skipped)?(; relations: \d+ passed, 0 failed)?$").unwrap());
}

#[test]
fn exit_1_against_a_mutated_mock_and_the_regression_is_replayed() {
    let dir = tempfile::tempdir().unwrap();
    let fault = mock::mutations()
        .first()
        .expect("the mock has mutations")
        .name;
    let (_runtime, running) = mutated_mock(fault);
    let target = running.base_url();
    let run = |extra: &[&str]| {
        let mut cmd = cmsconform(dir.path());
        cmd.args(["run", "--target", &target, "--seed", "2", "--cases", "8"])
            .args(["--report-dir", "out"])
            .env("CMSCONFORM_AK", cmsconform::auth::DEFAULT_AK)
            .env("CMSCONFORM_SK", cmsconform::auth::DEFAULT_SK)
            .args(extra);
        cmd
    };
    run(&[])
        .assert()
        .code(1)
        .stdout(predicate::str::is_match(r"(?m)^cases: \d+ passed, [1-9]\d* failed").unwrap())
        .stdout(predicate::str::contains(cmsconform::auth::DEFAULT_SK).not())
        // A failure's rerun line reaches the same server with the same draw of cases.
        .stdout(predicate::str::contains(
            "rerun: cmsconform run --profile 2023-12 --seed 2 ",
        ))
        .stdout(predicate::str::contains(format!(
            "--target {target} --property-cases 8 --exact"
        )));
    // Shrunk property failures go to the report directory, never into cases/ unasked.
    assert!(!dir.path().join("cases").exists());
    let regressions = dir.path().join("out/regressions");
    if regressions.is_dir() {
        // Copied into cases/regressions/, a shrunk failure is replayed (and listed) next time.
        let kept = dir.path().join("cases/regressions");
        std::fs::create_dir_all(&kept).unwrap();
        for file in std::fs::read_dir(&regressions).unwrap() {
            let file = file.unwrap();
            std::fs::copy(file.path(), kept.join(file.file_name())).unwrap();
        }
        assert!(std::fs::read_dir(&kept).unwrap().count() > 0);
        run(&["--list"])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("regression::2023-12_2_"));
    }
}

#[test]
fn exit_2_for_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    cmsconform(dir.path())
        .args(["run", "--no-such-flag"])
        .assert()
        .code(2);
    cmsconform(dir.path())
        .args(["run", "--profile", "1999-01", "--no-report"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown profile"));
    cmsconform(dir.path())
        .args(["run", "--target", "http://127.0.0.1:9", "--ak", "someone"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("CMSCONFORM_SK"));
}

#[test]
fn exit_3_when_the_target_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    cmsconform(dir.path())
        .args(["run", "--cases", "4", "--no-report", "--timeout", "2s"])
        .args(["--target", &format!("http://127.0.0.1:{port}")])
        .env("CMSCONFORM_AK", "ak")
        .env("CMSCONFORM_SK", "a-secret-key")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("target unusable"))
        .stderr(predicate::str::contains("a-secret-key").not());
    // A report directory that cannot be created is found before the first request: a usage
    // error naming the flag (tests/real_inputs.rs has the others).
    std::fs::write(dir.path().join("blocked"), "a file, not a directory").unwrap();
    cmsconform(dir.path())
        .args([
            "run",
            "--cases",
            "0",
            "--report-dir",
            "blocked/latest",
            "hand::seed",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--report-dir blocked/latest"));
}

#[test]
fn list_and_filters_behave_like_cargo_test() {
    let dir = tempfile::tempdir().unwrap();
    cmsconform(dir.path())
        .args(["run", "--list", "--cases", "3"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("boundary::ccId::max_plus_1: test"))
        .stdout(predicate::str::contains("property::0002: test"))
        .stdout(predicate::str::contains("property::0003").not());
    cmsconform(dir.path())
        .args([
            "run",
            "--cases",
            "0",
            "--no-report",
            "--format",
            "pretty",
            "--exact",
            "boundary::ccId::min",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("test boundary::ccId::min ... ok"))
        .stdout(predicate::str::contains("boundary::ccId::min_").not())
        .stdout(
            predicate::str::is_match(
                r#"(?m)^cases: 1 passed, 0 failed; relations: not run \(the selection \(FILTER "boundary::ccId::min" \(--exact\)\) left them out\)$"#,
            )
            .unwrap(),
        );
    cmsconform(dir.path())
        .args([
            "run",
            "--cases",
            "0",
            "--no-report",
            "--format",
            "pretty",
            "boundary::vdn::",
            "--skip",
            "far",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("boundary::vdn::max_plus_1"))
        .stdout(predicate::str::contains("boundary::vdn::far").not())
        .stdout(predicate::str::contains("boundary::ccId").not());
}

#[test]
fn a_listing_read_only_in_part_ends_quietly() {
    // More lines than a pipe holds, so the listing is still writing when the reader leaves.
    let dir = tempfile::tempdir().unwrap();
    let hand = dir.path().join("many").join("hand");
    std::fs::create_dir_all(&hand).unwrap();
    for i in 0..4000 {
        let case = serde_json::json!({
            "id": format!("hand::a_case_with_a_long_name_so_that_the_list_is_long_{i:05}"),
            "title": "t", "clause": "seed:example",
            "request": {"body": {"ccId": 1}}, "expect": "accepted"});
        std::fs::write(hand.join(format!("c{i:05}.json")), case.to_string()).unwrap();
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cmsconform"))
        .current_dir(dir.path())
        .args([
            "--log",
            "error",
            "--cases-dir",
            "many",
            "run",
            "--list",
            "--cases",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let stdout = child.stdout.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
    assert!(first.ends_with(": test\n"), "{first:?}");
    // The reader is gone (`| head -1`): the listing must end without a panic, exit 0.
    let finished = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&finished.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(finished.status.code(), Some(0), "{stderr}");
}

#[test]
fn trials_report_in_suite_order_whatever_the_cases_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "run",
        "--cases",
        "0",
        "--no-report",
        "--no-relations",
        "boundary::",
    ];
    let listed = cmsconform(dir.path())
        .args(args)
        .arg("--list")
        .output()
        .unwrap();
    let listed: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|line| line.strip_suffix(": test"))
        .map(str::to_owned)
        .collect();
    assert!(listed.len() > 20, "{listed:?}");
    for threads in ["1", "8"] {
        let run = cmsconform(dir.path())
            .args(args)
            .args(["--test-threads", threads, "--format", "pretty"])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0));
        let reported: Vec<String> = String::from_utf8_lossy(&run.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("test ")?.strip_suffix(" ... ok"))
            .map(|name| name.trim_end().to_owned())
            .collect();
        // The hosted scans of the pairs the cases saw accepted come after them, in a block of
        // their own (they are not listed: their pairs are known once the cases are answered).
        let cases = reported.iter().take_while(|id| !id.starts_with("hosted::"));
        assert_eq!(
            cases.cloned().collect::<Vec<_>>(),
            listed,
            "--test-threads {threads}"
        );
        let after = &reported[listed.len()..];
        assert!(
            after.iter().all(|id| id.starts_with("hosted::")),
            "--test-threads {threads}: {after:?}"
        );
    }
}

#[test]
fn run_help_groups_flags_under_headings_with_examples_and_hides_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let help = cmsconform(dir.path())
        .env("CMSCONFORM_SK", "top-secret-value")
        .args(["run", "--help"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(help).unwrap();
    for heading in [
        "Target:",
        "Credentials:",
        "TLS:",
        "Pacing:",
        "Selection:",
        "Reports:",
        "Output:",
        "Examples:",
    ] {
        assert!(
            help.lines().any(|l| l == heading),
            "no {heading} in\n{help}"
        );
    }
    assert!(help.contains("--property-cases <PROPERTY_CASES>"), "{help}");
    // The old spelling still works but is not offered.
    assert!(!help.contains("--cases <"), "{help}");
    assert!(help.contains("[env: CMSCONFORM_NO_REPORT=]"), "{help}");
    assert!(help.contains("[env: CMSCONFORM_SK]"), "{help}");
    assert!(!help.contains("top-secret-value"), "{help}");
}

#[test]
fn property_cases_and_its_old_spelling_cases_both_count_the_property_cases() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--property-cases", "--cases"] {
        cmsconform(dir.path())
            .args(["run", "--list", flag, "8"])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("property::0007: test"))
            .stdout(predicate::str::contains("property::0008").not());
    }
}

#[test]
fn no_report_switch_reads_1_from_its_variable_and_refuses_nonsense() {
    let dir = tempfile::tempdir().unwrap();
    let one_case = [
        "run",
        "--property-cases",
        "0",
        "--exact",
        "boundary::ccId::min",
    ];
    for value in ["1", "yes", "true"] {
        cmsconform(dir.path())
            .env("CMSCONFORM_NO_REPORT", value)
            .args(one_case)
            .assert()
            .code(0)
            .stdout(
                predicate::str::is_match(r"(?m)^cases: 1 passed, 0 failed; relations: not run")
                    .unwrap(),
            );
        assert!(
            !dir.path().join("reports").exists(),
            "a report was written with NO_REPORT={value}"
        );
    }
    cmsconform(dir.path())
        .env("CMSCONFORM_NO_REPORT", "maybe")
        .args(one_case)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("CMSCONFORM_NO_REPORT").or(predicate::str::contains("maybe")),
        );
}

#[test]
fn colour_follows_color_and_no_color_in_help_and_trial_lines() {
    let dir = tempfile::tempdir().unwrap();
    let one_case = [
        "run",
        "--property-cases",
        "0",
        "--no-report",
        "--exact",
        "boundary::ccId::max",
    ];
    let output = |env: &[(&str, &str)], pre: &[&str], args: &[&str]| {
        let mut cmd = cmsconform(dir.path());
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (name, value) in env {
            cmd.env(name, value);
        }
        let out = cmd.args(pre).args(args).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let escape = '\u{1b}';
    // Forced, the help and libtest's lines are coloured; NO_COLOR beats the force.
    assert!(output(&[("CLICOLOR_FORCE", "1")], &[], &["run", "--help"]).contains(escape));
    assert!(output(&[], &["--color", "always"], &one_case).contains(escape));
    assert!(output(&[("CMSCONFORM_COLOR", "always")], &[], &["run", "--help"]).contains(escape));
    for env in [
        &[("NO_COLOR", "1")][..],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")],
    ] {
        assert!(
            !output(env, &[], &["run", "--help"]).contains(escape),
            "{env:?}"
        );
        assert!(!output(env, &[], &one_case).contains(escape), "{env:?}");
    }
    assert!(!output(&[("CLICOLOR_FORCE", "1")], &["--color=never"], &one_case).contains(escape));
    assert!(!output(&[], &["--color", "never"], &["run", "--help"]).contains(escape));
}
