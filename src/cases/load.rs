//! Reading case files: every `*.json` below a source (but `fixtures/`), checked against
//! `schemas/case.schema.json`, in file order. A suite of thousands of files spends most of its
//! start-up in the kernel opening and reading them, so large sets are read and parsed on a few
//! threads at once; what is reported (cases, or the first bad file) stays in file order.

use std::collections::HashMap;

use base64::Engine;
use serde_json::Value;

use super::{Case, CaseError, CaseOrigin};
use crate::contract::{DataSource, standalone_validator};

/// Below this many files per thread one thread reads them all: starting threads would cost
/// more than they save.
const FILES_PER_THREAD: usize = 256;

/// Loads and validates every `*.json` case below `source` (recursively), sorted by file.
pub fn load_cases(source: &DataSource) -> Result<Vec<Case>, CaseError> {
    let validator = standalone_validator(&DataSource::schemas(), "case.schema.json")?;
    let paths: Vec<String> = source
        .json_paths_below("")?
        .into_iter()
        .filter(|p| !p.starts_with("fixtures/"))
        .collect();
    let parsed = crate::parallel::map_in_order(&paths, FILES_PER_THREAD, |relative| {
        let file = source.read(relative)?;
        parse_case(&file.display, &file.bytes, &validator)
    });
    let mut cases: Vec<Case> = Vec::with_capacity(parsed.len());
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(parsed.len());
    for case in parsed {
        let case = case?;
        if let Some(&earlier) = seen.get(&case.id) {
            return Err(CaseError::DuplicateId {
                file: origin_file(&case),
                id: case.id,
                other: origin_file(&cases[earlier]),
            });
        }
        seen.insert(case.id.clone(), cases.len());
        cases.push(case);
    }
    Ok(cases)
}

fn origin_file(case: &Case) -> String {
    match &case.origin {
        CaseOrigin::File(file) => file.clone(),
        _ => String::new(),
    }
}

/// Parses one case file's bytes; `file` names it in diagnostics.
pub fn parse_case(
    file: &str,
    bytes: &[u8],
    validator: &jsonschema::Validator,
) -> Result<Case, CaseError> {
    let json: Value = serde_json::from_slice(bytes).map_err(|e| CaseError::Json {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    // `is_valid` stops at the first failing keyword; the error is built only for a bad file.
    if !validator.is_valid(&json) {
        if let Some(error) = validator.iter_errors(&json).next() {
            return Err(CaseError::Invalid {
                file: file.to_owned(),
                pointer: pointer_or_root(error.instance_path().as_str()),
                message: error.to_string(),
            });
        }
    }
    let mut case: Case = serde_json::from_value(json).map_err(|e| CaseError::Invalid {
        file: file.to_owned(),
        pointer: "/".into(),
        message: e.to_string(),
    })?;
    if let Some(b64) = &case.request.raw_body_base64 {
        if let Err(e) = base64::engine::general_purpose::STANDARD.decode(b64) {
            return Err(CaseError::Invalid {
                file: file.to_owned(),
                pointer: "/request/rawBodyBase64".into(),
                message: format!("not base64: {e}"),
            });
        }
    }
    case.origin = CaseOrigin::File(file.to_owned());
    Ok(case)
}

fn pointer_or_root(pointer: &str) -> String {
    if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_files_load_in_file_order_and_the_first_bad_one_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let count = FILES_PER_THREAD * 3 + 7;
        for i in 0..count {
            let case = serde_json::json!({"id": format!("hand::c{i:05}"), "title": "t",
                "clause": "notes:6.1", "request": {"body": {"ccId": i}}, "expect": "accepted"});
            std::fs::write(dir.path().join(format!("c{i:05}.json")), case.to_string()).unwrap();
        }
        let source = DataSource::Directory(dir.path().to_owned());
        let cases = load_cases(&source).unwrap();
        let ids: Vec<String> = cases.iter().map(|c| c.id.clone()).collect();
        let expected: Vec<String> = (0..count).map(|i| format!("hand::c{i:05}")).collect();
        assert_eq!(ids, expected);

        // Two bad files in different threads' shares: the first in file order is reported.
        std::fs::write(dir.path().join("c00700.json"), "{").unwrap();
        std::fs::write(dir.path().join("c00100.json"), r#"{"id": 1}"#).unwrap();
        let error = load_cases(&source).unwrap_err().to_string();
        assert!(error.contains("c00100.json"), "{error}");
    }

    #[test]
    fn a_repeated_id_names_both_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a", "b"] {
            let case = serde_json::json!({"id": "hand::same", "title": "t",
                "clause": "notes:6.1", "request": {}, "expect": "accepted"});
            std::fs::write(dir.path().join(format!("{name}.json")), case.to_string()).unwrap();
        }
        let error = load_cases(&DataSource::Directory(dir.path().to_owned()))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("b.json")
                && error.contains("\"hand::same\"")
                && error.contains("a.json"),
            "{error}"
        );
    }
}
