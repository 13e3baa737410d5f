//! One run's live state: the target (the embedded mock started here, or a remote base URL), the
//! HTTP client, and how one case becomes one [`CaseRecord`]: send, classify, judge, redact,
//! time. Owns no output and no ordering: the pipeline's case drivers drive it.
//!
//! - `case_record`: one exchange judged into its record, or a case recorded unsent.
//! - `embedded`: the embedded mock on a runtime of its own.
//! - `refusal`: what a 401 or a 403 says of the run, confirmed with the preflight request.

mod case_record;
mod embedded;
mod refusal;

use std::time::Instant;

pub use case_record::describe;
use embedded::EmbeddedMock;
pub use refusal::MAX_CONFIRMATIONS;

use tokio::runtime::Runtime;

use super::config::{RunConfig, Target};
use crate::cases::{AuthMode, Case};
use crate::checks::{self, CheckOptions};
use crate::client::{Client, OutgoingRequest};
use crate::contract::Contract;
use crate::error::{Error, Result};
use crate::mock::{MockConfig, RunningMock};
use crate::redact::Redactor;
use crate::report::reproduce::EMBEDDED_TARGET;
use crate::report::{self, CaseRecord, RunMeta, Verdict};

/// What a failed trial prints (it lives with the run's other summaries).
pub use super::run_record::failure_message;

/// Request body bytes in flight at most. An answer grows with the IDs asked for (about 400
/// bytes of JSON and 3 KB parsed per agent), so this bounds the answers held at once whatever
/// `-j` is: one full-length request, or many small ones. A request this large or larger is
/// "heavy": it runs alone (see [`crate::memory`] on what its memory costs).
pub const IN_FLIGHT_REQUEST_BYTES: usize = 8 << 10;

pub struct Session {
    pub contract: Contract,
    pub client: Client,
    pub base_url: String,
    /// `embedded-mock (http://127.0.0.1:PORT)` or the target's base URL.
    pub target_label: String,
    path: String,
    check_options: CheckOptions,
    redactor: Redactor,
    /// Profile and seed, for reproduction lines.
    meta: RunMeta,
    /// Passing cases keep their exchange in their records (see [`RunConfig`]).
    record_passing_exchanges: bool,
    /// Request bytes in flight (see [`IN_FLIGHT_REQUEST_BYTES`]).
    in_flight: tokio::sync::Semaphore,
    /// Why the run stopped sending, once an answer said the server refuses the run's own
    /// credentials or this client (see [`Session::halted`]).
    halt: std::sync::Mutex<Option<String>>,
    /// The preflight request sent again after a 401 (see `refusal`).
    confirmations: refusal::Confirmations,
    /// The `Authorization` the server accepted in the preflight and the body it signed: what
    /// the replay probe sends again with another body.
    accepted: std::sync::Mutex<Option<AcceptedSignature>>,
    /// The distinct agents the cases' answers held (see [`Session::judged_agents`]).
    judged: super::fleet::AgentTally,
    /// The cases that failed on an answer the checks could judge (see
    /// [`Session::failed_when_judged`]).
    judged_failures: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Keeps the embedded mock serving until the session ends.
    _mock: Option<EmbeddedMock>,
}

/// A signature the server accepted, and over which body. Never printed or recorded: the
/// records redact `Authorization` by name.
struct AcceptedSignature {
    authorization: String,
    body: Vec<u8>,
}

impl Session {
    /// Starts the embedded mock when there is no remote target, and builds the client.
    pub fn start(config: &RunConfig, runtime: &Runtime) -> Result<Session> {
        // The embedded mock serves on a runtime of its own (`EmbeddedMock`).
        let (mock, base_url, target_label) = match &config.target {
            Target::Remote { base_url } => (None, base_url.clone(), base_url.clone()),
            Target::Embedded { faults } => {
                let mut mock_config = MockConfig::new(config.contract.clone());
                mock_config.creds = config.client.creds.clone();
                mock_config.faults = faults.clone();
                let embedded = EmbeddedMock::start(mock_config)?;
                let url = embedded
                    .running
                    .as_ref()
                    .map(RunningMock::base_url)
                    .unwrap_or_default();
                let label = format!("{EMBEDDED_TARGET} ({url})");
                (Some(embedded), url, label)
            }
        };
        let mut client_config = config.client.clone();
        client_config.base_url = base_url.clone();
        // The client may set up timers or pools that want a runtime around.
        let _guard = runtime.enter();
        let client = Client::new(client_config).map_err(|e| Error::Usage(e.to_string()))?;
        let mut redactor = Redactor::new();
        redactor.add(config.client.creds.sk.expose());
        Ok(Session {
            contract: config.contract.clone(),
            client,
            base_url,
            target_label: target_label.clone(),
            path: config.path.clone(),
            // The run's home pair is the one the checks know (notes:6.15).
            check_options: CheckOptions {
                home: Some(config.home),
                ..config.check_options
            },
            redactor,
            // What a rerun command needs: `--cases` for property ids, `--target` for a server.
            meta: RunMeta {
                profile: config.profile_name().to_owned(),
                seed: config.seed,
                property_cases: config.property_cases,
                target: target_label,
                command: config.command_line.clone(),
                ..RunMeta::default()
            },
            record_passing_exchanges: config.record_passing_exchanges,
            in_flight: tokio::sync::Semaphore::new(IN_FLIGHT_REQUEST_BYTES),
            halt: std::sync::Mutex::new(None),
            confirmations: refusal::Confirmations::default(),
            accepted: std::sync::Mutex::new(None),
            judged: super::fleet::AgentTally::default(),
            judged_failures: std::sync::Mutex::default(),
            _mock: mock,
        })
    }

    /// The request of `case`; a replay probe carries the preflight's accepted `Authorization`.
    /// `Err`: why it cannot be sent.
    fn outgoing(&self, case: &Case) -> std::result::Result<OutgoingRequest, String> {
        let mut request = OutgoingRequest {
            method: case.request.method.clone(),
            path: case
                .request
                .path
                .clone()
                .unwrap_or_else(|| self.path.clone()),
            auth: case.request.auth,
            header_edits: case.request.headers.clone(),
            body: case.request.body_bytes(),
        };
        if case.request.auth == AuthMode::Replay {
            let accepted = self.accepted.lock().map_err(|_| "not sent: lost state")?;
            let Some(accepted) = accepted.as_ref() else {
                return Err(
                    "not sent: the preflight's signature was not accepted, so there is \
                            none to replay"
                        .into(),
                );
            };
            if accepted.body == request.body {
                return Err(
                    "not sent: the replay's body is the preflight's own, so its answer \
                            would prove nothing"
                        .into(),
                );
            }
            request
                .header_edits
                .add
                .insert("authorization".into(), accepted.authorization.clone());
        }
        Ok(request)
    }

    /// Keeps the `Authorization` the server accepted over `body` for the replay probe.
    pub(super) fn remember_accepted(&self, authorization: &str, body: &[u8]) {
        if let Ok(mut accepted) = self.accepted.lock() {
            *accepted = Some(AcceptedSignature {
                authorization: authorization.to_owned(),
                body: body.to_vec(),
            });
        }
    }

    /// Why the run stopped sending, if it did: a request with the run's own valid signature was
    /// answered 401 (the credentials no longer work), or any request was answered 403 (the
    /// server refuses this client; notes:3 calls it the lock-out after repeated failures, which
    /// more requests would only prolong). Like the circuit breaker, it stays.
    pub fn halted(&self) -> Option<String> {
        self.halt.lock().ok().and_then(|halt| halt.clone())
    }

    /// Sends `case` (the client sends it again only after a 429, or a 503 with Retry-After)
    /// and judges the answer.
    pub async fn execute(&self, case: &Case) -> CaseRecord {
        self.execute_observed(case).await.0
    }

    /// The distinct agents the judged answers of the cases held (success answers only), told
    /// apart by where they were asked.
    pub fn judged_agents(&self) -> &super::fleet::AgentTally {
        &self.judged
    }

    /// [`Session::execute`], also returning the agents its answer held when it was judged.
    pub async fn execute_observed(&self, case: &Case) -> (CaseRecord, Vec<i64>) {
        if let Some(reason) = self.halted() {
            return (
                self.skipped(case, &format!("not sent: the run stopped after {reason}")),
                Vec::new(),
            );
        }
        if let Some(reason) = self.client.breaker_reason() {
            return (
                self.skipped(case, &format!("not sent: {reason}")),
                Vec::new(),
            );
        }
        let outgoing = match self.outgoing(case) {
            Ok(outgoing) => outgoing,
            Err(reason) => return (self.skipped(case, &reason), Vec::new()),
        };
        let weight = outgoing.body.len().clamp(1, IN_FLIGHT_REQUEST_BYTES);
        // Held until the answer is judged and dropped; the semaphore is never closed.
        let _permit = self
            .in_flight
            .acquire_many(u32::try_from(weight).unwrap_or(u32::MAX))
            .await
            .ok();
        // Another case may have stopped the run while this one waited for room.
        if let Some(reason) = self.halted() {
            return (
                self.skipped(case, &format!("not sent: the run stopped after {reason}")),
                Vec::new(),
            );
        }
        let started = Instant::now();
        // The circuit breaker counts the answer by what the checks could make of it.
        let (exchange, (mut record, unjudgeable, held_agents)) = self
            .client
            .send_judged(&outgoing, |exchange| {
                let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
                let judged = self.judged_record(case, exchange, duration_ms);
                let unjudgeable = judged.unjudgeable.is_some();
                (
                    (judged.record, unjudgeable, judged.held_agents),
                    judged.unjudgeable,
                )
            })
            .await;
        match self.refusal(case, &exchange, started).await {
            refusal::Refusal::Halt(reason) => {
                // The exchange stays in the record, as evidence of why the run stopped.
                record.verdict = Verdict::Skipped;
                record.violations.clear();
                record.not_kept.clear();
                record.reproduce = None;
                record.error = Some(format!("not judged: {reason}"));
                return (record, Vec::new());
            }
            refusal::Refusal::SignedDifferently => {
                let found = std::mem::take(&mut record.violations);
                record.violations =
                    checks::signing::refused_own_signature(found, &case.expect, &exchange.request);
                self.rejudge(&mut record, &exchange);
            }
            refusal::Refusal::Nothing => {}
        }
        if let Some(signing) = case.request.ambiguous_signing() {
            if exchange.response.as_ref().is_ok_and(|r| r.status == 401) {
                let found = std::mem::take(&mut record.violations);
                record.violations = checks::signing::ambiguous_refusal(found, signing);
                self.rejudge(&mut record, &exchange);
            }
        }
        if record.verdict == Verdict::Failed && !unjudgeable {
            if let Ok(mut failed) = self.judged_failures.lock() {
                failed.insert(case.id.clone());
            }
        }
        let answered =
            self.judged
                .observe(&exchange.request, held_agents, record.verdict, self.home());
        if case.request.auth == AuthMode::Replay {
            record.violations = checks::status::replay_findings(record.violations);
        }
        (record, answered)
    }

    /// Cases that failed on an answer the checks could judge (see
    /// [`checks::Assessment::unjudgeable`]): a failure of the contract, not of the wire.
    pub fn judged_failures(&self) -> usize {
        self.judged_failures.lock().map(|f| f.len()).unwrap_or(0)
    }

    /// True when case `id` failed on an answer the checks could judge.
    pub fn failed_when_judged(&self, id: &str) -> bool {
        self.judged_failures
            .lock()
            .is_ok_and(|failed| failed.contains(id))
    }

    /// The run's home pair (the one the checks know, notes:6.15).
    fn home(&self) -> crate::cases::HomePair {
        self.check_options
            .home
            .unwrap_or(crate::cases::HomePair::SEED)
    }

    /// What the client met of rate limits so far, as the run record's meta keeps it.
    pub fn rate_limits(&self) -> report::RateLimits {
        let stats = self.client.rate_limit_stats();
        report::RateLimits {
            refusals: stats.refusals,
            retries: stats.retries,
            lowered_pace: stats.lowered_pace,
        }
    }

    /// The run's redactor (the SK); per-exchange signatures are added where records are made.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }
}
