//! cmsconform: a contract-conformance harness for the CC-CMS open API "Querying Agent
//! Information in Batches" (`POST /rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids`).
//!
//! Data flows one way: [`contract`] → [`cases`] → exchanges ([`exchange`], sent by [`client`])
//! → verdicts ([`checks`] for one exchange, [`consistency`] across several) → [`report`]. The
//! [`mock`] is the reference server; [`runner`] drives a run; [`diff`] compares two reports.
//! The binary's commands layer ([`commands`], [`cli`]) is the only code that prints, builds
//! runtimes or picks exit codes.
//!
//! # What a user of the crate needs
//!
//! The root re-exports the four jobs and their configuration and result types:
//!
//! | job | call | configuration | result |
//! |---|---|---|---|
//! | run the suite | [`run`] | [`RunConfig`], [`RunOptions`] | [`Ran`] ([`RunRecord`]) |
//! | judge one exchange | [`judge`] | [`Contract`], [`CheckOptions`] | [`Violation`]s |
//! | serve the mock | [`mock::spawn`] | [`MockConfig`] | [`RunningMock`] |
//! | compare two runs | [`diff::compare`] | two [`RunRecord`]s | [`diff::RunDiff`] |
//!
//! ## Run the suite against the embedded mock
//!
//! ```
//! use std::sync::Arc;
//! use cmsconform::{Contract, InProcess, RunConfig, RunOptions, Silent};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Seed 1, no property case, no relations: the hand-written and boundary cases alone.
//! let mut config = RunConfig::embedded(Contract::embedded("2023-12")?, 1, 0);
//! config.relations = false;
//! let runtime = Arc::new(
//!     tokio::runtime::Builder::new_current_thread()
//!         .enable_all()
//!         .build()?,
//! );
//! let options = RunOptions {
//!     driver: &InProcess::new(4),
//!     observer: &Silent,
//!     cases: true,
//!     despite_failed_preflight: false,
//!     shrink: false,
//! };
//! let ran = cmsconform::run(&config, &runtime, &options)?;
//! assert!(ran.unusable.is_none());
//! assert!(ran.record.conformant());
//! # Ok(())
//! # }
//! ```
//!
//! A remote target is `config.target = Target::Remote { base_url }` with the deployment's
//! credentials in `config.client.creds`.
//!
//! ## Judge one captured exchange
//!
//! The seed's own example exchange passes, as it always must:
//!
//! ```
//! use cmsconform::checks::captured::{captured_exchange, expectation_for};
//! use cmsconform::{CheckOptions, Contract};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let contract = Contract::embedded("2023-12")?;
//! let request = include_bytes!(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/cases/fixtures/seed_example.request.json"
//! ));
//! let answer = include_bytes!(concat!(
//!     env!("CARGO_MANIFEST_DIR"),
//!     "/cases/fixtures/seed_example.response.json"
//! ));
//! let now = cmsconform::clock::now_ms();
//! let exchange = captured_exchange(
//!     &contract,
//!     request.to_vec(),
//!     200,
//!     "application/json",
//!     answer.to_vec(),
//!     now,
//! );
//! let expected = expectation_for(&contract, request);
//! let options = CheckOptions {
//!     now_ms: Some(now),
//!     clock_skew_ms: 300_000,
//!     home: None,
//! };
//! let violations = cmsconform::judge(&contract, &exchange, &expected, &options);
//! assert!(violations.iter().all(|v| !v.is_failure()), "{violations:?}");
//! # Ok(())
//! # }
//! ```
//!
//! ## Serve the mock
//!
//! ```
//! use cmsconform::{Contract, MockConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = tokio::runtime::Runtime::new()?;
//! let config = MockConfig::new(Contract::embedded("2023-12")?);
//! let running = runtime.block_on(cmsconform::mock::spawn(config, "127.0.0.1:0"))?;
//! assert!(running.base_url().starts_with("http://127.0.0.1:"));
//! # Ok(())
//! # }
//! ```
//!
//! ## Compare two runs
//!
//! ```
//! use std::path::Path;
//! use cmsconform::diff;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
//! let clean = diff::read_report(&samples.join("sample/report.json"))?;
//! let failing = diff::read_report(&samples.join("sample-failing/report.json"))?;
//! let changes = diff::compare(&clean, "sample", &failing, "sample-failing");
//! assert!(diff::render_markdown(&changes).contains("sample-failing"));
//! # Ok(())
//! # }
//! ```

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
pub(crate) mod embedded;
pub mod error;
pub mod exchange;
pub mod exit;
pub(crate) mod json;
pub mod memory;
pub mod mock;
pub(crate) mod parallel;
pub mod redact;
pub mod report;
pub mod runner;
pub(crate) mod splitmix;
pub(crate) mod units;

pub use checks::{CheckOptions, Violation, judge};
pub use contract::Contract;
pub use error::{Error, Result};
pub use mock::{MockConfig, RunningMock};
pub use report::{RunRecord, Verdict};
pub use runner::{InProcess, Observer, Ran, RunConfig, RunOptions, Silent, Target, run};
