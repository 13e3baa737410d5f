//! Checks: small pure functions that judge exchanges against the contract and return
//! [`Violation`]s. They do no I/O and never panic on what a server sent.
//!
//! - [`model`]: exchanges, expectations, violations.

pub mod model;

pub use model::{
    CheckDef, Exchange, Expectation, Outcome, Received, SentRequest, Severity, TransportFailure,
    Violation,
};

use crate::cli::{CheckArgs, GlobalArgs};
use crate::contract::Contract;
use crate::error::{Error, Result};

/// Knobs of the single-exchange checks.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// "Now" for the logon-time rule, ms since the epoch. `None`: the exchange's receive time.
    pub now_ms: Option<i64>,
    /// Allowance for the server's clock ahead of ours.
    pub clock_skew_ms: i64,
}

/// Judges one exchange against the contract and the case's expectation.
pub fn judge(
    _contract: &Contract,
    _exchange: &Exchange,
    _expect: &Expectation,
    _options: &CheckOptions,
) -> Vec<Violation> {
    Vec::new()
}

pub fn command(_args: &CheckArgs, _global: &GlobalArgs) -> Result<i32> {
    Err(Error::Usage("check is not built yet".into()))
}
