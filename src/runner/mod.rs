//! `cmsconform run` and `selftest`: cases → libtest-mimic trials → exchanges → verdicts →
//! a [`crate::report::RunRecord`]. (Built in the run issue.)

use crate::cli::{GlobalArgs, RunArgs, SelftestArgs};
use crate::error::{Error, Result};

pub fn command(_args: &RunArgs, _global: &GlobalArgs) -> Result<i32> {
    Err(Error::Usage("run is not built yet".into()))
}

pub fn selftest_command(_args: &SelftestArgs, _global: &GlobalArgs) -> Result<i32> {
    Err(Error::Usage("selftest is not built yet".into()))
}
