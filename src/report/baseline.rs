//! `run --baseline FILE`: known, accepted failures. Reads the baseline file and marks the run's
//! failing cases it lists; it never changes a verdict, only whether a failure fails the gate.
//!
//! A baseline file is either
//! - a previous run's `report.json`: its failed cases (verdict `failed`, baselined or not) are
//!   the accepted ones, so "accept everything that fails today" is `--baseline
//!   reports/latest/report.json`; or
//! - a hand-kept list: `{"accepted": ["hand::empty_body", "boundary::ccId::max+1"]}`, optionally
//!   with a `"comment"` string.
//!
//! Listed cases that fail are `baselined` (listed in the reports, not failing the gate); listed
//! entries that no longer fail (they pass, are skipped, or are gone) are reported as stale.

use std::path::Path;

use serde::Deserialize;

use super::model::{BaselineSummary, RunRecord, Totals, Verdict};
use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AcceptedList {
    accepted: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    comment: Option<String>,
}

/// The case ids a baseline file accepts.
pub fn read_accepted(file: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(file)
        .map_err(|e| Error::Usage(format!("--baseline {}: {e}", file.display())))?;
    parse_accepted(&bytes)
        .map_err(|why| Error::Usage(format!("--baseline {}: {why}", file.display())))
}

fn parse_accepted(bytes: &[u8]) -> std::result::Result<Vec<String>, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    if value.get("accepted").is_some() {
        let list: AcceptedList = serde_json::from_value(value)
            .map_err(|e| format!("not a baseline list {{\"accepted\": [case ids]}}: {e}"))?;
        return Ok(list.accepted);
    }
    if value.get("meta").is_some() && value.get("cases").is_some() {
        let report: RunRecord = serde_json::from_value(value)
            .map_err(|e| format!("not a cmsconform report.json: {e}"))?;
        return Ok(report
            .cases
            .into_iter()
            .filter(|c| c.verdict == Verdict::Failed)
            .map(|c| c.id)
            .collect());
    }
    Err("neither a report.json nor a baseline list {\"accepted\": [case ids]}".into())
}

pub fn apply_baseline(record: &mut RunRecord, file: &Path) -> Result<()> {
    let accepted = read_accepted(file)?;
    apply_accepted(record, &file.display().to_string(), &accepted);
    Ok(())
}

/// Marks the failing cases in `accepted`; the rest of `accepted` is stale.
pub fn apply_accepted(record: &mut RunRecord, file: &str, accepted: &[String]) {
    let mut summary = BaselineSummary {
        file: file.to_owned(),
        ..BaselineSummary::default()
    };
    for id in accepted {
        match record.cases.iter_mut().find(|c| &c.id == id) {
            Some(case) if case.verdict == Verdict::Failed => {
                case.baselined = true;
                if !summary.accepted.contains(id) {
                    summary.accepted.push(id.clone());
                }
            }
            _ => {
                if !summary.stale.contains(id) {
                    summary.stale.push(id.clone());
                }
            }
        }
    }
    record.meta.totals.baselined = Totals::of(&record.cases).baselined;
    record.baseline = Some(summary);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_parse_and_others_are_refused() {
        assert_eq!(
            parse_accepted(br#"{"accepted":["a","b"],"comment":"x"}"#).unwrap(),
            vec!["a", "b"]
        );
        assert!(parse_accepted(b"[1]").unwrap_err().contains("neither"));
        assert!(parse_accepted(br#"{"accepted":"a"}"#).is_err());
        assert!(parse_accepted(b"{").unwrap_err().contains("not valid JSON"));
    }
}
