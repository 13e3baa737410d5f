//! Checks: small pure functions that judge exchanges against the contract and return
//! [`Violation`]s. They do no I/O and never panic on what a server sent.
//!
//! - [`model`]: violations and their weight.
//! - [`json`]: the strict one-pass JSON reader (notes:6.12).
//! - [`status`]: transport, status classes, Content-Type, method refusal, expectation.
//! - [`response`]: body envelope, schema conformance, rejection shape.
//! - [`agents`]: the agent objects of a success.
//! - [`captured`]: one exchange captured elsewhere, rebuilt to be judged (`cmsconform check`).
//! - [`attribute_agents`]: which agent a finding's pointer lands in.
//!
//! The catalogue of every check and the classifier of answers are `catalogue` and `classify`.
//! [`classify`] and [`judge`] tie one exchange to these rules. A multi-exchange check (notes:6.14)
//! lives in its own submodule and speaks the same [`Violation`], prefixing pointers with `#n`.

pub mod agents;
mod attribute;
pub mod captured;
mod catalogue;
mod classify;
pub mod hosted;
pub mod json;
pub mod model;
pub mod response;
pub mod sample;
pub mod signing;
pub mod status;

pub use attribute::{attribute_agents, held_agents};
pub use catalogue::{CATALOGUE, check_def, clauses_exercised};
pub use classify::classify;
use classify::{classify_parsed, unrecognised_reason};
pub use model::{CheckDef, Severity, Violation};

use serde_json::Value;

use crate::cases::{Expectation, HomePair, Outcome};
use crate::contract::{Contract, SchemaKind};
use crate::exchange::Exchange;
use agents::AgentContext;

/// Knobs of the single-exchange checks.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// "Now" for the logon-time rule, ms since the epoch. `None`: the exchange's receive time.
    pub now_ms: Option<i64>,
    /// Allowance for the server's clock ahead of ours.
    pub clock_skew_ms: i64,
    /// The call centre and VDN the target is known to host (notes:6.15). A request expected
    /// to succeed at another in-range ccId or vdn may then be refused as unknown (information,
    /// [`hosted::UNHOSTED`]). `None`: every valid request must succeed.
    pub home: Option<HomePair>,
}

/// The request as the rules need it: its agent IDs, and a short description on demand.
struct RequestView {
    body: Option<Value>,
    agent_ids: Option<Vec<i64>>,
}

impl RequestView {
    fn read(bytes: &[u8]) -> RequestView {
        // A BOM the server may ignore (RFC 8259 §8.1) must not hide the IDs asked for.
        let bytes = bytes.strip_prefix(json::UTF8_BOM).unwrap_or(bytes);
        // The same reader as the expectation (`captured::expectation_for`) uses.
        let body: Option<Value> = json::parse_strict(bytes).value.ok();
        let agent_ids = body
            .as_ref()
            .and_then(|b| b.get("agentIds"))
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(crate::json::integral).collect());
        RequestView { body, agent_ids }
    }

    fn is_empty(&self) -> bool {
        self.agent_ids.as_ref().is_some_and(Vec::is_empty)
    }

    /// " for request /ccId = 0" when the request breaks its schema.
    fn describe(&self, contract: &Contract) -> String {
        let Some(body) = &self.body else {
            return " for a request body that is not JSON".into();
        };
        if contract.is_valid(SchemaKind::Request, body) {
            return String::new();
        }
        match contract.schema_issues(SchemaKind::Request, body).first() {
            Some(issue) => {
                let value = body
                    .pointer(&issue.instance_pointer)
                    .map(|v| model::truncate(&v.to_string(), 40))
                    .unwrap_or_default();
                let at = if issue.instance_pointer.is_empty() {
                    "<body>"
                } else {
                    &issue.instance_pointer
                };
                format!(" for request {at} = {value} ({})", issue.keyword)
            }
            None => String::new(),
        }
    }
}

/// Judges one exchange against the contract and the case's expectation.
pub fn judge(
    contract: &Contract,
    exchange: &Exchange,
    expect: &Expectation,
    options: &CheckOptions,
) -> Vec<Violation> {
    assess(contract, exchange, expect, options).violations
}

/// What [`assess`] finds: the answer's [`classify`] outcome and [`judge`]'s findings.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub observed: Option<Outcome>,
    pub violations: Vec<Violation>,
    /// Why the answer could not be judged against the contract at all, if so: no answer (a
    /// transport failure), a body cut at the size cap, or a body expected to be JSON that does
    /// not read as one JSON value (not UTF-8, not JSON, nested past the depth cap). A
    /// well-formed answer that breaks the contract was judged: this is `None`; so is the
    /// interface's JSON with a defect around or inside it that the reader could read past (a
    /// BOM, trailing bytes, a non-finite number: [`json::read_answer`]).
    pub unjudgeable: Option<String>,
    /// The findings past [`MAX_PER_CHECK`] of their check, in order: not kept as examples, but
    /// every one of them is counted in a run's totals (`report::tally`).
    pub beyond_cap: Vec<Violation>,
    /// The agents a success answer held ([`held_agents`]), read from the same parse.
    pub held_agents: Vec<i64>,
}

/// [`classify`] and [`judge`] in one reading of the answer (the runner needs both for every
/// case; the body is parsed once).
pub fn assess(
    contract: &Contract,
    exchange: &Exchange,
    expect: &Expectation,
    options: &CheckOptions,
) -> Assessment {
    let received = match &exchange.response {
        Err(failure) => {
            let violation = status::check_transport(failure);
            return Assessment {
                observed: None,
                unjudgeable: Some(violation.message.clone()),
                violations: vec![violation],
                beyond_cap: Vec::new(),
                held_agents: Vec::new(),
            };
        }
        Ok(received) => received,
    };
    let coding = status::check_content_coding(received);
    if let Some(truncated) = status::check_truncated(received) {
        let unjudgeable = Some(truncated.message.clone());
        let mut out = vec![truncated];
        out.extend(status::check_server_error(received));
        out.extend(coding);
        return Assessment {
            // By its status alone, without parsing the cut body (see `classify`).
            observed: classify(contract, exchange),
            violations: out,
            unjudgeable,
            beyond_cap: Vec::new(),
            held_agents: Vec::new(),
        };
    }
    let profile = contract.profile();
    let request = RequestView::read(&exchange.request.body);
    let content_type_json = received
        .header("content-type")
        .is_some_and(status::is_json_media_type);
    let json_expected = received.status == 200
        || (received.status < 500 && content_type_json && !received.body.trim_ascii().is_empty());
    let read = json::read_answer(&received.body);
    let mut out: Vec<Violation> = coding.into_iter().collect();
    let mut unjudgeable = None;
    if json_expected {
        let found = read.violations();
        // The reader's error, when there is one, is its last finding. A body repaired around
        // a defect (a BOM, trailing bytes, a NaN) was judged: the defect is its finding.
        unjudgeable = found.last().filter(|_| read.value().is_none()).map(|v| {
            format!(
                "HTTP {}: the body is not one JSON value ({} {})",
                received.status, v.check, v.message
            )
        });
        out.extend(found);
    }
    let body = read.value();
    let outcome = classify_parsed(profile, received, body);
    let away = hosted::expected_away(profile, request.body.as_ref(), expect, options.home);
    // notes:6.15: a business failure at a call centre or VDN other than the home pair is an
    // allowed answer to a valid request; the rejection rules judge its shape.
    let refused_as_unknown = away.is_some()
        && outcome == Some(Outcome::Rejected)
        && hosted::is_business_failure(profile, received.status, body);
    let accepted_or_unknown;
    let expect = if refused_as_unknown {
        accepted_or_unknown = Expectation::EitherOf {
            either_of: vec![Outcome::Accepted, Outcome::Rejected],
        };
        &accepted_or_unknown
    } else {
        expect
    };
    if !status::is_allowed_method_refusal(expect, outcome, received) {
        out.extend(status::check_server_error(received));
    }
    let result_code = body
        .and_then(|b| b.get("resultCode"))
        .and_then(Value::as_str);
    // A 200 that is not JSON is explained by the JSON finding; "unrecognised" would repeat it.
    let explained = json_expected && outcome.is_none() && body.is_none();
    if !explained {
        let mut compared = status::compare(
            expect,
            outcome,
            received,
            result_code,
            &|| request.describe(contract),
            request.is_empty(),
        );
        for v in compared
            .iter_mut()
            .filter(|v| v.check == status::UNRECOGNISED.id)
        {
            v.message.push_str(&unrecognised_reason(received, body));
        }
        out.extend(compared);
    }
    if let Some((home, probes)) = &away {
        let no_agents = body.is_some_and(|b| response::has_agent_data(b).is_none());
        if refused_as_unknown {
            out.push(hosted::refused_as_unknown(probes, *home, result_code));
        } else if outcome == Some(Outcome::Accepted) && no_agents {
            out.push(hosted::empty_away_from_home(probes, *home));
        }
    }
    match outcome {
        Some(Outcome::Accepted) => {
            out.extend(status::check_success_status(received));
            out.extend(status::check_content_type(received));
            if let Some(body) = body {
                let ctx = AgentContext {
                    profile,
                    requested: request.agent_ids.as_deref(),
                    now_ms: options.now_ms.unwrap_or(exchange.received_at_ms),
                    clock_skew_ms: options.clock_skew_ms,
                };
                out.extend(success_rules(contract, body, &ctx));
            }
        }
        Some(Outcome::Rejected) if expect.allows(Outcome::Rejected) => {
            if body.is_some() && (received.status == 200 || content_type_json) {
                out.extend(status::check_content_type(received));
            }
            let object = body.filter(|b| b.is_object());
            let specific = response::check_rejection(profile, received.status, object);
            let business = object.filter(|b| b.get("resultCode").is_some());
            if let (200, Some(body)) = (received.status, business) {
                let mut specific = specific;
                specific.extend(response::check_result_consistency(profile, body));
                let generic =
                    response::check_schema(contract, SchemaKind::Failure, body, &specific);
                out.extend(specific);
                out.extend(generic);
            } else {
                out.extend(specific);
            }
        }
        Some(Outcome::NotAllowedMethod) if expect.allows(Outcome::NotAllowedMethod) => {
            out.extend(status::check_method_refusal(received));
        }
        _ => {}
    }
    let (mut violations, mut beyond_cap) = cap_per_check(out, MAX_PER_CHECK);
    // While the answer is parsed: reports count the agents of every finding, kept or not.
    if let Some(body) = body {
        attribute_agents(&mut violations, body);
        attribute_agents(&mut beyond_cap, body);
    }
    Assessment {
        // `classify` reads a body only for a 2xx; `classify_parsed` ignores it otherwise.
        observed: outcome,
        violations,
        unjudgeable,
        beyond_cap,
        held_agents: held_agents(profile, received.status, body),
    }
}

/// Findings of one check kept per exchange: a rule broken on every one of 6000 agents is one
/// problem, and reports (and memory, with a hostile server) stay readable and bounded.
pub const MAX_PER_CHECK: usize = 10;

/// Keeps the first `max` findings of each check, in order, and returns the rest apart (a run
/// counts them). The last one kept says how many more of its check the answer had.
fn cap_per_check(found: Vec<Violation>, max: usize) -> (Vec<Violation>, Vec<Violation>) {
    use std::collections::HashMap;
    let mut kept: Vec<Violation> = Vec::with_capacity(found.len().min(64));
    let mut beyond: Vec<Violation> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for violation in found {
        let count = seen.entry(violation.check.clone()).or_default();
        *count += 1;
        if *count <= max {
            kept.push(violation);
        } else {
            beyond.push(violation);
        }
    }
    for (check, all) in seen.into_iter().filter(|(_, all)| *all > max) {
        let more = all - max;
        if let Some(last) = kept.iter_mut().rev().find(|v| v.check == check) {
            last.message.push_str(&format!(
                " (and {more} more finding(s) of {check} in this answer: {all} in all, \
                 {max} kept as examples, every one counted in the totals)"
            ));
        }
    }
    (kept, beyond)
}

/// Envelope and agent rules of a success body, then the schema for whatever they missed.
fn success_rules(contract: &Contract, body: &Value, ctx: &AgentContext<'_>) -> Vec<Violation> {
    let mut specific = response::check_success_envelope(contract, body);
    let agents = ["resultDesc", "resultDatas"]
        .into_iter()
        .find_map(|name| body.get(name).and_then(Value::as_array).map(|a| (name, a)));
    if let Some((name, list)) = agents {
        specific.extend(agents::check_agents(ctx, list, &format!("/{name}")));
    }
    let generic = response::check_schema(contract, SchemaKind::Success, body, &specific);
    specific.extend(generic);
    specific
}

#[cfg(test)]
mod tests;
