//! The reference mock of CC-CMS. (Built in the mock issue.)

use crate::cli::{GlobalArgs, MockArgs};
use crate::error::{Error, Result};

pub fn command(_args: &MockArgs, _global: &GlobalArgs) -> Result<i32> {
    Err(Error::Usage("mock is not built yet".into()))
}
