//! The contract data (`schemas/`) and the hand-written cases (`cases/`) compiled into the binary,
//! so `cmsconform` works from any directory. A `--schemas DIR` / `--cases DIR` flag replaces
//! them with files on disk; nothing here interprets the data.

use include_dir::{Dir, include_dir};

/// `schemas/` as it was at build time.
pub static SCHEMAS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");
/// `cases/` as it was at build time.
pub static CASES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cases");
