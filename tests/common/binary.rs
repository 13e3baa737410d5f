//! Driving the `cmsconform` binary and reading what it left behind.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// The binary in `dir`, with no CMSCONFORM_* variable inherited from the environment, quiet
/// unless a test asks for more with --log (the flag wins over the variable).
pub fn cmsconform(dir: &Path) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("cmsconform");
    for (name, _) in std::env::vars() {
        if name.starts_with("CMSCONFORM_") {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(dir).env("CMSCONFORM_LOG", "error");
    cmd
}

/// [`cmsconform`] with the mock's default keys, or `sk` instead of its secret.
pub fn signed_with(dir: &Path, sk: &str) -> Command {
    let mut cmd = cmsconform(dir);
    cmd.env("CMSCONFORM_AK", cmsconform::auth::DEFAULT_AK)
        .env("CMSCONFORM_SK", sk);
    cmd
}

/// [`cmsconform`] with the mock's default keys.
pub fn signed(dir: &Path) -> Command {
    signed_with(dir, cmsconform::auth::DEFAULT_SK)
}

/// What a run of the binary gave: its exit code, its output and how long it took.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

/// Runs `cmd` to its end.
pub fn run(cmd: &mut Command) -> Ran {
    let started = Instant::now();
    let output = cmd.output().unwrap_or_else(|e| panic!("spawn: {e}"));
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        took: started.elapsed(),
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?} after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.took, self.stdout, self.stderr
        )
    }
}

/// The line libtest printed for `id`.
pub fn trial_line<'a>(stdout: &'a str, id: &str) -> &'a str {
    let prefix = format!("test {id} ");
    stdout
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no trial {id} in\n{stdout}"))
}

/// libtest's closing counts, (passed, failed, ignored), summed over its blocks: the cases',
/// then the hosted scans' when the run scanned other call centres (a block of their own).
pub fn trial_counts(stdout: &str) -> (usize, usize, usize) {
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("test result:"))
        .collect();
    assert!(!lines.is_empty(), "no libtest summary in\n{stdout}");
    let count = |line: &str, word: &str| -> usize {
        line.split(';')
            .find(|part| part.trim_end().ends_with(word))
            .and_then(|part| part.split_whitespace().rev().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {word} count in {line:?}"))
    };
    let total = |word: &str| lines.iter().map(|line| count(line, word)).sum();
    (total("passed"), total("failed"), total("ignored"))
}

/// The text of `report.json` in the report directory `dir`.
pub fn report_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("report.json")).unwrap_or_else(|e| panic!("report.json: {e}"))
}

/// `report.json` in the report directory `dir`, parsed.
pub fn report_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&report_text(dir)).unwrap_or_else(|e| panic!("report.json: {e}"))
}

/// Every file below `dir`, as (path, lossy text).
pub fn files_below(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap_or_else(|e| panic!("{next:?}: {e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{next:?}: {e}")).path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
                found.push((path, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    found
}

/// A run of the binary against a target, with what it wrote.
pub struct TargetRun {
    pub ran: Ran,
    /// `report.json`, when the run wrote one.
    pub report: Option<serde_json::Value>,
    /// Every file the run wrote, one after the other.
    pub written: String,
}

/// `cmsconform run --target URL --no-progress EXTRA...` with the mock's default keys, its
/// reports written to a fresh directory.
pub fn run_target(url: &str, extra: &[&str]) -> TargetRun {
    let dir = super::tempdir();
    let reports = dir.path().join("reports");
    let ran = run(signed(dir.path())
        .args(["run", "--target", url, "--no-progress"])
        .args(extra)
        .arg("--report-dir")
        .arg(&reports));
    let report = reports
        .join("report.json")
        .is_file()
        .then(|| report_json(&reports));
    let written = if reports.is_dir() {
        files_below(&reports)
            .into_iter()
            .map(|(_, text)| text)
            .collect()
    } else {
        String::new()
    };
    TargetRun {
        ran,
        report,
        written,
    }
}
