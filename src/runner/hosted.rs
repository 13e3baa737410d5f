//! The cross-case rule of notes:6.15 applied to a run: which cases vary ccId or vdn away from
//! the home pair (read from the cases before they run), and, once every case has its record,
//! the refusals as unknown that a neighbouring acceptance turns into boundary faults. The rule
//! itself is [`crate::checks::hosted::boundary_faults`]; this file only gathers its input from
//! the records and writes its findings back, so verdicts and the exit code follow.

use std::collections::HashMap;

use crate::cases::{AuthMode, Case};
use crate::cases::{HomePair, Outcome};
use crate::checks::hosted::{self, HostedAnswer, Observation, Probe};
use crate::contract::Contract;
use crate::report::{CaseRecord, Verdict};

/// The cases expected to succeed whose signed request varies exactly one of ccId and vdn away
/// from `home`, by case id.
pub fn probes_of(contract: &Contract, home: HomePair, cases: &[Case]) -> HashMap<String, Probe> {
    cases
        .iter()
        .filter(|case| {
            case.expect.allows(Outcome::Accepted)
                && !case.expect.allows(Outcome::Rejected)
                && case.request.auth == AuthMode::Signed
                && case.request.method.eq_ignore_ascii_case("POST")
        })
        .filter_map(|case| {
            let body = case.request.body.as_ref()?.value();
            let probe = hosted::single_probe(&body, home, contract.profile())?;
            Some((case.id.clone(), probe))
        })
        .collect()
}

/// How a record of a probing case answered, if it says anything about hosting.
fn answer_of(record: &CaseRecord) -> Option<HostedAnswer> {
    match record.observed {
        Some(Outcome::Rejected)
            if record
                .violations
                .iter()
                .any(|v| v.check == hosted::UNHOSTED.id) =>
        {
            Some(HostedAnswer::RefusedAsUnknown)
        }
        Some(Outcome::Accepted) => Some(HostedAnswer::Accepted),
        _ => None,
    }
}

/// Fails every record refused as unknown next to an accepted neighbour (a boundary fault, not
/// an unknown call centre) and returns those records' ids with the finding, for the run to
/// print.
pub fn apply_boundary_faults(
    records: &mut [CaseRecord],
    probes: &HashMap<String, Probe>,
) -> Vec<(String, String)> {
    if probes.is_empty() {
        return Vec::new();
    }
    let faults: Vec<(usize, crate::checks::Violation)> = {
        let (positions, observations): (Vec<usize>, Vec<Observation<'_>>) = records
            .iter()
            .enumerate()
            .filter_map(|(position, record)| {
                let observation = Observation {
                    case: &record.id,
                    probe: *probes.get(&record.id)?,
                    answer: answer_of(record)?,
                };
                Some((position, observation))
            })
            .unzip();
        hosted::boundary_faults(&observations)
            .into_iter()
            .map(|(index, violation)| (positions[index], violation))
            .collect()
    };
    let mut failed = Vec::with_capacity(faults.len());
    for (position, violation) in faults {
        let Some(record) = records.get_mut(position) else {
            continue;
        };
        failed.push((record.id.clone(), violation.to_string()));
        record.violations.push(violation);
        record.verdict = Verdict::Failed;
    }
    failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::generate::boundary_cases;
    use crate::checks::Violation;

    fn record(id: &str, observed: Outcome, unhosted: bool) -> CaseRecord {
        let json = serde_json::json!({
            "id": id, "title": id, "family": "boundary", "clause": "seed:table2:ccId",
            "verdict": "passed", "expected": "accepted", "observed": observed, "duration_ms": 1.0,
        });
        let mut record: CaseRecord = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        if unhosted {
            record
                .violations
                .push(Violation::new(&hosted::UNHOSTED, "", "refused"));
        }
        record
    }

    #[test]
    fn the_boundary_cases_probe_one_member_each() {
        let contract = Contract::embedded("2023-12").unwrap();
        let cases = boundary_cases(&contract, HomePair::SEED);
        let probes = probes_of(&contract, HomePair::SEED, &cases);
        let probe = |id: &str| probes.get(id).copied();
        assert_eq!(
            probe("boundary::ccId::max").map(|p| p.value),
            Some(contract.profile().limits.cc_id.max)
        );
        assert!(probe("boundary::ccId::min").is_none(), "the home ccId is 1");
        assert!(probe("boundary::ccId::min_plus_1").is_some());
        assert!(probe("boundary::vdn::min").is_some());
        assert!(
            probe("boundary::ccId::max_plus_1").is_none(),
            "out of range"
        );
        assert!(probe("boundary::agentIds::len_1").is_none(), "at home");
    }

    #[test]
    fn a_refusal_beside_an_accepted_neighbour_fails_its_record() {
        let contract = Contract::embedded("2023-12").unwrap();
        let cases = boundary_cases(&contract, HomePair::SEED);
        let probes = probes_of(&contract, HomePair::SEED, &cases);
        let mut records = vec![
            record("boundary::ccId::max_minus_1", Outcome::Accepted, false),
            record("boundary::ccId::max", Outcome::Rejected, true),
            record("boundary::vdn::max_minus_1", Outcome::Rejected, true),
            record("boundary::vdn::max", Outcome::Rejected, true),
            record("hand::seed_example", Outcome::Accepted, false),
        ];
        let failed = apply_boundary_faults(&mut records, &probes);
        assert_eq!(failed.len(), 1, "{failed:?}");
        assert_eq!(failed[0].0, "boundary::ccId::max");
        assert_eq!(records[1].verdict, Verdict::Failed);
        assert!(
            records[1]
                .violations
                .iter()
                .any(|v| v.check == hosted::BOUNDARY_FAULT.id && v.is_failure())
        );
        for untouched in [0, 2, 3, 4] {
            assert_eq!(records[untouched].verdict, Verdict::Passed, "{untouched}");
        }
    }
}
