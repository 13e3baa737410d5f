//! `report.json`: the [`RunRecord`] as JSON, described by `schemas/report.schema.json`. It is
//! the archival format `diff` and `--baseline` read back; the other formats are views of it.

use super::model::RunRecord;
use crate::error::{Error, Result};

pub fn render(record: &RunRecord) -> Result<String> {
    let mut text = serde_json::to_string_pretty(record)
        .map_err(|e| Error::Runtime(format!("report.json: cannot serialize the run: {e}")))?;
    text.push('\n');
    Ok(text)
}
