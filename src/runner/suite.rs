//! The suite of one run: hand-written cases, replayed regressions, the generated boundary set
//! and the seeded property cases, in that order; which authentication probes may be sent; and
//! the hash that identifies the case set in a report. Pure, apart from reading case files.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::config::RunConfig;
use crate::cases::generate::{boundary_cases, property};
use crate::cases::{AuthMode, Case, load_cases};
use crate::contract::DataSource;
use crate::error::Result;

/// Every case of the run, in order, restricted to the run's profile.
pub fn assemble(config: &RunConfig) -> Result<Vec<Case>> {
    let profile = config.profile_name();
    let mut cases: Vec<Case> = load_cases(&config.case_source)?;
    if config.replay_regressions {
        if let Some(dir) = config.regressions_dir.as_ref().filter(|d| d.is_dir()) {
            for case in load_cases(&DataSource::Directory(dir.clone()))? {
                // The file on disk wins over a copy embedded at build time.
                match cases.iter_mut().find(|c| c.id == case.id) {
                    Some(existing) => *existing = case,
                    None => cases.push(case),
                }
            }
        }
    }
    cases.retain(|c| c.applies_to(profile));
    cases.extend(boundary_cases(&config.contract));
    let count = usize::try_from(config.property_cases).unwrap_or(usize::MAX);
    cases.extend(property::property_cases(
        &config.contract,
        config.seed,
        count,
    ));
    Ok(cases)
}

/// A request that spends the run's one bad-auth budget: anything that does not carry the
/// harness's own valid signature ([`crate::cases::CaseRequest::carries_own_signature`]),
/// whether a generated probe, a case file's header edits or a body that is not UTF-8.
pub fn is_probe(case: &Case) -> bool {
    !case.request.carries_own_signature()
}

/// The order in which the budget is spent: the probes that prove most first. No header, then
/// the replay of an accepted signature with another body (notes:3: the signature covers the
/// body); larger budgets add an expired timestamp, an unknown access key, a malformed header
/// and a wrong signature. Any other request without the harness's own signature comes last.
const PROBE_ORDER: [AuthMode; 6] = [
    AuthMode::None,
    AuthMode::Replay,
    AuthMode::ExpiredTimestamp,
    AuthMode::WrongAk,
    AuthMode::Malformed,
    AuthMode::BadSignature,
];

/// An authentication probe beyond the run's budget (not among `allowed`): recorded as
/// skipped, never sent.
pub fn probe_refused(case: &Case, allowed: &HashSet<String>) -> bool {
    is_probe(case) && !allowed.contains(&case.id)
}

/// The probes that may be sent among `will_run` (the cases not filtered out): at most `budget`,
/// the first of each kind in [`PROBE_ORDER`] before any other.
pub fn allowed_probes<'a>(
    will_run: impl Iterator<Item = &'a Case>,
    budget: u32,
) -> HashSet<String> {
    let probes: Vec<&Case> = will_run.filter(|c| is_probe(c)).collect();
    let budget = usize::try_from(budget).unwrap_or(usize::MAX);
    let mut allowed: Vec<&Case> = Vec::new();
    for kind in PROBE_ORDER {
        // Header edits make a "signed" case a probe too; only the generated kinds rank here.
        let of_kind = |c: &&&Case| c.request.auth == kind && kind_alone(c);
        if let Some(first) = probes.iter().find(of_kind) {
            allowed.push(first);
        }
    }
    for probe in &probes {
        if !allowed.iter().any(|a| a.id == probe.id) {
            allowed.push(probe);
        }
    }
    allowed
        .into_iter()
        .take(budget)
        .map(|c| c.id.clone())
        .collect()
}

/// True when the case's `auth` mode alone makes it a probe (no `Authorization` edits).
fn kind_alone(case: &Case) -> bool {
    let mut plain = case.request.clone();
    plain.auth = AuthMode::Signed;
    plain.carries_own_signature()
}

/// SHA-256 over every case id and request, in order: two runs with equal hashes sent the same.
pub fn case_set_hash(cases: &[Case]) -> String {
    // Writing the requests out is most of the work (a body is kept as text and written as
    // JSON), so that part is shared among the cores, a block of cases at a time so that the
    // written requests held at once stay few; the hash takes them in suite order.
    let mut hasher = Sha256::new();
    for block in cases.chunks(4096) {
        let requests = crate::parallel::map_in_order(block, 512, |case| {
            serde_json::to_vec(&case.request).unwrap_or_default()
        });
        for (case, request) in block.iter().zip(&requests) {
            hasher.update(case.id.as_bytes());
            hasher.update(b"\n");
            hasher.update(request);
            hasher.update(b"\n");
        }
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Contract;

    #[test]
    fn the_suite_holds_every_family_once() {
        let config = RunConfig::embedded(Contract::embedded("2023-12").unwrap(), 5, 10);
        let cases = assemble(&config).unwrap();
        for family in ["hand", "boundary", "types", "missing", "extra", "property"] {
            assert!(cases.iter().any(|c| c.family() == family), "{family}");
        }
        let mut ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(n, ids.len());
        assert_eq!(
            case_set_hash(&cases),
            case_set_hash(&assemble(&config).unwrap())
        );
    }

    #[test]
    fn probes_are_one_of_each_kind_then_capped() {
        let config = RunConfig::embedded(Contract::embedded("2023-12").unwrap(), 5, 0);
        let cases = assemble(&config).unwrap();
        let ids = |budget| {
            let mut ids: Vec<String> = allowed_probes(cases.iter(), budget).into_iter().collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(1), ["hand::auth_missing"]);
        assert_eq!(
            ids(2),
            ["hand::auth_missing", "hand::auth_replay_other_body"]
        );
        let five = ids(5);
        for id in [
            "hand::auth_expired_timestamp",
            "hand::auth_wrong_ak",
            "hand::auth_malformed",
        ] {
            assert!(five.contains(&id.to_owned()), "{id} in {five:?}");
        }
        assert!(ids(6).contains(&"hand::auth_bad_signature".to_owned()));
        assert!(ids(7).contains(&"hand::invalid_utf8".to_owned()));
        assert!(ids(0).is_empty());
    }

    #[test]
    fn a_case_that_edits_authorization_or_sends_no_utf8_spends_the_budget() {
        let config = RunConfig::embedded(Contract::embedded("2023-12").unwrap(), 5, 0);
        let cases = assemble(&config).unwrap();
        let probes: Vec<&str> = cases
            .iter()
            .filter(|c| is_probe(c))
            .map(|c| c.id.as_str())
            .collect();
        assert!(probes.contains(&"hand::invalid_utf8"), "{probes:?}");
        let mut dropped = cases[0].clone();
        dropped.request.auth = AuthMode::Signed;
        dropped.request.headers.drop.push("Authorization".into());
        assert!(is_probe(&dropped));
        assert!(!kind_alone(&dropped), "ranked after the generated kinds");
        let signed: Vec<&Case> = cases.iter().filter(|c| !is_probe(c)).collect();
        assert!(signed.iter().any(|c| c.id == "hand::seed_example"));
        assert!(signed.iter().all(|c| c.request.auth == AuthMode::Signed));
    }
}
