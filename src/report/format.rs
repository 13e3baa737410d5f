//! The `formatVersion` of report.json: which one this harness writes, and which it reads back
//! (`diff`, `run --baseline`). Documented in `schemas/report.schema.json`.

/// The `formatVersion` this harness writes into report.json. 1 (implied when the field is
/// missing): the first format; 2: cases carry `request_hash`; 3: every finding is counted
/// (`tallies`, a case's `not_kept`), and `meta.agents` counts the fleet's agents apart from
/// those judged outside it (`judged_outside_fleet`).
pub const FORMAT_VERSION: u32 = 3;

pub(super) fn first_format() -> u32 {
    1
}

/// Whether this harness reads a report whose `formatVersion` is `version` (`None`: the field is
/// missing, format 1). The error says why not, for a message that names the file.
pub fn check_format_version(version: Option<&serde_json::Value>) -> Result<(), String> {
    let Some(version) = version else {
        return Ok(());
    };
    match version.as_u64() {
        Some(v) if (1..=u64::from(FORMAT_VERSION)).contains(&v) => Ok(()),
        Some(v) if v > u64::from(FORMAT_VERSION) => Err(format!(
            "report formatVersion {v} is newer than this cmsconform reads (up to \
             {FORMAT_VERSION}): use the cmsconform that wrote it, or a newer one"
        )),
        _ => Err(format!(
            "unknown report formatVersion {version} (this cmsconform reads 1 to {FORMAT_VERSION})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_versions_read_and_newer_or_foreign_ones_do_not() {
        assert!(check_format_version(None).is_ok());
        assert!(check_format_version(Some(&1.into())).is_ok());
        assert!(check_format_version(Some(&FORMAT_VERSION.into())).is_ok());
        let newer = check_format_version(Some(&99.into())).unwrap_err();
        assert!(newer.contains("newer"), "{newer}");
        assert!(check_format_version(Some(&"1.1".into())).is_err());
        assert!(check_format_version(Some(&0.into())).is_err());
    }
}
