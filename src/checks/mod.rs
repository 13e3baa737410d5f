//! Checks: small pure functions that judge exchanges against the contract and return
//! [`Violation`]s. They do no I/O and never panic on what a server sent.
//!
//! - [`model`]: exchanges, expectations, violations.

pub mod json;
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

/// Every check the harness makes, with its stable id and clause.
pub static CATALOGUE: &[&CheckDef] = &[];

/// What an answer looks like, independent of what was expected: a success, a rejection, a 401,
/// a method refusal. `None` when it is none of these (a 5xx, garbage, no answer).
pub fn classify(_contract: &Contract, _exchange: &Exchange) -> Option<Outcome> {
    None
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
