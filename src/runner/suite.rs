//! The suite of one run: hand-written cases, replayed regressions, the generated boundary set
//! and the seeded property cases, in that order; which authentication probes may be sent; and
//! the hash that identifies the case set in a report. Pure, apart from reading case files.

use std::collections::HashSet;

use sha2::{Digest, Sha256};

use super::config::{HomePair, RunConfig};
use crate::cases::generate::{boundary_cases, property};
use crate::cases::{AmbiguousSigning, AuthMode, Case, JsonBody, load_cases};
use crate::contract::DataSource;
use crate::error::Result;

/// Every case of the run, in order, restricted to the run's profile.
pub fn assemble(config: &RunConfig) -> Result<Vec<Case>> {
    let profile = config.profile_name();
    let mut cases: Vec<Case> = load_cases(&config.case_source)?;
    if let Some(dir) = config.replay_dir.as_ref().filter(|d| d.is_dir()) {
        for case in load_cases(&DataSource::Directory(dir.clone()))? {
            // The file on disk wins over a copy embedded at build time.
            match cases.iter_mut().find(|c| c.id == case.id) {
                Some(existing) => *existing = case,
                None => cases.push(case),
            }
        }
    }
    cases.retain(|c| c.applies_to(profile));
    if config.home != HomePair::SEED {
        for case in &mut cases {
            move_home(case, config.home);
        }
    }
    cases.extend(boundary_cases(&config.contract, config.home));
    let count = usize::try_from(config.property_cases).unwrap_or(usize::MAX);
    cases.extend(property::property_cases(
        &config.contract,
        config.seed,
        count,
        config.home,
        &config.fleet,
    ));
    Ok(cases)
}

/// A case file written for the seed example's call centre goes to the run's home pair: a
/// JSON `body` member `ccId` of 1 becomes the home ccId, a `vdn` of 170 the home vdn (each on
/// its own, so a case probing one member keeps its probe). A `rawBody` is sent as written:
/// its bytes are what it tests.
fn move_home(case: &mut Case, home: HomePair) {
    let Some(body) = &case.request.body else {
        return;
    };
    let mut value = body.value();
    let Some(members) = value.as_object_mut() else {
        return;
    };
    let mut moved = false;
    for (member, seed, to) in [
        ("ccId", HomePair::SEED.cc_id, home.cc_id),
        ("vdn", HomePair::SEED.vdn, home.vdn),
    ] {
        if let Some(slot) = members.get_mut(member).filter(|v| v.as_i64() == Some(seed)) {
            *slot = serde_json::Value::from(to);
            moved = true;
        }
    }
    if moved {
        case.request.body = Some(JsonBody::new(&value));
    }
}

/// A request that spends the run's one bad-auth budget: anything that does not carry the
/// harness's own valid signature, read one way by every correct server
/// ([`crate::cases::CaseRequest::carries_own_signature`]): a generated probe, a case file's
/// header edits, or a signed body that is empty or not UTF-8 (notes:3 readings differ).
pub fn is_probe(case: &Case) -> bool {
    !case.request.carries_own_signature()
}

/// One rank of [`PROBE_ORDER`]: what it is, and which cases are of it.
type ProbeRank = (&'static str, fn(&Case) -> bool);

/// The order in which the budget is spent, the probes that prove most first; the first case
/// of each rank, then any other probe. The default budget of 2 sends the first two:
/// 1. the replay of the preflight's accepted signature with another body (notes:3: the
///    signature covers the body, and a server that caches verified signatures is a hole);
/// 2. the empty body, signed as the harness reads notes:3 (a request every server must
///    refuse, notes:6.1, and the one most often signed the other way);
/// 3. no `Authorization` at all;
/// 4. another request whose signing is read two ways (a body that is not UTF-8, a GET without
///    a body);
/// 5. an expired timestamp, an unknown access key, a malformed header, a wrong signature.
const PROBE_ORDER: [ProbeRank; 8] = [
    ("replay", |c| kind_alone(c, AuthMode::Replay)),
    ("empty body", |c| {
        c.request.method == "POST"
            && c.request.ambiguous_signing() == Some(AmbiguousSigning::EmptyBody)
    }),
    ("no Authorization", |c| kind_alone(c, AuthMode::None)),
    ("ambiguous signing", |c| {
        c.request.ambiguous_signing().is_some()
    }),
    ("expired", |c| kind_alone(c, AuthMode::ExpiredTimestamp)),
    ("wrong AK", |c| kind_alone(c, AuthMode::WrongAk)),
    ("malformed", |c| kind_alone(c, AuthMode::Malformed)),
    ("bad signature", |c| kind_alone(c, AuthMode::BadSignature)),
];

/// An authentication probe beyond the run's budget (not among `allowed`): recorded as
/// skipped, never sent.
pub fn probe_refused(case: &Case, allowed: &HashSet<String>) -> bool {
    is_probe(case) && !allowed.contains(&case.id)
}

/// The probes that may be sent among `will_run` (the cases not filtered out): at most `budget`,
/// the first of each rank in `PROBE_ORDER` before any other.
pub fn allowed_probes<'a>(
    will_run: impl Iterator<Item = &'a Case>,
    budget: u32,
) -> HashSet<String> {
    let probes: Vec<&Case> = will_run.filter(|c| is_probe(c)).collect();
    let budget = usize::try_from(budget).unwrap_or(usize::MAX);
    let mut allowed: Vec<&Case> = Vec::new();
    for (_, of_rank) in PROBE_ORDER {
        let first = probes
            .iter()
            .find(|c| of_rank(c) && !allowed.iter().any(|a| a.id == c.id));
        if let Some(first) = first {
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

/// True when the case is a probe of `kind` for its `auth` mode alone: no `Authorization` edits
/// and a body signed one way (a case file's edits rank after the generated kinds).
fn kind_alone(case: &Case, kind: AuthMode) -> bool {
    let mut plain = case.request.clone();
    plain.auth = AuthMode::Signed;
    case.request.auth == kind && plain.carries_own_signature()
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
    fn case_files_follow_the_home_pair() {
        let contract = Contract::embedded("2023-12").unwrap();
        let mut config = RunConfig::embedded(contract, 5, 0);
        let at_seed = assemble(&config).unwrap();
        config.home = HomePair { cc_id: 3, vdn: 300 };
        let moved = assemble(&config).unwrap();
        assert_eq!(at_seed.len(), moved.len());
        let body = |cases: &[Case], id: &str| {
            let case = cases.iter().find(|c| c.id == id).unwrap();
            case.request.body.as_ref().map(JsonBody::value)
        };
        let seed_example = body(&moved, "hand::seed_example").unwrap();
        assert_eq!(
            (&seed_example["ccId"], &seed_example["vdn"]),
            (&3.into(), &300.into())
        );
        assert_eq!(seed_example["agentIds"], serde_json::json!([1031, 1099]));
        for case in at_seed.iter().filter(|c| c.family() == "hand") {
            let (before, after) = (body(&at_seed, &case.id), body(&moved, &case.id));
            let (Some(before), Some(after)) = (before, after) else {
                let raw = |cases: &[Case]| {
                    let c = cases.iter().find(|c| c.id == case.id).unwrap();
                    c.request.body_bytes()
                };
                assert_eq!(
                    raw(&at_seed),
                    raw(&moved),
                    "{}: raw bodies are kept",
                    case.id
                );
                continue;
            };
            for (member, seed, home) in [("ccId", 1, 3), ("vdn", 170, 300)] {
                match before.get(member) {
                    Some(v) if v == &serde_json::Value::from(seed) => {
                        assert_eq!(after[member], home, "{}", case.id)
                    }
                    other => assert_eq!(after.get(member), other, "{}", case.id),
                }
            }
        }
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
        assert_eq!(ids(1), ["hand::auth_replay_other_body"]);
        assert_eq!(ids(2), ["hand::auth_replay_other_body", "hand::empty_body"]);
        assert!(ids(3).contains(&"hand::auth_missing".to_owned()));
        let four = ids(4);
        assert!(
            four.contains(&"hand::invalid_utf8".to_owned())
                || four.contains(&"hand::method_get".to_owned()),
            "{four:?}"
        );
        let seven = ids(7);
        for id in [
            "hand::auth_expired_timestamp",
            "hand::auth_wrong_ak",
            "hand::auth_malformed",
        ] {
            assert!(seven.contains(&id.to_owned()), "{id} in {seven:?}");
        }
        assert!(ids(8).contains(&"hand::auth_bad_signature".to_owned()));
        let all = ids(100);
        for id in ["hand::invalid_utf8", "hand::method_get", "hand::empty_body"] {
            assert!(all.contains(&id.to_owned()), "{id} is a probe: {all:?}");
        }
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
        assert!(
            !kind_alone(&dropped, AuthMode::Signed),
            "ranked after the generated kinds"
        );
        let signed: Vec<&Case> = cases.iter().filter(|c| !is_probe(c)).collect();
        assert!(signed.iter().any(|c| c.id == "hand::seed_example"));
        assert!(signed.iter().all(|c| c.request.auth == AuthMode::Signed));
    }
}
