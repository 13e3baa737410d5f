//! Unit tests of the hosted scans: which pairs count as seen accepted, and that the scan sends
//! to those pairs alone, within the cap, the budget and the selection.

use super::*;
use crate::cases::generate::boundary_cases;
use crate::cases::{AuthMode, Expectation};
use crate::report::ResponseRecord;
use crate::runner::{Selection, Silent};

fn contract() -> Contract {
    Contract::embedded("2023-12").unwrap()
}

fn case(id: &str, body: Value) -> Case {
    Case {
        id: id.into(),
        title: id.into(),
        clause: "seed:request".into(),
        tags: Vec::new(),
        profiles: None,
        expect: Expectation::One(Outcome::Accepted),
        request: CaseRequest::json(body),
        notes: None,
        origin: CaseOrigin::Generated,
    }
}

fn at(cc_id: i64, vdn: i64) -> Value {
    json!({"ccId": cc_id, "vdn": vdn, "agentIds": [1031]})
}

fn record(id: &str, verdict: Verdict, observed: Option<Outcome>) -> CaseRecord {
    let json = json!({
        "id": id, "title": id, "family": "boundary", "clause": "seed:request",
        "verdict": verdict, "expected": "accepted", "observed": observed, "duration_ms": 1.0,
    });
    let mut record: CaseRecord = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
    if verdict != Verdict::Passed && observed.is_some() {
        record.response = Some(ResponseRecord::default());
    }
    record
}

#[test]
fn the_pairs_are_read_from_signed_requests_away_from_home() {
    let contract = contract();
    let mut probe = case("hand::auth_missing", at(7, 170));
    probe.request.auth = AuthMode::None;
    let cases = vec![
        case("hand::seed_example", at(1, 170)),
        case("boundary::ccId::min_plus_1", at(2, 170)),
        case("boundary::ccId::max_plus_1", at(65536, 170)),
        case(
            "types::ccId::string",
            json!({"ccId": "2", "vdn": 170, "agentIds": [1031]}),
        ),
        case("property::0001", at(40000, 4999)),
        probe,
    ];
    let pairs = pairs_of(&contract, HomePair::SEED, &cases);
    let mut found: Vec<(&str, Pair)> = pairs.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("boundary::ccId::min_plus_1", Pair { cc_id: 2, vdn: 170 }),
            (
                "property::0001",
                Pair {
                    cc_id: 40000,
                    vdn: 4999
                }
            ),
        ]
    );
    // The generated boundary cases name the home pair's neighbours.
    let boundary = pairs_of(
        &contract,
        HomePair::SEED,
        &boundary_cases(&contract, HomePair::SEED),
    );
    assert_eq!(
        boundary.get("boundary::ccId::min_plus_1"),
        Some(&Pair { cc_id: 2, vdn: 170 })
    );
}

#[test]
fn only_a_success_answer_shows_a_pair_hosted() {
    let pair = |cc_id| Pair { cc_id, vdn: 170 };
    let pairs: HashMap<String, Pair> = [
        ("a", pair(2)),
        ("b", pair(2)),
        ("refused", pair(4)),
        ("skipped", pair(5)),
        ("no_answer", pair(6)),
        ("failed_success", pair(8)),
    ]
    .into_iter()
    .map(|(id, p)| (id.to_owned(), p))
    .collect();
    let records = vec![
        record("refused", Verdict::Passed, Some(Outcome::Rejected)),
        record("skipped", Verdict::Skipped, Some(Outcome::Accepted)),
        record("no_answer", Verdict::Failed, None),
        record("a", Verdict::Passed, Some(Outcome::Accepted)),
        record("b", Verdict::Passed, Some(Outcome::Accepted)),
        // A success that broke a rule is a success all the same: the pair is hosted.
        record("failed_success", Verdict::Failed, Some(Outcome::Accepted)),
        record("home", Verdict::Passed, Some(Outcome::Accepted)),
    ];
    assert_eq!(
        accepted(&pairs, &records),
        [
            (pair(2), "a".to_owned()),
            (pair(8), "failed_success".to_owned())
        ]
    );
}

#[test]
fn the_steps_ask_the_fleet_the_sample_and_the_rest_around_its_hits() {
    let contract = contract();
    let none = BTreeSet::new();
    assert!(Step::Fleet.ids(&contract, &[], &none, &none).is_empty());
    assert_eq!(
        Step::Fleet.ids(&contract, &[5, 1031, 1099], &none, &none),
        [1031, 1099],
        "IDs out of range are left out"
    );
    let sample = Step::Sample(0).ids(&contract, &[], &none, &none);
    assert!(sample.len() > 5900 && sample[0] == 103, "{}", sample.len());
    let asked: BTreeSet<i64> = sample.iter().copied().collect();
    let around = Step::Around.ids(&contract, &[], &asked, &[31203].into());
    assert_eq!(
        around,
        (31199..=31207)
            .filter(|id| *id != 31203)
            .collect::<Vec<_>>()
    );
    assert_eq!(Step::ALL.len() as u64, SAMPLE_BATCHES + 2);
    assert_eq!(
        case_id(Pair { cc_id: 2, vdn: 170 }, 0),
        "hosted::cc2_vdn170::0001"
    );
}

/// The scan against the embedded mock, through a real session: what it sent, by pair.
fn scan_of(config: &RunConfig, seen: Vec<(Pair, String)>) -> HostedScan {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let session = Session::start(config, &runtime).unwrap();
    runtime.block_on(scan(&session, config, seen, &Silent))
}

/// The same against a mock whose agents are 31200..31399 alone, at every pair: a sparse
/// centre, as a real one is.
fn sparse_scan_of(config: &RunConfig, seen: Vec<(Pair, String)>) -> HostedScan {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mut mock = crate::mock::MockConfig::new(config.contract.clone());
    mock.creds = config.client.creds.clone();
    mock.fleet = vec![crate::contract::Range {
        min: 31_200,
        max: 31_399,
    }];
    let running = runtime
        .block_on(crate::mock::spawn(mock, "127.0.0.1:0"))
        .unwrap();
    let mut remote = config.clone();
    remote.target = crate::runner::Target::Remote {
        base_url: running.base_url(),
    };
    let session = Session::start(&remote, &runtime).unwrap();
    runtime.block_on(scan(&session, &remote, seen, &Silent))
}

/// The pairs of the requests sent, read from the bodies as recorded (a large one is cut to an
/// excerpt: its start names the pair).
fn sent_pairs(found: &HostedScan) -> BTreeSet<Pair> {
    let member = |body: &str, name: &str| -> Option<i64> {
        let rest = &body[body.find(&format!("\"{name}\":"))? + name.len() + 3..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    };
    found
        .records
        .iter()
        .map(|r| {
            let body = &r.request.as_ref().expect("sent").body;
            Pair {
                cc_id: member(body, "ccId").expect("a ccId"),
                vdn: member(body, "vdn").expect("a vdn"),
            }
        })
        .collect()
}

#[test]
fn nothing_is_sent_to_a_pair_not_seen_accepted() {
    let contract = contract();
    let mut config = RunConfig::embedded(contract.clone(), 1, 0);
    config.discovery_budget = 256;
    // Fewer agents than enough: the scan takes every step.
    config.fleet = (1000..1100).collect();
    let cases = vec![
        case("boundary::ccId::min_plus_1", at(2, 170)),
        case("boundary::vdn::min", at(1, 1)),
        case("boundary::vdn::max", at(1, 5000)),
    ];
    let pairs = pairs_of(&contract, HomePair::SEED, &cases);
    let records = vec![
        record(
            "boundary::ccId::min_plus_1",
            Verdict::Passed,
            Some(Outcome::Accepted),
        ),
        record(
            "boundary::vdn::min",
            Verdict::Passed,
            Some(Outcome::Rejected),
        ),
        record("boundary::vdn::max", Verdict::Failed, None),
    ];
    let seen = accepted(&pairs, &records);
    let found = sparse_scan_of(&config, seen.clone());
    assert_eq!(sent_pairs(&found), [Pair { cc_id: 2, vdn: 170 }].into());
    assert_eq!(found.records.len(), 4, "the fleet, the sample, the rest");
    assert_eq!(found.spent, 4);
    let ids: Vec<&str> = found.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["0001", "0002", "0003", "0004"].map(|n| format!("hosted::cc2_vdn170::{n}"))
    );
    let pair = &found.coverage.pairs[0];
    assert_eq!(
        (pair.requests, pair.failed, pair.not_scanned.as_deref()),
        (4, 0, None)
    );
    assert_eq!(pair.judged_agents, 200, "the sparse centre's every agent");
    // A server with agents at nearly every ID: one sample judges enough of them.
    let dense = scan_of(&config, seen);
    assert_eq!(dense.records.len(), 2, "the fleet, then one sample");
    assert!(dense.coverage.pairs[0].judged_agents as usize >= ENOUGH_AGENTS);
    // Its rerun reruns the case that saw the pair accepted.
    let rerun = &found.records[0].reproduce.as_ref().unwrap().command;
    assert!(
        rerun.ends_with("--exact boundary::ccId::min_plus_1"),
        "{rerun}"
    );
    assert!(scan_of(&config, Vec::new()).records.is_empty());
}

#[test]
fn the_cap_the_budget_and_the_selection_bound_the_scan() {
    let mut config = RunConfig::embedded(contract(), 1, 0);
    let seen: Vec<(Pair, String)> = (2..=11)
        .map(|cc_id| (Pair { cc_id, vdn: 170 }, format!("property::{cc_id:04}")))
        .collect();
    config.discovery_budget = 5;
    let found = sparse_scan_of(&config, seen.clone());
    assert_eq!(
        found.spent, 5,
        "no fleet: 3 requests for the first pair, 2 for the next"
    );
    let not_scanned: Vec<Option<&str>> = (found.coverage.pairs.iter())
        .map(|p| p.not_scanned.as_deref())
        .collect();
    assert_eq!(not_scanned.len(), 10);
    assert_eq!(&not_scanned[..2], &[None, None]);
    assert_eq!(
        not_scanned[2],
        Some("--discovery-budget spent before it (5 left after the fleet scan)")
    );
    assert_eq!(not_scanned[9], Some("at most 8 pairs are scanned"));
    let cut_short: Vec<Option<&str>> = (found.coverage.pairs.iter().take(2))
        .map(|p| p.cut_short.as_deref())
        .collect();
    assert_eq!(
        cut_short,
        [
            None,
            Some(
                "--discovery-budget spent before hosted::cc3_vdn170::0004 (5 left after the fleet scan)"
            )
        ],
        "the second pair's scan stopped with IDs left to ask"
    );
    config.discovery_budget = 256;
    config.selection = Selection {
        skip: vec!["hosted::cc3_".into()],
        ..Selection::everything()
    };
    let found = scan_of(&config, seen[..2].to_vec());
    assert_eq!(sent_pairs(&found), [Pair { cc_id: 2, vdn: 170 }].into());
    assert_eq!(
        found.coverage.pairs[1].not_scanned.as_deref(),
        Some("the selection left its scan out")
    );
    config.selection = Selection {
        filter: Some("hosted::cc3_vdn170::0002".into()),
        exact: true,
        ..Selection::everything()
    };
    let found = sparse_scan_of(&config, seen[..2].to_vec());
    let ids: Vec<&str> = found.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["hosted::cc3_vdn170::0002"],
        "without a fleet, the first sample"
    );
}
