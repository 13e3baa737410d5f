//! Consistency across requests (CONTRACT-NOTES §6 clause 14) and discovery of the limits a
//! server really enforces. Owns the relation checks (`CMS-REL-*`), the plan that builds their
//! requests from the contract, and the limit bisection. It sends through a [`Sender`] it is given
//! (the real [`crate::client::Client`] via [`ClientSender`], or anything in-process) and hands
//! each [`RelationOutcome`] to the caller's `keep` as soon as it is settled, so that its large
//! answers are freed before the next relation's arrive. It does not touch the runner, the report
//! writers or the mock.
//!
//! - [`outcome`]: what a relation or a probed limit came to.
//! - [`answer`]: reading requested IDs and answered agents out of exchanges.
//! - [`relations`]: the pure comparisons and their check definitions.
//! - [`plan`]: the driver that sends the relation requests and re-asks before confirming.
//! - [`discovery`]: bisection of the enforced limits within a request budget.

pub mod answer;
pub mod discovery;
pub mod outcome;
pub mod plan;
pub mod relations;

use std::future::Future;

use serde_json::Value;

use crate::cases::AuthMode;
use crate::client::{Client, OutgoingRequest};
use crate::contract::{Contract, DataSource};
use crate::exchange::Exchange;

pub use discovery::{DISCOVERY_NAMES, discover_limits};
pub use outcome::{Judgement, RelationOutcome};
pub use plan::{RELATION_NAMES, run_relations};
pub use relations::{RELATION_CATALOGUE, checks_of, compare, settle};

/// Sends one request body to the interface and records the exchange. Never fails: a transport
/// failure is part of the returned [`Exchange`].
pub trait Sender: Sync {
    fn send(&self, body: Value) -> impl Future<Output = Exchange> + Send;
}

/// [`Sender`] over the harness's HTTP client: a signed POST to the profile's path.
pub struct ClientSender<'a> {
    client: &'a Client,
    path: String,
    extra_headers: Vec<(String, String)>,
}

impl<'a> ClientSender<'a> {
    pub fn new(client: &'a Client, path: impl Into<String>) -> Self {
        ClientSender {
            client,
            path: path.into(),
            extra_headers: Vec::new(),
        }
    }

    /// Adds a header to every request, e.g. the mock's fault header in `selftest`.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra_headers.push((name.into(), value.into()));
        self
    }
}

impl Sender for ClientSender<'_> {
    fn send(&self, body: Value) -> impl Future<Output = Exchange> + Send {
        let mut request = OutgoingRequest {
            method: "POST".into(),
            path: self.path.clone(),
            auth: AuthMode::Signed,
            body: body.to_string().into_bytes(),
            ..OutgoingRequest::default()
        };
        for (name, value) in &self.extra_headers {
            request.header_edits.add.insert(name.clone(), value.clone());
        }
        async move { self.client.send(&request).await }
    }
}

/// Knobs of the relations and the discovery. Limits are not here: they come from the contract.
#[derive(Debug, Clone)]
pub struct ConsistencyConfig {
    /// A call center and VDN the target has agents on.
    pub cc_id: i64,
    pub vdn: i64,
    /// Seeds the shuffles, so a run is reproducible.
    pub seed: u64,
    /// Requests the limit discovery may send (0 = off).
    pub discovery_budget: u32,
    /// Allowance beyond the measured wall time when durations are compared.
    pub tolerance_ms: i64,
    /// IDs in the big batch; `None` (the default): the profile's maxItems. Never above it.
    pub batch_size: Option<usize>,
    /// IDs in each small sub-batch (tail and head).
    pub sub_batch_size: usize,
    /// Distinct IDs in the duplication relation (each sent twice).
    pub duplication_size: usize,
    /// Agents known to exist at the pair (the run's fleet, sorted): the batch is made of them
    /// first, topped up from the profile's ranges. Empty: the ranges alone.
    pub fleet: Vec<i64>,
    /// The relations and limit discoveries to send, by record name ([`RELATION_NAMES`],
    /// [`DISCOVERY_NAMES`]); `None`: every one.
    pub only: Option<Vec<String>>,
}

impl ConsistencyConfig {
    /// Defaults, with `ccId`/`vdn` taken from the seed's example request (the vendor's own
    /// call center, where the mock's fleet lives).
    pub fn from_seed_example(
        cases: &DataSource,
    ) -> Result<ConsistencyConfig, crate::contract::ContractError> {
        const FIXTURE: &str = "fixtures/seed_example.request.json";
        let file = cases.read(FIXTURE)?;
        let json: Value = serde_json::from_slice(&file.bytes).map_err(|e| {
            crate::contract::ContractError::Json {
                file: file.display.clone(),
                source: e,
            }
        })?;
        let member = |name: &str| {
            json.get(name).and_then(Value::as_i64).ok_or_else(|| {
                crate::contract::ContractError::Invalid {
                    file: file.display.clone(),
                    message: format!("{name} is not an integer"),
                }
            })
        };
        Ok(ConsistencyConfig::new(member("ccId")?, member("vdn")?))
    }

    pub fn new(cc_id: i64, vdn: i64) -> Self {
        ConsistencyConfig {
            cc_id,
            vdn,
            seed: 0,
            discovery_budget: 64,
            tolerance_ms: relations::DEFAULT_TOLERANCE_MS,
            batch_size: None,
            sub_batch_size: 20,
            duplication_size: 100,
            fleet: Vec::new(),
            only: None,
        }
    }

    /// Whether the relation or limit discovery recorded as `name` is to be sent.
    pub fn wants(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|n| n == name))
    }
}

/// Every relation and limit discovery a run may send, by record name, in the order it sends
/// them: the relations, then the discovered limits.
pub fn record_names() -> impl Iterator<Item = &'static str> {
    RELATION_NAMES.into_iter().chain(DISCOVERY_NAMES)
}

/// The name a selection (FILTER, `--exact`, `--skip`, `--list`) knows a relation record by:
/// `relation::repetition`, `relation::sub-batch::tail`; a limit discovery's is its own,
/// `discovery::vdn`.
pub fn selection_name(record: &str) -> String {
    if record == "discovery" || record.starts_with("discovery::") {
        record.to_owned()
    } else {
        format!("relation::{record}")
    }
}

/// Both halves: the relations, then (when the budget allows) the limit discovery. `keep` turns
/// each outcome into what the caller stores, as soon as it is settled.
pub async fn run_all<S: Sender, R>(
    contract: &Contract,
    sender: &S,
    config: &ConsistencyConfig,
    keep: impl Fn(RelationOutcome) -> R + Sync,
) -> Vec<R> {
    let mut kept = run_relations(contract, sender, config, &keep).await;
    kept.extend(discover_limits(contract, sender, config, &keep).await);
    kept
}
