//! A run's inputs are checked before its first request (usage errors, exit 2, naming the flag
//! and the path), a cleartext target off this machine is warned about, and a run writes only
//! into its report directory: shrunk regressions go to `<report-dir>/regressions/`, and
//! `cases/regressions/` (or `--regressions DIR`) is only read.

mod common;
use common::binary::signed as cmsconform;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use predicates::prelude::*;

use cmsconform::mock::RunningMock;

/// A loopback server that counts the requests it receives and answers each with a 500.
fn counting_server() -> (tokio::runtime::Runtime, String, Arc<AtomicUsize>) {
    let runtime = common::runtime();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let app = axum::Router::new().fallback(move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async { axum::http::StatusCode::INTERNAL_SERVER_ERROR }
    });
    let url = format!("http://{}", common::proxy::serve(&runtime, app));
    (runtime, url, hits)
}

#[test]
fn bad_inputs_are_usage_errors_before_any_request() {
    let (_runtime, target, hits) = counting_server();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("blocked"), "a file, not a directory").unwrap();
    std::fs::write(root.join("bad-baseline.json"), "{not json").unwrap();
    std::fs::create_dir(root.join("empty-schemas")).unwrap();
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["run", "--baseline", "no-such.json"],
            &["--baseline", "no-such.json"],
        ),
        (
            &["run", "--baseline", "bad-baseline.json"],
            &["--baseline", "bad-baseline.json", "not valid JSON"],
        ),
        (
            &["run", "--report-dir", "blocked/latest"],
            &["--report-dir", "blocked/latest"],
        ),
        (
            &["--cases-dir", "no-cases", "run"],
            &["--cases-dir", "no-cases", "does not exist"],
        ),
        (
            &["--schemas", "no-schemas", "run"],
            &["--schemas", "no-schemas", "does not exist"],
        ),
        (
            &["--schemas", "empty-schemas", "run"],
            &["--schemas", "empty-schemas", "holds no profile"],
        ),
        (
            &["run", "--regressions", "kept"],
            &["--regressions", "kept", "does not exist"],
        ),
        (
            &["run", "no::such::case"],
            &["no case or relation matches", "FILTER \"no::such::case\""],
        ),
        (
            &["run", "--exact", "boundary::ccId"],
            &["no case or relation matches", "(--exact)"],
        ),
        (
            &["run", "boundary::ccId::max", "--skip", "boundary"],
            &["no case or relation matches", "--skip \"boundary\""],
        ),
    ];
    for (args, named) in cases {
        let mut assert = cmsconform(root)
            .args(*args)
            .args(["--target", &target, "--cases", "4"])
            .assert()
            .code(2);
        for name in *named {
            assert = assert.stderr(predicate::str::contains(*name));
        }
        assert_eq!(hits.load(Ordering::SeqCst), 0, "{args:?} sent a request");
    }
    // Runs stopped by their inputs wrote nothing.
    assert!(!root.join("cases").exists());
    assert!(!root.join("reports").exists());
}

#[test]
fn cleartext_off_this_machine_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    // --list sends nothing: the warning comes from the inputs, before any request.
    cmsconform(dir.path())
        .args([
            "run",
            "--list",
            "--cases",
            "1",
            "--target",
            "http://192.0.2.1:28080",
        ])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "warning: --target is plain http:// to 192.0.2.1",
        ))
        .stderr(predicate::str::contains("in clear text"))
        .stderr(predicate::str::contains(cmsconform::auth::DEFAULT_SK).not());
    for target in ["http://127.0.0.1:28080", "https://192.0.2.1:28080"] {
        cmsconform(dir.path())
            .args(["run", "--list", "--cases", "1", "--target", target])
            .assert()
            .code(0)
            .stderr(predicate::str::contains("warning").not());
    }
}

/// A mock whose every success lacks a field: valid property cases fail and are shrunk.
fn mutated_mock() -> (tokio::runtime::Runtime, RunningMock) {
    let runtime = common::runtime();
    let mut config = common::mock_config();
    config.faults = vec!["drop-field".to_owned()];
    let running = common::spawn_mock(&runtime, config);
    (runtime, running)
}

#[test]
fn shrunk_failures_go_to_the_report_dir_and_the_replayed_dir_is_only_read() {
    let (_runtime, running) = mutated_mock();
    let target = running.base_url();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // A regressions directory to replay, with one kept case in it.
    let kept = root.join("kept");
    std::fs::create_dir(&kept).unwrap();
    let kept_case = serde_json::json!({
        "id": "regression::kept_by_hand", "title": "kept", "clause": "seed:example",
        "request": {"body": {"ccId": 1, "vdn": 170, "agentIds": [1099]}}, "expect": "accepted"});
    std::fs::write(kept.join("kept_by_hand.json"), kept_case.to_string()).unwrap();
    let before = std::fs::read_dir(&kept).unwrap().count();
    let run = cmsconform(root)
        .args(["run", "--target", &target, "--seed", "2", "--cases", "8"])
        .args([
            "--report-dir",
            "out",
            "--no-relations",
            "--regressions",
            "kept",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("regression::kept_by_hand"))
        .stdout(
            predicate::str::contains("copy them into cases/regressions/")
                .or(predicate::str::contains("copy it into cases/regressions/")),
        );
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    let shrunk = root.join("out/regressions");
    assert!(
        stdout.contains("shrunk and saved as out/regressions/"),
        "{stdout}"
    );
    assert!(std::fs::read_dir(&shrunk).unwrap().count() > 0);
    assert_eq!(
        std::fs::read_dir(&kept).unwrap().count(),
        before,
        "--regressions is only read"
    );
    assert!(!root.join("cases").exists(), "nothing written into cases/");
}

#[test]
fn without_a_report_nothing_is_shrunk_or_written_and_the_run_says_so() {
    let (_runtime, running) = mutated_mock();
    let target = running.base_url();
    let dir = tempfile::tempdir().unwrap();
    cmsconform(dir.path())
        .args(["run", "--target", &target, "--seed", "2", "--cases", "8"])
        .args(["--no-report", "--no-relations"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "failing property cases not shrunk: --no-report",
        ));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}
