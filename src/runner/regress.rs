//! Failing property cases shrunk to a minimal request against the live target and kept as
//! case files under `<report-dir>/regressions/`: a run writes only where it was told to write.
//! The user keeps one by copying it into `cases/regressions/` (or a `--regressions DIR`), which
//! later runs replay and never write. Shrinking is bounded (each candidate is one request to
//! the target) and stops when the target becomes unusable; with `--no-report` there is nowhere
//! to keep the result, so nothing is shrunk and the run says so.

use std::path::{Path, PathBuf};

use tokio::runtime::Runtime;

use super::config::{REGRESSIONS_DIR, RunConfig, SHRUNK_SUBDIR};
use super::session::Session;
use crate::cases::generate::property;
use crate::cases::{Case, CaseOrigin};
use crate::report::{CaseRecord, Verdict};

/// Failing property cases shrunk per run, at most.
pub const MAX_SHRUNK: usize = 3;
/// Candidates tried per shrink, at most.
pub const SHRINK_BUDGET: usize = 200;

/// The regression case file name for the `index`-th draw of `seed` under `profile`.
pub fn regression_id(profile: &str, seed: u64, index: usize) -> String {
    format!("regression::{profile}_{seed}_{index:04}")
}

/// Shrinks up to [`MAX_SHRUNK`] failing property cases and writes each to the run's
/// `regressions_dir`; returns the files written and says where they are and how to keep them.
/// Without a `regressions_dir` (`--no-report`) nothing is shrunk, and the run says so.
/// Problems writing are reported on stderr, never fatal: the verdict stands.
pub fn shrink_failures(
    config: &RunConfig,
    session: &Session,
    runtime: &Runtime,
    records: &[CaseRecord],
    observer: &dyn super::observe::Observer,
) -> Vec<PathBuf> {
    let failing: Vec<usize> = records
        .iter()
        .filter(|r| r.family == "property" && r.verdict == Verdict::Failed && !r.baselined)
        .filter_map(|r| r.id.strip_prefix("property::")?.parse().ok())
        .take(MAX_SHRUNK)
        .collect();
    let Some(dir) = config.regressions_dir.as_deref() else {
        if !failing.is_empty() {
            observer.line(&format!(
                "regressions: failing property cases not shrunk: --no-report leaves nowhere to \
                 keep them (without it they go to <report-dir>/{SHRUNK_SUBDIR}/)"
            ));
        }
        return Vec::new();
    };
    let written = shrink_into(config, session, runtime, failing, dir, observer);
    if !written.is_empty() {
        observer.line(&format!(
            "regressions: {} shrunk {} in {}; to replay {} in later runs, copy {} into \
             {REGRESSIONS_DIR}/ (or pass --regressions DIR)",
            written.len(),
            if written.len() == 1 {
                "failure"
            } else {
                "failures"
            },
            dir.display(),
            if written.len() == 1 { "it" } else { "them" },
            if written.len() == 1 { "it" } else { "them" },
        ));
    }
    written
}

fn shrink_into(
    config: &RunConfig,
    session: &Session,
    runtime: &Runtime,
    failing: Vec<usize>,
    dir: &Path,
    observer: &dyn super::observe::Observer,
) -> Vec<PathBuf> {
    let mut written = Vec::new();
    for index in failing {
        if session.client.breaker_open() {
            break;
        }
        let id = property::case_id(index);
        let smallest = property::shrink(
            &config.contract,
            config.seed,
            index,
            SHRINK_BUDGET,
            config.home,
            &config.fleet,
            |drawn| {
                let case = drawn.clone().into_case(&config.contract, id.clone());
                runtime.block_on(session.execute(&case)).verdict == Verdict::Failed
            },
        );
        let Some(smallest) = smallest else {
            observer.warning(&format!("note: {id} no longer fails; nothing to shrink"));
            continue;
        };
        let reg_id = regression_id(config.profile_name(), config.seed, index);
        let mut case = smallest.into_case(&config.contract, reg_id);
        case.title = format!("{} (shrunk from {id}, seed {})", case.title, config.seed);
        case.tags = vec!["regression".into(), "property".into()];
        case.profiles = Some(vec![config.profile_name().to_owned()]);
        match write_case(dir, &case) {
            Ok(path) => {
                observer.line(&format!(
                    "regression: {id} shrunk and saved as {}",
                    path.display()
                ));
                written.push(path);
            }
            Err(e) => {
                observer.warning(&format!("warning: cannot save the regression of {id}: {e}"))
            }
        }
    }
    written
}

fn write_case(dir: &Path, case: &Case) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let name = case.id.rsplit("::").next().unwrap_or(&case.id);
    let path = dir.join(format!("{name}.json"));
    let mut text =
        serde_json::to_string_pretty(&case.to_file_json()).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(&path, text)?;
    Ok(path)
}

/// A regression read back: it must load like any hand-written case.
pub fn is_regression(case: &Case) -> bool {
    matches!(case.origin, CaseOrigin::File(_)) && case.family() == "regression"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::load_cases;
    use crate::contract::{Contract, DataSource};

    #[test]
    fn a_written_regression_loads_back() {
        let contract = Contract::embedded("2025-11").unwrap();
        let case = property::property_cases(&contract, 9, 1, crate::cases::HomePair::SEED, &[])
            .remove(0)
            .clone();
        let mut case = case;
        case.id = regression_id("2025-11", 9, 0);
        case.profiles = Some(vec!["2025-11".into()]);
        let dir = tempfile::tempdir().unwrap();
        let path = write_case(dir.path(), &case).unwrap();
        assert!(path.ends_with("2025-11_9_0000.json"));
        let loaded = load_cases(&DataSource::Directory(dir.path().into())).unwrap();
        assert_eq!(loaded.len(), 1);
        assert!(is_regression(&loaded[0]));
        assert_eq!(loaded[0].request, case.request);
        assert_eq!(loaded[0].expect, case.expect);
    }
}
