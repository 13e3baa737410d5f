//! Which profiles a schema source holds, and the one resolver from `--profile` (or its absence)
//! to a profile name. A profile is any directory holding a `profile.json` whose `name` is the
//! directory's; at most one is marked `"default": true`. Nothing here lists profiles by name:
//! adding a directory adds a profile.

use serde_json::Value;

use super::{ContractError, DataSource, parse_json};

/// One profile directory, as far as resolving names needs it.
struct Entry {
    dir: String,
    file: String,
    default: bool,
}

/// Every profile directory of `source`, sorted, each checked: its `name` is the directory's
/// name, and no two are marked default.
fn entries(source: &DataSource) -> Result<Vec<Entry>, ContractError> {
    let mut entries = Vec::new();
    for dir in source.subdirectories("")? {
        // A directory without a profile.json (a scratch or shared folder) is not a profile.
        let Ok(file) = source.read(&format!("{dir}/profile.json")) else {
            continue;
        };
        let json = parse_json(&file)?;
        let name = json.get("name").and_then(Value::as_str);
        if name != Some(dir.as_str()) {
            return Err(ContractError::NameMismatch {
                file: file.display,
                dir,
                name: name.map_or_else(|| "missing".to_owned(), |n| format!("{n:?}")),
            });
        }
        let default = json.get("default").and_then(Value::as_bool) == Some(true);
        entries.push(Entry {
            dir,
            file: file.display,
            default,
        });
    }
    let defaults: Vec<&str> = entries
        .iter()
        .filter(|e| e.default)
        .map(|e| e.file.as_str())
        .collect();
    if defaults.len() > 1 {
        return Err(ContractError::TwoDefaults {
            files: defaults.join(", "),
        });
    }
    Ok(entries)
}

/// The profile names found in `source`, sorted.
pub(super) fn names(source: &DataSource) -> Result<Vec<String>, ContractError> {
    Ok(entries(source)?.into_iter().map(|e| e.dir).collect())
}

/// `requested` when it names a profile of `source`, else the one marked default.
pub(super) fn resolve(
    source: &DataSource,
    requested: Option<&str>,
) -> Result<String, ContractError> {
    let entries = entries(source)?;
    match requested {
        Some(name) if entries.iter().any(|e| e.dir == name) => Ok(name.to_owned()),
        Some(name) => Err(ContractError::UnknownProfile {
            name: name.to_owned(),
            known: entries
                .iter()
                .map(|e| e.dir.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
        None => entries
            .into_iter()
            .find(|e| e.default)
            .map(|e| e.dir)
            .ok_or_else(|| ContractError::Invalid {
                file: "profile.json".into(),
                message: "no profile is marked \"default\": true".into(),
            }),
    }
}
