//! Where contract files come from: the copy embedded at build time, or a directory on disk.
//! Owns only file access; it does not parse JSON.

use std::path::{Path, PathBuf};

use include_dir::Dir;

use super::ContractError;

/// A tree of data files (`schemas/` or `cases/`).
#[derive(Debug, Clone)]
pub enum DataSource {
    /// Files compiled into the binary.
    Embedded(&'static Dir<'static>),
    /// Files read from this directory at run time.
    Directory(PathBuf),
}

/// One file read from a [`DataSource`], with the name used in diagnostics.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Relative path inside the source, with `/` separators.
    pub relative: String,
    /// How to name the file to a user (`schemas/2023-12/request.schema.json`, or a real path).
    pub display: String,
    pub bytes: Vec<u8>,
}

impl DataSource {
    pub fn schemas() -> Self {
        DataSource::Embedded(&crate::embedded::SCHEMAS)
    }

    pub fn cases() -> Self {
        DataSource::Embedded(&crate::embedded::CASES)
    }

    fn display_root(&self) -> String {
        match self {
            DataSource::Embedded(dir) if std::ptr::eq(*dir, &crate::embedded::SCHEMAS) => {
                "schemas".to_owned()
            }
            DataSource::Embedded(_) => "cases".to_owned(),
            DataSource::Directory(path) => path.display().to_string(),
        }
    }

    /// Reads one file, `relative` being a `/`-separated path inside the source.
    pub fn read(&self, relative: &str) -> Result<DataFile, ContractError> {
        let display = format!("{}/{relative}", self.display_root());
        let bytes = match self {
            DataSource::Embedded(dir) => dir
                .get_file(relative)
                .map(|f| f.contents().to_vec())
                .ok_or_else(|| ContractError::MissingFile {
                    file: display.clone(),
                })?,
            DataSource::Directory(root) => {
                std::fs::read(root.join(relative)).map_err(|source| ContractError::Io {
                    file: display.clone(),
                    source,
                })?
            }
        };
        Ok(DataFile {
            relative: relative.to_owned(),
            display,
            bytes,
        })
    }

    /// Names of the immediate sub-directories of `relative` (`""` for the root), sorted.
    pub fn subdirectories(&self, relative: &str) -> Result<Vec<String>, ContractError> {
        let mut names = match self {
            DataSource::Embedded(dir) => {
                let dir = if relative.is_empty() {
                    Some(*dir)
                } else {
                    dir.get_dir(relative)
                };
                dir.map(|d| {
                    d.dirs()
                        .filter_map(|sub| sub.path().file_name()?.to_str().map(str::to_owned))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
            }
            DataSource::Directory(root) => list_dir(&root.join(relative), true)?,
        };
        names.sort();
        Ok(names)
    }

    /// Every `*.json` file below `relative`, recursively, sorted by relative path.
    pub fn json_files_below(&self, relative: &str) -> Result<Vec<DataFile>, ContractError> {
        self.json_paths_below(relative)?
            .iter()
            .map(|p| self.read(p))
            .collect()
    }

    /// The relative paths of every `*.json` file below `relative`, recursively, sorted; for a
    /// reader that wants to read them itself (several at a time, see `cases::load`).
    pub fn json_paths_below(&self, relative: &str) -> Result<Vec<String>, ContractError> {
        let mut paths = Vec::new();
        self.collect_json(relative, &mut paths)?;
        paths.sort();
        Ok(paths)
    }

    fn collect_json(&self, relative: &str, out: &mut Vec<String>) -> Result<(), ContractError> {
        let join = |name: &str| {
            if relative.is_empty() {
                name.to_owned()
            } else {
                format!("{relative}/{name}")
            }
        };
        let files = match self {
            DataSource::Embedded(dir) => {
                let dir = if relative.is_empty() {
                    Some(*dir)
                } else {
                    dir.get_dir(relative)
                };
                dir.map(|d| {
                    d.files()
                        .filter_map(|f| f.path().file_name()?.to_str().map(str::to_owned))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
            }
            DataSource::Directory(root) => list_dir(&root.join(relative), false)?,
        };
        out.extend(
            files
                .iter()
                .filter(|name| name.ends_with(".json"))
                .map(|name| join(name)),
        );
        for sub in self.subdirectories(relative)? {
            self.collect_json(&join(&sub), out)?;
        }
        Ok(())
    }
}

fn list_dir(path: &Path, want_dirs: bool) -> Result<Vec<String>, ContractError> {
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ContractError::Io {
                file: path.display().to_string(),
                source,
            });
        }
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ContractError::Io {
            file: path.display().to_string(),
            source,
        })?;
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir == want_dirs {
            if let Some(name) = entry.file_name().to_str() {
                names.push(name.to_owned());
            }
        }
    }
    Ok(names)
}
