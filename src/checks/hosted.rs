//! Call centres and VDNs a server may not host (notes:6.15). The contract gives the ranges of
//! `ccId` and `vdn`, not a promise that every value in them exists: a request naming an
//! in-range value other than the run's home pair expects "accepted, or refused as unknown".
//! This module owns the home pair, what counts as such a refusal, and the cross-case rule that
//! turns one into a boundary fault when the same run saw the server accept a neighbouring
//! value. Pure: the runner gathers the observations and applies the findings.

use serde_json::Value;

use super::model::{CheckDef, Severity, Violation, check_def};
use crate::contract::{Profile, Range};

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

/// The call centre and VDN a run knows the target hosts (notes:6.15): every case that does
/// not probe ccId or vdn, the preflight and the relations use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HomePair {
    pub cc_id: i64,
    pub vdn: i64,
}

impl HomePair {
    /// The seed example's own request: `{"ccId":1,"vdn":170,...}`.
    pub const SEED: HomePair = HomePair { cc_id: 1, vdn: 170 };

    /// The home value of `field`.
    pub fn value(&self, field: Field) -> i64 {
        match field {
            Field::CcId => self.cc_id,
            Field::Vdn => self.vdn,
        }
    }
}

/// A request member that names something a server hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    CcId,
    Vdn,
}

impl Field {
    pub const ALL: [Field; 2] = [Field::CcId, Field::Vdn];

    /// The request member's name.
    pub fn member(self) -> &'static str {
        match self {
            Field::CcId => "ccId",
            Field::Vdn => "vdn",
        }
    }

    /// What a server hosts under this member, for messages ("call centres it does not host").
    pub fn hosted(self) -> &'static str {
        match self {
            Field::CcId => "call centres",
            Field::Vdn => "VDNs",
        }
    }

    /// The profile's documented range of the member.
    pub fn range(self, profile: &Profile) -> Range {
        match self {
            Field::CcId => profile.limits.cc_id,
            Field::Vdn => profile.limits.vdn,
        }
    }
}

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
mod tests {
    use super::*;
    use crate::contract::Contract;
    use serde_json::json;

    fn observe(case: &str, field: Field, value: i64, answer: HostedAnswer) -> Observation<'_> {
        Observation {
            case,
            probe: Probe { field, value },
            answer,
        }
    }

    #[test]
    fn probes_are_in_range_values_away_from_home() {
        let contract = Contract::embedded("2025-11").unwrap();
        let profile = contract.profile();
        let home = HomePair::SEED;
        let at = |body: Value| away_from_home(&body, home, profile);
        assert!(at(json!({"ccId": 1, "vdn": 170, "agentIds": [1]})).is_empty());
        assert!(
            at(json!({"ccId": 0, "vdn": 5001})).is_empty(),
            "out of range"
        );
        assert!(
            at(json!({"ccId": "2", "vdn": 170})).is_empty(),
            "wrong type"
        );
        assert_eq!(
            at(json!({"ccId": 65535, "vdn": 2})),
            vec![
                Probe {
                    field: Field::CcId,
                    value: 65535
                },
                Probe {
                    field: Field::Vdn,
                    value: 2
                }
            ]
        );
        let single = |body: Value| single_probe(&body, home, profile);
        assert_eq!(single(json!({"ccId": 65535, "vdn": 2})), None);
        assert_eq!(single(json!({"ccId": 65535, "vdn": 0})), None);
        assert_eq!(
            single(json!({"ccId": 1, "vdn": 5000})),
            Some(Probe {
                field: Field::Vdn,
                value: 5000
            })
        );
    }

    #[test]
    fn a_business_failure_has_a_failure_code_and_no_agents() {
        let contract = Contract::embedded("2023-12").unwrap();
        let profile = contract.profile();
        let failure = json!({"resultCode": "0100001", "resultDesc": "failed"});
        assert!(is_business_failure(profile, 200, Some(&failure)));
        assert!(!is_business_failure(profile, 400, Some(&failure)));
        assert!(!is_business_failure(profile, 200, None));
        let success = json!({"resultCode": "0100000", "resultDesc": []});
        assert!(!is_business_failure(profile, 200, Some(&success)));
        let with_agents = json!({"resultCode": "0100002", "resultDesc": [{"agentId": 1}]});
        assert!(!is_business_failure(profile, 200, Some(&with_agents)));
    }

    #[test]
    fn a_refusal_next_to_an_accepted_neighbour_is_a_boundary_fault() {
        use HostedAnswer::{Accepted, RefusedAsUnknown};
        let observations = [
            observe("boundary::ccId::max_minus_1", Field::CcId, 65534, Accepted),
            observe("boundary::ccId::max", Field::CcId, 65535, RefusedAsUnknown),
            // The neighbour of another member does not count.
            observe("boundary::vdn::max", Field::Vdn, 65533, RefusedAsUnknown),
            // Refused next to refused: a server that hosts neither.
            observe("boundary::vdn::min", Field::Vdn, 1, RefusedAsUnknown),
            observe("boundary::vdn::min_plus_1", Field::Vdn, 2, RefusedAsUnknown),
            // An acceptance two away is no neighbour.
            observe("property::0001", Field::Vdn, 4, Accepted),
            // A neighbour below counts as well as one above.
            observe("property::0002", Field::Vdn, 4999, Accepted),
            observe("boundary::vdn::max", Field::Vdn, 5000, RefusedAsUnknown),
        ];
        let faults = boundary_faults(&observations);
        let indices: Vec<usize> = faults.iter().map(|(i, _)| *i).collect();
        assert_eq!(indices, vec![1, 7]);
        let (_, fault) = &faults[0];
        assert_eq!(fault.check, BOUNDARY_FAULT.id);
        assert!(fault.is_failure());
        assert!(
            fault.message.contains("ccId 65534") && fault.message.contains("max_minus_1"),
            "{}",
            fault.message
        );
        assert!(boundary_faults(&observations[2..5]).is_empty());
        assert!(boundary_faults(&[]).is_empty());
    }

    /// Judges `answer` to a request at `request`, expected to succeed, with `home` known.
    fn judged(request: Value, answer: &str, home: Option<HomePair>) -> Vec<Violation> {
        let contract = Contract::embedded("2023-12").unwrap();
        let now = 1_780_000_000_000;
        let exchange = crate::checks::command::captured_exchange(
            &contract,
            request.to_string().into_bytes(),
            200,
            "application/json",
            answer.as_bytes().to_vec(),
            now,
        );
        let options = crate::checks::CheckOptions {
            now_ms: Some(now),
            clock_skew_ms: 300_000,
            home,
        };
        let expect = crate::checks::Expectation::One(crate::checks::Outcome::Accepted);
        crate::checks::judge(&contract, &exchange, &expect, &options)
    }

    fn checks_of(found: &[Violation]) -> Vec<(&str, bool)> {
        found
            .iter()
            .map(|v| (v.check.as_str(), v.is_failure()))
            .collect()
    }

    #[test]
    fn a_valid_request_away_from_home_may_be_refused_as_unknown() {
        let home = Some(HomePair::SEED);
        let away = json!({"ccId": 65535, "vdn": 170, "agentIds": [1031]});
        let unknown = r#"{"resultCode":"0100001","resultDesc":"call failed"}"#;
        let invalid = r#"{"resultCode":"0100002","resultDesc":"Invalid parameter"}"#;
        let empty = r#"{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[]}"#;
        let found = judged(away.clone(), invalid, home);
        assert_eq!(checks_of(&found), vec![(UNHOSTED.id, false)], "{found:?}");
        assert!(
            found[0].message.contains("ccId 65535"),
            "{}",
            found[0].message
        );
        let found = judged(away.clone(), unknown, home);
        assert!(!found.iter().any(Violation::is_failure), "{found:?}");
        assert!(found.iter().any(|v| v.check == UNHOSTED.id));
        let found = judged(away.clone(), empty, home);
        assert_eq!(checks_of(&found), vec![(UNHOSTED.id, false)], "{found:?}");
        // Without a home pair, or at the home pair, a valid request must succeed.
        let found = judged(away.clone(), invalid, None);
        assert!(found.iter().any(|v| v.check == "CMS-OUT-001"), "{found:?}");
        let at_home = json!({"ccId": 1, "vdn": 170, "agentIds": [1031]});
        let found = judged(at_home.clone(), invalid, home);
        assert!(found.iter().any(|v| v.check == "CMS-OUT-001"), "{found:?}");
        assert!(judged(at_home, empty, home).is_empty());
        // A refusal that carries agent data is no refusal as unknown.
        let with_agents = r#"{"resultCode":"0100001","resultDesc":[{"agentId":1031}]}"#;
        let found = judged(away, with_agents, home);
        assert!(found.iter().any(|v| v.check == "CMS-OUT-001"), "{found:?}");
    }
}
