//! cmsconform: a contract-conformance harness for the CC-CMS open API "Querying Agent
//! Information in Batches" (`POST /rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids`).
//!
//! Data flows one way: [`contract`] → [`cases`] → exchanges ([`client`]) → verdicts ([`checks`])
//! → [`report`]. The [`mock`] is the reference server; [`runner`] drives a run.

pub mod auth;
pub mod cases;
pub mod checks;
pub mod cli;
pub mod client;
pub mod clock;
pub mod commands;
pub mod consistency;
pub mod contract;
pub mod diff;
pub mod embedded;
pub mod error;
pub mod exchange;
pub mod exit;
pub mod json;
pub mod memory;
pub mod mock;
pub mod parallel;
pub mod redact;
pub mod report;
pub mod runner;
pub mod splitmix;
pub mod units;

pub use error::{Error, Result};
