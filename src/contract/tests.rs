use super::*;
use serde_json::json;

/// The profile directories of the project's `schemas/`, read from disk rather than listed here:
/// a new directory is a new profile, with no change to this test.
fn profile_dirs_on_disk() -> Vec<(String, Value)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let Ok(text) = std::fs::read_to_string(path.join("profile.json")) else {
            continue;
        };
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        dirs.push((name, serde_json::from_str(&text).unwrap()));
    }
    dirs.sort_by(|a, b| a.0.cmp(&b.0));
    dirs
}

#[test]
fn every_profile_directory_is_an_embedded_profile_that_loads() {
    let on_disk = profile_dirs_on_disk();
    assert!(!on_disk.is_empty());
    let names = Contract::profile_names(&DataSource::schemas()).unwrap();
    let expected: Vec<&str> = on_disk.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected);
    for name in &names {
        let contract = Contract::embedded(name).unwrap();
        assert_eq!(&contract.profile().name, name);
        let named = Contract::load_named(&DataSource::schemas(), Some(name)).unwrap();
        assert_eq!(named.schema_hash(), contract.schema_hash());
    }
    let marked: Vec<&str> = on_disk
        .iter()
        .filter(|(_, json)| json["default"] == json!(true))
        .map(|(n, _)| n.as_str())
        .collect();
    let default = Contract::load_named(&DataSource::schemas(), None).unwrap();
    assert_eq!(marked, vec![default.profile().name.as_str()]);
}

/// A copy of the embedded `schemas/` in a temporary directory, each file passed through `edit`
/// (relative path, text) first.
fn edited_schemas(edit: impl Fn(&str, String) -> String) -> (tempfile::TempDir, DataSource) {
    let dir = tempfile::tempdir().unwrap();
    for file in DataSource::schemas().json_files_below("").unwrap() {
        let dest = dir.path().join(&file.relative);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let text = String::from_utf8(file.bytes).unwrap();
        std::fs::write(dest, edit(&file.relative, text)).unwrap();
    }
    let source = DataSource::Directory(dir.path().into());
    (dir, source)
}

/// The error loading the default profile from a copy edited in `profile`'s `file`.
fn load_error(profile: &str, file: &str, from: &str, to: &str) -> String {
    let target = format!("{profile}/{file}");
    let (_dir, source) = edited_schemas(|relative, text| {
        if relative == target {
            assert!(text.contains(from), "{relative} has no {from:?}");
            text.replacen(from, to, 1)
        } else {
            text
        }
    });
    Contract::load_named(&source, Some(profile))
        .unwrap_err()
        .to_string()
}

#[test]
fn an_unedited_copy_loads() {
    let (_dir, source) = edited_schemas(|_, text| text);
    for name in Contract::profile_names(&source).unwrap() {
        Contract::load_named(&source, Some(&name)).unwrap();
    }
    Contract::load_named(&source, None).unwrap();
}

#[test]
fn an_unknown_profile_names_the_known_ones() {
    let err = Contract::load_named(&DataSource::schemas(), Some("1999-01"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("1999-01"), "{err}");
    for name in Contract::profile_names(&DataSource::schemas()).unwrap() {
        assert!(err.contains(&name), "{err}");
    }
}

#[test]
fn a_directory_named_unlike_its_profile_is_a_load_error_naming_the_file() {
    let (dir, source) = edited_schemas(|_, text| text);
    std::fs::rename(dir.path().join("2025-11"), dir.path().join("2025-12")).unwrap();
    for requested in [None, Some("2023-12")] {
        let err = Contract::load_named(&source, requested)
            .unwrap_err()
            .to_string();
        assert!(err.contains("2025-12/profile.json"), "{err}");
        assert!(err.contains("\"2025-11\""), "{err}");
    }
}

#[test]
fn two_default_profiles_are_a_load_error_naming_both_files() {
    let (_dir, source) = edited_schemas(|relative, text| {
        if relative.ends_with("/profile.json") {
            text.replace("\"default\": false", "\"default\": true")
        } else {
            text
        }
    });
    let err = Contract::load_named(&source, None).unwrap_err().to_string();
    for name in Contract::profile_names(&DataSource::schemas()).unwrap() {
        assert!(err.contains(&format!("{name}/profile.json")), "{err}");
    }
    assert!(err.contains("default"), "{err}");
}

#[test]
fn no_default_profile_is_an_error_only_when_none_is_named() {
    let (_dir, source) =
        edited_schemas(|_, text| text.replace("\"default\": true", "\"default\": false"));
    let err = Contract::load_named(&source, None).unwrap_err().to_string();
    assert!(err.contains("no profile is marked"), "{err}");
    Contract::load_named(&source, Some("2023-12")).unwrap();
}

#[test]
fn request_schema_follows_the_profile() {
    let seed = Contract::embedded("2023-12").unwrap();
    let wide = Contract::embedded("2025-11").unwrap();
    let body = json!({"ccId": 1, "vdn": 170, "agentIds": [70000]});
    assert!(!seed.is_valid(SchemaKind::Request, &body));
    assert!(wide.is_valid(SchemaKind::Request, &body));
    let gap = json!({"ccId": 1, "vdn": 170, "agentIds": [60000]});
    assert!(!wide.is_valid(SchemaKind::Request, &gap));
}

#[test]
fn schema_issue_names_pointer_and_keyword() {
    let seed = Contract::embedded("2023-12").unwrap();
    let issues = seed.schema_issues(
        SchemaKind::Request,
        &json!({"ccId": 0, "vdn": 170, "agentIds": []}),
    );
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].instance_pointer, "/ccId");
    assert_eq!(issues[0].keyword, "minimum");
}

#[test]
fn a_missing_ref_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |rel: &str| {
        let src = DataSource::schemas().read(rel).unwrap();
        let dest = dir.path().join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, src.bytes).unwrap();
    };
    for f in [
        "clauses.json",
        "2023-12/profile.json",
        "2023-12/request.schema.json",
        "2023-12/success.schema.json",
        "2023-12/failure.schema.json",
        "2023-12/agent.schema.json",
    ] {
        copy(f);
    }
    let err = Contract::load(&DataSource::Directory(dir.path().into()), "2023-12")
        .unwrap_err()
        .to_string();
    assert!(err.contains("request.schema.json"), "{err}");
}

#[test]
fn request_limits_must_agree_with_the_request_schema() {
    let err = load_error(
        "2023-12",
        "profile.json",
        "\"maxItems\": 6000",
        "\"maxItems\": 6001",
    );
    assert!(err.contains("2023-12/profile.json"), "{err}");
    assert!(err.contains("/limits/agentIds/maxItems"), "{err}");
    assert!(err.contains("2023-12/request.schema.json"), "{err}");
    assert!(err.contains("6001") && err.contains("6000"), "{err}");
}

/// Each response limit of `profile.json`, changed in the agent schema: `(from, to)` in
/// `agent.schema.json`, then what the error must name.
#[test]
fn response_limits_must_agree_with_the_agent_schema() {
    let location =
        "\"maximum\": 65535,\n      \"x-clause\": \"notes:6.9\",\n      \"description\": \"Home";
    let cases = [
        (
            location.to_owned(),
            location.replace("65535", "65534"),
            "/locationId/max",
            "locationId",
        ),
        (
            "\"maximum\": 10,".to_owned(),
            "\"maximum\": 11,".to_owned(),
            "/states",
            "prevState",
        ),
        (
            "\"maximum\": 4294967295,".to_owned(),
            "\"maximum\": 4294967294,".to_owned(),
            "/durations/max",
            "prevStateTime",
        ),
    ];
    for (from, to, pointer, property) in cases {
        let err = load_error("2023-12", "agent.schema.json", &from, &to);
        assert!(err.contains("2023-12/profile.json"), "{err}");
        assert!(err.contains("2023-12/agent.schema.json"), "{err}");
        assert!(err.contains(pointer), "{err}");
        assert!(err.contains(&format!("/properties/{property}")), "{err}");
    }
    let reason = load_error(
        "2023-12",
        "profile.json",
        "\"max\": 65535\n  },\n  \"durations",
        "\"max\": 65000\n  },\n  \"durations",
    );
    assert!(
        reason.contains("/reasons/max") && reason.contains("65000"),
        "{reason}"
    );
    assert!(
        reason.contains("/properties/currentStateReason/maximum"),
        "{reason}"
    );
}

#[test]
fn response_agent_ids_must_agree_with_the_request_limits() {
    // The agent schema's agentId refers to agent-id.schema.json; a literal range instead that
    // differs from /limits/agentIds/ranges is caught.
    let err = load_error(
        "2023-12",
        "agent.schema.json",
        "\"$ref\": \"agent-id.schema.json\"",
        "\"type\": \"integer\", \"minimum\": 101, \"maximum\": 69999",
    );
    assert!(err.contains("/limits/agentIds/ranges"), "{err}");
    assert!(err.contains("/properties/agentId"), "{err}");
    assert!(err.contains("101..69999"), "{err}");
}

#[test]
fn a_negative_default_clock_skew_is_a_load_error_naming_the_file() {
    let err = load_error(
        "2023-12",
        "profile.json",
        "\"defaultClockSkewMs\": 300000",
        "\"defaultClockSkewMs\": -1",
    );
    assert!(err.contains("2023-12/profile.json"), "{err}");
    assert!(err.contains("defaultClockSkewMs is -1"), "{err}");
}
