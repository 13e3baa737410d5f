//! The contract as data: one profile's limits (`profile.json`), its JSON Schemas compiled
//! offline through a local registry, the clause catalogue, and the shape of the request that the
//! case generator walks. Everything downstream (checks, cases, mock, reports) reads the contract
//! from here; this module reads only files and never does network I/O. Which profiles exist,
//! and which one `--profile` (or its absence) means, is `catalogue`; the cross-check of
//! `profile.json` against the schemas it restates is `limits`.

mod catalogue;
pub mod clauses;
mod limits;
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
pub use limits::LimitDisagreement;
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
    #[error("{file}: {detail}")]
    LimitMismatch {
        file: String,
        detail: Box<LimitDisagreement>,
    },
    #[error("{file}: profile name is {name} but its directory is {dir:?}; they must be the same")]
    NameMismatch {
        file: String,
        dir: String,
        name: String,
    },
    #[error("{files}: more than one profile is marked \"default\": true")]
    TwoDefaults { files: String },
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

    /// The profile names found in `source` (each a directory holding `profile.json`), sorted.
    pub fn profile_names(source: &DataSource) -> Result<Vec<String>, ContractError> {
        catalogue::names(source)
    }

    /// Loads the profile `requested` (`--profile`), or the one marked `"default": true` when
    /// none is requested: the one way every command resolves its profile.
    pub fn load_named(
        source: &DataSource,
        requested: Option<&str>,
    ) -> Result<Contract, ContractError> {
        let name = catalogue::resolve(source, requested)?;
        Contract::load(source, &name)
    }

    pub fn load(source: &DataSource, name: &str) -> Result<Contract, ContractError> {
        let name = catalogue::resolve(source, Some(name))?;
        let name = name.as_str();
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
        let against = |schema: &str| limits::Files {
            profile: profile_file.display.clone(),
            schema: displays
                .get(schema)
                .cloned()
                .unwrap_or_else(|| schema.to_owned()),
        };
        limits::check_request(&profile, &request_shape, &against(&files.request))?;
        let agent_shape = Shape::of(&docs[&files.agent], &docs);
        limits::check_response(&profile, &agent_shape, &against(&files.agent))?;
        if profile.logon_time.default_clock_skew_ms < 0 {
            return Err(ContractError::Invalid {
                file: profile_file.display.clone(),
                message: format!(
                    "/logonTime/defaultClockSkewMs is {}, a negative allowance",
                    profile.logon_time.default_clock_skew_ms
                ),
            });
        }
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

#[cfg(test)]
mod tests;
