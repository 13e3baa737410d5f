//! `cmsconform diff`: what changed between two runs. (Built in the reports issue.)

use crate::cli::DiffArgs;
use crate::error::{Error, Result};

pub fn command(_args: &DiffArgs) -> Result<i32> {
    Err(Error::Usage("diff is not built yet".into()))
}
