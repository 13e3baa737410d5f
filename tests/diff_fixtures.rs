//! `cmsconform diff` on the committed fixtures of `tests/fixtures/diff/`: new failures, fixes and
//! shape changes, as Markdown and JSON, and the command's exit codes.

use std::path::{Path, PathBuf};

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
    assert!(String::from_utf8_lossy(&out.stdout).contains("## New failures (2, 2 defects)"));
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
