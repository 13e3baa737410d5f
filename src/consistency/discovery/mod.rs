//! Enforced-limit discovery: for each documented bound (ccId and vdn min/max, each end of each
//! agent-ID range, the array's maxItems) probe the bound and the first value beyond it; where
//! the server deviates, bisect for the limit it really enforces, all within a request budget.
//! Probes the common off-by-one first, so it costs three requests. An in-range ccId or vdn other
//! than the baseline's refused with a business failure is refused as unknown (notes:6.15), not
//! as invalid: it shows a limit only next to an accepted value (see `discovery::bound`). Reads the limits
//! from the contract; sends through a [`Sender`]; settles each parameter as a
//! [`RelationOutcome`].

use std::collections::BTreeMap;

mod bound;

use serde_json::{Value, json};

use super::outcome::{Judgement, RelationOutcome};
use super::plan::block;
use super::{ConsistencyConfig, Sender};
use crate::cases::Field;
use crate::cases::Outcome;
use crate::checks;
use crate::checks::hosted;
use crate::contract::Contract;
use crate::exchange::Exchange;

use bound::End;

/// What a probe's answer says about the value it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acceptance {
    Accepted,
    /// Refused as invalid: the profile's invalid-parameter code, or a 4xx other than 401/403/429.
    Rejected,
    /// Anything else (another failure code, a 5xx, no answer): says nothing about the limit.
    Inconclusive(String),
}

/// Classifies a probe's answer: `checks::classify` first, this module's reading of the
/// vendor's failure codes where a rejection must be told apart from "call failed".
pub fn acceptance(contract: &Contract, exchange: &Exchange) -> Acceptance {
    let received = match &exchange.response {
        Ok(received) => received,
        Err(failure) => return Acceptance::Inconclusive(format!("no answer: {failure:?}")),
    };
    let codes = &contract.profile().result_codes;
    let read = checks::json::read_answer(&received.body);
    let result_code = read.value().and_then(|b| {
        b.get("resultCode")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let described = format!(
        "HTTP {}{}",
        received.status,
        result_code
            .as_ref()
            .map(|c| format!(", resultCode {c}"))
            .unwrap_or_default()
    );
    let client_error =
        (400..500).contains(&received.status) && ![401, 403, 429].contains(&received.status);
    match checks::classify(contract, exchange) {
        Some(Outcome::Accepted) => return Acceptance::Accepted,
        Some(Outcome::Unauthenticated | Outcome::NotAllowedMethod) => {
            return Acceptance::Inconclusive(described);
        }
        Some(Outcome::Rejected) | None => {}
    }
    match (received.status, result_code.as_deref()) {
        (200, Some(code)) if code == codes.success => Acceptance::Accepted,
        (200, Some(code)) if code == codes.invalid_parameter => Acceptance::Rejected,
        _ if client_error => Acceptance::Rejected,
        _ => Acceptance::Inconclusive(described),
    }
}

/// The accepted request every probe varies one member of.
#[derive(Debug, Clone, Copy)]
struct Base {
    cc_id: i64,
    vdn: i64,
    agent_id: i64,
}

/// Which member a probe varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Knob {
    CcId,
    Vdn,
    AgentId,
    Length,
}
/// One request member and its documented bounds.
struct Parameter {
    name: String,
    knob: Knob,
    ends: Vec<End>,
    exchanges: Vec<Exchange>,
}

/// The parameters [`discover_limits`] settles, by record name, in the order it probes them
/// (a baseline the server refuses is recorded as `discovery` alone).
pub const DISCOVERY_NAMES: [&str; 4] = [
    "discovery::ccId",
    "discovery::vdn",
    "discovery::agentIds",
    "discovery::agentIds.length",
];

/// Probes the documented limits of the parameters `config` wants and bisects where the server
/// deviates, sending at most `config.discovery_budget` requests (0, or none wanted: nothing is
/// sent and nothing returned), and returns what `keep` made of each parameter's outcome.
pub async fn discover_limits<S: Sender, R>(
    contract: &Contract,
    sender: &S,
    config: &ConsistencyConfig,
    keep: impl Fn(RelationOutcome) -> R,
) -> Vec<R> {
    if config.discovery_budget == 0 || !DISCOVERY_NAMES.iter().any(|name| config.wants(name)) {
        return Vec::new();
    }
    let limits = &contract.profile().limits;
    let Some(first_range) = limits.agent_ids.ranges.first() else {
        return Vec::new();
    };
    let middle = |r: crate::contract::Range| r.min + (r.max - r.min) / 2;
    let body = |base: &Base, knob: Knob, value: i64| match knob {
        Knob::CcId => json!({"ccId": value, "vdn": base.vdn, "agentIds": [base.agent_id]}),
        Knob::Vdn => json!({"ccId": base.cc_id, "vdn": value, "agentIds": [base.agent_id]}),
        Knob::AgentId => json!({"ccId": base.cc_id, "vdn": base.vdn, "agentIds": [value]}),
        Knob::Length => {
            let count = usize::try_from(value).unwrap_or(0);
            json!({"ccId": base.cc_id, "vdn": base.vdn, "agentIds": block(&limits.agent_ids, count)})
        }
    };
    // Every probe varies one member of an accepted baseline. The configured call center first;
    // then mid-range values, in case the server refuses the configured ones.
    let candidates = [
        Base {
            cc_id: config.cc_id,
            vdn: config.vdn,
            agent_id: middle(*first_range),
        },
        Base {
            cc_id: middle(limits.cc_id),
            vdn: middle(limits.vdn),
            agent_id: middle(*first_range),
        },
    ];
    let mut budget = config.discovery_budget;
    let mut refused = Vec::new();
    let mut accepted_base = None;
    for base in candidates {
        if budget == 0 {
            break;
        }
        budget -= 1;
        let exchange = sender.send(body(&base, Knob::CcId, base.cc_id)).await;
        match acceptance(contract, &exchange) {
            Acceptance::Accepted => {
                accepted_base = Some(base);
                break;
            }
            Acceptance::Rejected => refused.push((base, "rejected".to_owned(), exchange)),
            Acceptance::Inconclusive(what) => refused.push((base, what, exchange)),
        }
    }
    let Some(base) = accepted_base else {
        let findings = refused
            .iter()
            .map(|(b, why, _)| {
                format!(
                    "the baseline request (ccId {}, vdn {}, agent ID {}) was not accepted ({why}): limits not probed",
                    b.cc_id, b.vdn, b.agent_id
                )
            })
            .collect();
        let exchanges: Vec<Exchange> = refused.into_iter().map(|(_, _, e)| e).collect();
        return vec![keep(RelationOutcome {
            relation: "discovery".into(),
            judgement: Judgement::NotJudged,
            violations: Vec::new(),
            exchanges,
            findings,
        })];
    };

    let mut parameters = parameters(contract, &base);
    parameters.retain(|p| config.wants(&format!("discovery::{}", p.name)));
    // Phase 1 probes every bound and its first forbidden neighbour; phase 2 bisects deviations.
    for phase in [Some(1), None] {
        for parameter in &mut parameters {
            for end in &mut parameter.ends {
                while let Some(d) = end.next() {
                    if budget == 0 || phase.is_some_and(|last| d > last || d < 0) {
                        break;
                    }
                    budget -= 1;
                    let Some(value) = end.value(d) else {
                        end.inconclusive = Some("the next probe overflows".into());
                        break;
                    };
                    let exchange = sender.send(body(&base, parameter.knob, value)).await;
                    let index = parameter.exchanges.len();
                    if refused_as_unknown(contract, &base, parameter.knob, value, &exchange) {
                        end.probes.insert(d, (false, Some(index)));
                        end.unhosted.insert(d);
                        parameter.exchanges.push(exchange);
                        continue;
                    }
                    match acceptance(contract, &exchange) {
                        Acceptance::Accepted => _ = end.probes.insert(d, (true, Some(index))),
                        Acceptance::Rejected => _ = end.probes.insert(d, (false, Some(index))),
                        Acceptance::Inconclusive(what) => {
                            end.inconclusive = Some(format!("probe {value} answered {what}"));
                        }
                    }
                    parameter.exchanges.push(exchange);
                }
            }
        }
    }
    parameters.into_iter().map(|p| keep(p.outcome())).collect()
}

/// The member a knob names, when it names something the server hosts.
fn hosted_field(knob: Knob) -> Option<Field> {
    match knob {
        Knob::CcId => Some(Field::CcId),
        Knob::Vdn => Some(Field::Vdn),
        Knob::AgentId | Knob::Length => None,
    }
}

/// notes:6.15: a business failure for an in-range ccId or vdn other than the baseline's (which
/// the server accepted) may mean "not hosted" rather than "invalid".
fn refused_as_unknown(
    contract: &Contract,
    base: &Base,
    knob: Knob,
    value: i64,
    exchange: &Exchange,
) -> bool {
    let Some(field) = hosted_field(knob) else {
        return false;
    };
    let home = match field {
        Field::CcId => base.cc_id,
        Field::Vdn => base.vdn,
    };
    let profile = contract.profile();
    let Ok(received) = &exchange.response else {
        return false;
    };
    let read = checks::json::read_answer(&received.body);
    value != home
        && field.range(profile).contains(value)
        && hosted::is_business_failure(profile, received.status, read.value())
}

impl Parameter {
    fn outcome(self) -> RelationOutcome {
        let mut findings = Vec::new();
        let mut violations = Vec::new();
        for end in &self.ends {
            let (finding, violation) = end.verdict();
            findings.push(finding);
            violations.extend(violation);
        }
        let judgement = if !violations.is_empty() {
            Judgement::Failed
        } else if self.exchanges.is_empty() {
            Judgement::NotJudged
        } else {
            Judgement::Passed
        };
        RelationOutcome {
            relation: format!("discovery::{}", self.name),
            judgement,
            violations,
            exchanges: self.exchanges,
            findings,
        }
    }
}

/// The bounds to probe, from the contract. Positions already answered by the baseline request
/// are recorded as accepted.
fn parameters(contract: &Contract, base: &Base) -> Vec<Parameter> {
    let base_id = base.agent_id;
    let limits = &contract.profile().limits;
    let upper_far = |max: i64| {
        max.checked_add(2)
            .and_then(|v| u64::try_from(v).ok())
            .and_then(u64::checked_next_power_of_two)
            .and_then(|v| i64::try_from(v).ok())
            .unwrap_or(i64::MAX)
    };
    let lower_far = |min: i64| {
        if min > 0 {
            0
        } else {
            min.saturating_sub(min.saturating_abs().saturating_add(2))
        }
    };
    let end = |what: String,
               documented: i64,
               outward: i64,
               inside: i64,
               far_value: i64,
               known: Option<i64>| {
        let to_d = |v: i64| v.saturating_sub(documented).saturating_mul(outward);
        let mut probes = BTreeMap::new();
        if let Some(value) = known {
            probes.insert(to_d(value), (true, None));
        }
        End {
            what,
            documented,
            outward,
            anchor: to_d(inside),
            far: to_d(far_value).max(2),
            probes,
            inconclusive: None,
            hosted: None,
            unhosted: Default::default(),
        }
    };
    let scalar = |name: &str, knob: Knob, range: crate::contract::Range, base: i64| Parameter {
        name: name.to_owned(),
        knob,
        ends: vec![
            end(
                format!("min {name} {}", range.min),
                range.min,
                -1,
                base,
                lower_far(range.min),
                Some(base),
            ),
            end(
                format!("max {name} {}", range.max),
                range.max,
                1,
                base,
                upper_far(range.max),
                Some(base),
            ),
        ],
        exchanges: Vec::new(),
    };
    let ranges = &limits.agent_ids.ranges;
    let mut id_ends = Vec::new();
    for (i, range) in ranges.iter().enumerate() {
        let middle = range.min + (range.max - range.min) / 2;
        let known = (range.contains(base_id)).then_some(base_id);
        let below = i
            .checked_sub(1)
            .and_then(|p| ranges.get(p))
            .map(|p| p.max + 1);
        let above = ranges.get(i + 1).map(|n| n.min - 1);
        let far_below = below.map_or(lower_far(range.min), |b| b.max(lower_far(range.min)));
        let far_above = above.map_or(upper_far(range.max), |a| a.min(upper_far(range.max)));
        id_ends.push(end(
            format!("min agent ID {}", range.min),
            range.min,
            -1,
            known.unwrap_or(middle),
            far_below,
            known,
        ));
        id_ends.push(end(
            format!("max agent ID {}", range.max),
            range.max,
            1,
            known.unwrap_or(middle),
            far_above,
            known,
        ));
    }
    let max_items = i64::try_from(limits.agent_ids.max_items).unwrap_or(i64::MAX);
    // As many distinct IDs as `block` can give.
    let valid_ids: i64 = ranges
        .iter()
        .map(|r| r.max - r.min + 1)
        .map(|n| if n >= 3 { n - 2 } else { n })
        .sum();
    let length = end(
        format!("max {max_items} items"),
        max_items,
        1,
        1,
        upper_far(max_items).min(valid_ids),
        Some(1),
    );
    let mut all = vec![
        scalar("ccId", Knob::CcId, limits.cc_id, base.cc_id),
        scalar("vdn", Knob::Vdn, limits.vdn, base.vdn),
        Parameter {
            name: "agentIds".into(),
            knob: Knob::AgentId,
            ends: id_ends,
            exchanges: Vec::new(),
        },
        Parameter {
            name: "agentIds.length".into(),
            knob: Knob::Length,
            ends: vec![length],
            exchanges: Vec::new(),
        },
    ];
    for parameter in &mut all {
        if let Some(field) = hosted_field(parameter.knob) {
            for end in &mut parameter.ends {
                end.hosted = Some(field.hosted());
            }
        }
    }
    all
}
#[cfg(test)]
mod tests;
