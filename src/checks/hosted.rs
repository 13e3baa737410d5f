//! Call centres and VDNs a server may not host (notes:6.15). The contract gives the ranges of
//! `ccId` and `vdn`, not a promise that every value in them exists: a request naming an
//! in-range value other than the run's home pair expects "accepted, or refused as unknown".
//! This module owns what counts as such a refusal, and the cross-case rule that
//! turns one into a boundary fault when the same run saw the server accept a neighbouring
//! value. Pure: the runner gathers the observations and applies the findings.

use serde_json::Value;

use super::model::{CheckDef, Severity, Violation, check_def};
use crate::cases::{Expectation, Field, HomePair, Outcome};
use crate::contract::Profile;

check_def!(
    UNHOSTED,
    "CMS-HOST-001",
    "notes:6.15",
    Info,
    "An in-range ccId or vdn other than the home pair may be refused as unknown"
);
check_def!(
    BOUNDARY_FAULT,
    "CMS-HOST-002",
    "notes:6.15",
    Failure,
    "A value refused as unknown while its in-range neighbour is accepted is a boundary fault"
);

/// One member of a request set to an in-range value other than the home one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Probe {
    pub field: Field,
    pub value: i64,
}

/// The members of `body` that name an in-range value other than `home`'s (integers only: a
/// wrong-typed member is a rejection case, not a probe of hosting).
pub fn away_from_home(body: &Value, home: HomePair, profile: &Profile) -> Vec<Probe> {
    Field::ALL
        .into_iter()
        .filter_map(|field| {
            let value = body.get(field.member())?.as_i64()?;
            (value != home.value(field) && field.range(profile).contains(value))
                .then_some(Probe { field, value })
        })
        .collect()
}

/// The probe of a request that varies exactly one member away from home, the other at its
/// home value: the requests the cross-case rule may compare.
pub fn single_probe(body: &Value, home: HomePair, profile: &Profile) -> Option<Probe> {
    let [probe] = away_from_home(body, home, profile)[..] else {
        return None;
    };
    let other = match probe.field {
        Field::CcId => Field::Vdn,
        Field::Vdn => Field::CcId,
    };
    (body.get(other.member()).and_then(Value::as_i64) == Some(home.value(other))).then_some(probe)
}

/// The home pair and the members of a request that leave it, for a case expected to succeed
/// (a case that allows a rejection needs no widening); `None` without a home pair.
pub(crate) fn expected_away(
    profile: &Profile,
    body: Option<&Value>,
    expect: &Expectation,
    home: Option<HomePair>,
) -> Option<(HomePair, Vec<Probe>)> {
    let home = home?;
    if !expect.allows(Outcome::Accepted) || expect.allows(Outcome::Rejected) {
        return None;
    }
    let probes = away_from_home(body?, home, profile);
    (!probes.is_empty()).then_some((home, probes))
}

/// A business failure (HTTP 200, a failure resultCode, no agent data): how a server refuses a
/// call centre or VDN it does not host.
pub fn is_business_failure(profile: &Profile, status: u16, body: Option<&Value>) -> bool {
    let Some(body) = body.filter(|_| status == 200) else {
        return false;
    };
    let failure_code = body
        .get("resultCode")
        .and_then(Value::as_str)
        .is_some_and(|code| code != profile.result_codes.success);
    failure_code && super::response::has_agent_data(body).is_none()
}

fn describe(probes: &[Probe]) -> String {
    probes
        .iter()
        .map(|p| format!("{} {}", p.field.member(), p.value))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The information a refusal as unknown gets, in place of "expected a success".
pub fn refused_as_unknown(
    probes: &[Probe],
    home: HomePair,
    result_code: Option<&str>,
) -> Violation {
    let code = result_code.map_or(String::new(), |c| format!(" (resultCode {c})"));
    Violation::new(
        &UNHOSTED,
        "/resultCode",
        format!(
            "{} refused{code}: the server may not host it (the home pair is ccId {}, vdn {})",
            describe(probes),
            home.cc_id,
            home.vdn
        ),
    )
    .with_value(result_code.unwrap_or("none"))
}

/// The information an empty success at a value away from home gets.
pub fn empty_away_from_home(probes: &[Probe], home: HomePair) -> Violation {
    Violation::new(
        &UNHOSTED,
        "",
        format!(
            "{} answered with no agents: the server may not host it (the home pair is ccId {}, \
             vdn {})",
            describe(probes),
            home.cc_id,
            home.vdn
        ),
    )
}

/// How the server answered one request that varied one member away from home.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostedAnswer {
    /// A success (with or without agents): the value is valid to the server.
    Accepted,
    /// A business failure, judged information under [`UNHOSTED`].
    RefusedAsUnknown,
}

/// One case of a run seen by the cross-case rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation<'a> {
    pub case: &'a str,
    pub probe: Probe,
    pub answer: HostedAnswer,
}

/// The cross-case rule of notes:6.15: a value refused as unknown is a boundary fault when the
/// same run saw the server accept a neighbouring value (±1) of the same member. Neighbours are
/// away from home by construction (the observations are probes), so the home value, which the
/// server hosts, never counts. Returns the index of each faulty observation with its finding.
pub fn boundary_faults(observations: &[Observation<'_>]) -> Vec<(usize, Violation)> {
    observations
        .iter()
        .enumerate()
        .filter(|(_, o)| o.answer == HostedAnswer::RefusedAsUnknown)
        .filter_map(|(index, refused)| {
            let Probe { field, value } = refused.probe;
            let witness = observations.iter().find(|o| {
                o.answer == HostedAnswer::Accepted
                    && o.probe.field == field
                    && o.probe.value.abs_diff(value) == 1
            })?;
            let member = field.member();
            let violation = Violation::new(
                &BOUNDARY_FAULT,
                "/resultCode",
                format!(
                    "{member} {value} refused as unknown, yet {member} {}, also not the home \
                     value, was accepted (case {}): a boundary fault, not an unknown {}",
                    witness.probe.value,
                    witness.case,
                    match field {
                        Field::CcId => "call centre",
                        Field::Vdn => "VDN",
                    }
                ),
            )
            .with_value(value);
            Some((index, violation))
        })
        .collect()
}

#[cfg(test)]
mod tests;
