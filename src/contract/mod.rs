//! The contract as data: one profile's limits (`profile.json`), its JSON Schemas compiled
//! offline through a local registry, the clause catalogue, and the shape of the request that the
//! case generator walks. Everything downstream (checks, cases, mock, reports) reads the contract
//! from here; this module reads only files and never does network I/O.

pub mod clauses;
pub mod profile;
mod refs;
pub mod shape;
pub mod source;

use std::collections::BTreeMap;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;
use sha2::{Digest, Sha256};

pub use clauses::{Clause, Clauses};
pub use profile::{Profile, Range};
pub use shape::Shape;
pub use source::{DataFile, DataSource};

/// Why the contract data could not be loaded. Each variant names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("{file}: file not found")]
    MissingFile { file: String },
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: not valid JSON: {source}")]
    Json {
        file: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: schema does not compile: {message}")]
    Schema { file: String, message: String },
    #[error("unknown profile {name:?}; known profiles: {known}")]
    UnknownProfile { name: String, known: String },
    #[error(
        "{file}: at /limits/{}: profile limit {what} is {in_profile} but the request schema says \
         {in_schema}",
        .what.replace('.', "/")
    )]
    LimitMismatch {
        file: String,
        what: &'static str,
        in_profile: String,
        in_schema: String,
    },
}

/// Which of the profile's response/request schemas to validate against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    Request,
    Success,
    Failure,
}

/// One schema violation, already detached from the instance it was found in.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaIssue {
    /// JSON pointer into the instance.
    pub instance_pointer: String,
    /// The route through the schema, `$ref`s included.
    pub evaluation_path: String,
    /// The schema keyword that failed (`minimum`, `required`, ...).
    pub keyword: String,
    pub message: String,
}

/// A loaded, compiled contract profile. Cheap to clone (shared).
#[derive(Clone)]
pub struct Contract(Arc<ContractInner>);

struct ContractInner {
    profile: Profile,
    clauses: Clauses,
    request_shape: Shape,
    request: Validator,
    success: Validator,
    failure: Validator,
    schema_hash: String,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("profile", &self.0.profile.name)
            .finish_non_exhaustive()
    }
}

impl Contract {
    /// Loads the embedded profile `name`.
    pub fn embedded(name: &str) -> Result<Contract, ContractError> {
        Contract::load(&DataSource::schemas(), name)
    }

    /// The profile names found in `source` (each a directory holding `profile.json`).
    pub fn profile_names(source: &DataSource) -> Result<Vec<String>, ContractError> {
        let mut names = Vec::new();
        for dir in source.subdirectories("")? {
            if source.read(&format!("{dir}/profile.json")).is_ok() {
                names.push(dir);
            }
        }
        Ok(names)
    }

    /// The profile marked `"default": true` (the seed's, `2023-12`).
    pub fn default_profile_name(source: &DataSource) -> Result<String, ContractError> {
        for name in Contract::profile_names(source)? {
            let file = source.read(&format!("{name}/profile.json"))?;
            let json = parse_json(&file)?;
            if json.get("default").and_then(Value::as_bool) == Some(true) {
                return Ok(name);
            }
        }
        Err(ContractError::Invalid {
            file: "profile.json".into(),
            message: "no profile is marked \"default\": true".into(),
        })
    }

    pub fn load(source: &DataSource, name: &str) -> Result<Contract, ContractError> {
        let known = Contract::profile_names(source)?;
        if !known.iter().any(|k| k == name) {
            return Err(ContractError::UnknownProfile {
                name: name.to_owned(),
                known: known.join(", "),
            });
        }
        let profile_file = source.read(&format!("{name}/profile.json"))?;
        let profile: Profile =
            serde_json::from_slice(&profile_file.bytes).map_err(|e| ContractError::Json {
                file: profile_file.display.clone(),
                source: e,
            })?;
        let clauses_file = source.read("clauses.json")?;
        let clauses: Clauses =
            serde_json::from_slice(&clauses_file.bytes).map_err(|e| ContractError::Json {
                file: clauses_file.display.clone(),
                source: e,
            })?;

        let mut hasher = Sha256::new();
        hasher.update(&clauses_file.bytes);
        hasher.update(&profile_file.bytes);
        let mut docs: BTreeMap<String, Value> = BTreeMap::new();
        let mut displays: BTreeMap<String, String> = BTreeMap::new();
        for file in source.json_files_below(name)? {
            let file_name = file.relative.rsplit('/').next().unwrap_or("").to_owned();
            if file_name == "profile.json" {
                continue;
            }
            hasher.update(file.relative.as_bytes());
            hasher.update(&file.bytes);
            let json = parse_json(&file)?;
            displays.insert(file_name.clone(), file.display.clone());
            docs.insert(file_name, json);
        }
        let schema_hash = hex::encode(hasher.finalize());

        let compile = |file_name: &str| compile_in(name, file_name, &docs, &displays);
        let files = &profile.schemas;
        let request = compile(&files.request)?;
        let success = compile(&files.success)?;
        let failure = compile(&files.failure)?;
        compile(&files.agent)?;
        compile(&files.agent_id)?;

        let request_shape = Shape::of(&docs[&files.request], &docs);
        check_limits_agree(&profile, &request_shape, &profile_file.display)?;
        for state in &profile.states {
            if state.code < 0 {
                return Err(ContractError::Invalid {
                    file: profile_file.display.clone(),
                    message: format!("state code {} is negative", state.code),
                });
            }
        }

        Ok(Contract(Arc::new(ContractInner {
            profile,
            clauses,
            request_shape,
            request,
            success,
            failure,
            schema_hash,
        })))
    }

    pub fn profile(&self) -> &Profile {
        &self.0.profile
    }

    pub fn clauses(&self) -> &Clauses {
        &self.0.clauses
    }

    /// The request body's constraints, as the generator walks them.
    pub fn request_shape(&self) -> &Shape {
        &self.0.request_shape
    }

    /// SHA-256 over every file of this profile and the clause catalogue.
    pub fn schema_hash(&self) -> &str {
        &self.0.schema_hash
    }

    fn validator(&self, kind: SchemaKind) -> &Validator {
        match kind {
            SchemaKind::Request => &self.0.request,
            SchemaKind::Success => &self.0.success,
            SchemaKind::Failure => &self.0.failure,
        }
    }

    pub fn is_valid(&self, kind: SchemaKind, instance: &Value) -> bool {
        self.validator(kind).is_valid(instance)
    }

    /// Every violation of `kind`'s schema in `instance`.
    pub fn schema_issues(&self, kind: SchemaKind, instance: &Value) -> Vec<SchemaIssue> {
        self.validator(kind)
            .iter_errors(instance)
            .map(|e| SchemaIssue {
                instance_pointer: e.instance_path().as_str().to_owned(),
                evaluation_path: e.evaluation_path().as_str().to_owned(),
                keyword: e
                    .evaluation_path()
                    .as_str()
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_owned(),
                message: e.to_string(),
            })
            .collect()
    }
}

/// Compiles a schema file that stands alone at the root of `source` (`case.schema.json`,
/// `report.schema.json`).
pub fn standalone_validator(source: &DataSource, file: &str) -> Result<Validator, ContractError> {
    let data = source.read(file)?;
    let json = parse_json(&data)?;
    jsonschema::options()
        .offline()
        .build(&json)
        .map_err(|e| ContractError::Schema {
            file: data.display.clone(),
            message: e.to_string(),
        })
}

pub(crate) fn parse_json(file: &DataFile) -> Result<Value, ContractError> {
    serde_json::from_slice(&file.bytes).map_err(|e| ContractError::Json {
        file: file.display.clone(),
        source: e,
    })
}

fn uri_for(profile: &str, file_name: &str, doc: &Value) -> String {
    doc.get("$id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("file:///cmsconform/schemas/{profile}/{file_name}"))
}

fn compile_in(
    profile: &str,
    file_name: &str,
    docs: &BTreeMap<String, Value>,
    displays: &BTreeMap<String, String>,
) -> Result<Validator, ContractError> {
    let display = displays
        .get(file_name)
        .cloned()
        .unwrap_or_else(|| format!("schemas/{profile}/{file_name}"));
    let root = docs
        .get(file_name)
        .ok_or_else(|| ContractError::MissingFile {
            file: display.clone(),
        })?;
    let schema_error = |message: String| {
        let refs = refs::unresolved_refs(docs, displays, &message);
        ContractError::Schema {
            file: display.clone(),
            message: if refs.is_empty() {
                message
            } else {
                format!("{message} (unresolved $ref: {})", refs.join("; "))
            },
        }
    };
    let mut builder = jsonschema::Registry::new();
    for (name, doc) in docs {
        builder = builder
            .add(uri_for(profile, name, doc), doc)
            .map_err(|e| schema_error(e.to_string()))?;
    }
    let registry = builder.prepare().map_err(|e| schema_error(e.to_string()))?;
    jsonschema::options()
        .offline()
        .with_registry(&registry)
        .with_base_uri(uri_for(profile, file_name, root))
        .build(root)
        .map_err(|e| schema_error(e.to_string()))
}

fn check_limits_agree(profile: &Profile, shape: &Shape, file: &str) -> Result<(), ContractError> {
    let mismatch = |what: &'static str, in_profile: String, in_schema: String| {
        Err(ContractError::LimitMismatch {
            file: file.to_owned(),
            what,
            in_profile,
            in_schema,
        })
    };
    let limits = &profile.limits;
    let ranges_of = |name: &str| shape.property(name).map(|s| s.ranges.clone());
    if ranges_of("ccId") != Some(vec![limits.cc_id]) {
        return mismatch("ccId", fmt(&[limits.cc_id]), fmt_opt(ranges_of("ccId")));
    }
    if ranges_of("vdn") != Some(vec![limits.vdn]) {
        return mismatch("vdn", fmt(&[limits.vdn]), fmt_opt(ranges_of("vdn")));
    }
    let agent_ids = shape.property("agentIds");
    let max_items = agent_ids.and_then(|s| s.max_items);
    if max_items != Some(limits.agent_ids.max_items) {
        return mismatch(
            "agentIds.maxItems",
            limits.agent_ids.max_items.to_string(),
            format!("{max_items:?}"),
        );
    }
    let item_ranges = agent_ids
        .and_then(|s| s.items.as_ref())
        .map(|i| i.ranges.clone());
    if item_ranges.as_deref() != Some(&limits.agent_ids.ranges[..]) {
        return mismatch(
            "agentIds.ranges",
            fmt(&limits.agent_ids.ranges),
            fmt_opt(item_ranges),
        );
    }
    Ok(())
}

fn fmt(ranges: &[Range]) -> String {
    ranges
        .iter()
        .map(|r| format!("{}..{}", r.min, r.max))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn fmt_opt(ranges: Option<Vec<Range>>) -> String {
    ranges.map_or_else(|| "nothing".to_owned(), |r| fmt(&r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_embedded_profile_loads() {
        let names = Contract::profile_names(&DataSource::schemas()).unwrap();
        assert_eq!(names, vec!["2023-12", "2025-11"]);
        for name in names {
            let contract = Contract::embedded(&name).unwrap();
            assert_eq!(contract.profile().name, name);
        }
        assert_eq!(
            Contract::default_profile_name(&DataSource::schemas()).unwrap(),
            "2023-12"
        );
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
    fn profile_and_schema_limits_must_agree() {
        let dir = tempfile::tempdir().unwrap();
        for file in DataSource::schemas().json_files_below("2023-12").unwrap() {
            let dest = dir.path().join(&file.relative);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            let text = String::from_utf8(file.bytes).unwrap();
            let text = if file.relative.ends_with("profile.json") {
                text.replace("\"maxItems\": 6000", "\"maxItems\": 6001")
            } else {
                text
            };
            std::fs::write(dest, text).unwrap();
        }
        let clauses = DataSource::schemas().read("clauses.json").unwrap();
        std::fs::write(dir.path().join("clauses.json"), clauses.bytes).unwrap();
        let err = Contract::load(&DataSource::Directory(dir.path().into()), "2023-12")
            .unwrap_err()
            .to_string();
        assert!(err.contains("agentIds.maxItems"), "{err}");
    }
}
