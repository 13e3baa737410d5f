//! Every hosted call centre it meets (issue 23): against an independent server hosting three
//! call centres (ccId 1..3, VDNs 100..200 each, home 1/170), each with agents of its own, the
//! run sees ccId 2 accepted in `boundary::ccId::min_plus_1` (which asks for the home pair's
//! agents, none of them ccId 2's) and judges ccId 2's agents with an aimed scan. A centre
//! whose data breaks an agent rule is caught and named; a conformant one is listed with its
//! count. The server is tests/common/cc_server, which shares no code with the crate.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::RangeInclusive;
use std::path::Path;

use common::binary::{Ran, run, signed};
use common::cc_server::{self, Centre, RunningServer, ServerConfig};
use serde_json::Value;

fn centre(cc_id: i64, agents: RangeInclusive<i64>, breaks_agent_rule: bool) -> Centre {
    Centre {
        cc_id,
        vdns: 100..=200,
        agents: agents.collect(),
        breaks_agent_rule,
    }
}

/// ccId 1 (home, agents 1000..1299, the seed's 1031 and 1099 among them), ccId 2 (agents
/// 20000..20299, breaking the state rule when asked) and ccId 3 (agents 40000..40249).
fn three_centres(second_breaks: bool) -> ServerConfig {
    ServerConfig {
        centres: vec![
            centre(1, 1000..=1299, false),
            centre(2, 20_000..=20_299, second_breaks),
            centre(3, 40_000..=40_249, false),
        ],
        ..ServerConfig::default()
    }
}

fn run_against(dir: &Path, server: &RunningServer, extra: &[&str]) -> (Ran, Value) {
    let mut cmd = signed(dir);
    cmd.args(["run", "--target", &server.url(), "--seed", "3"])
        .args([
            "--property-cases",
            "16",
            "--no-progress",
            "--report-dir",
            "out",
        ])
        .args(extra);
    let ran = run(&mut cmd);
    let text = std::fs::read_to_string(dir.join("out/report.json"))
        .unwrap_or_else(|e| panic!("report.json: {e}\n{ran}"));
    let report = serde_json::from_str(&text).unwrap_or_else(|e| panic!("report.json: {e}"));
    (ran, report)
}

fn cases(report: &Value) -> Vec<&Value> {
    report["cases"].as_array().into_iter().flatten().collect()
}

fn pairs(report: &Value) -> Vec<&Value> {
    report["meta"]["hosted"]["pairs"]
        .as_array()
        .into_iter()
        .flatten()
        .collect()
}

/// Every hosted scan case went to a pair the run saw accepted: its `seen_in` case is in the
/// report, answered as a success at that pair.
fn every_scan_went_to_a_pair_seen_accepted(report: &Value) {
    let accepted: BTreeSet<(i64, i64)> = pairs(report)
        .into_iter()
        .filter(|pair| {
            cases(report)
                .iter()
                .any(|case| case["id"] == pair["seen_in"] && case["observed"] == "accepted")
        })
        .filter_map(|pair| Some((pair["cc_id"].as_i64()?, pair["vdn"].as_i64()?)))
        .collect();
    for case in cases(report) {
        let id = case["id"].as_str().unwrap_or_default();
        let Some(rest) = id.strip_prefix("hosted::cc") else {
            continue;
        };
        let (cc, vdn) = rest
            .split_once("::")
            .and_then(|(pair, _)| pair.split_once("_vdn"))
            .unwrap_or_else(|| panic!("{id}"));
        let pair = (cc.parse().unwrap(), vdn.parse().unwrap());
        assert!(
            accepted.contains(&pair),
            "{id} went to a pair not seen accepted"
        );
        let body = case["request"]["body"].as_str().unwrap_or_default();
        assert!(
            body.starts_with(&format!("{{\"ccId\":{},\"vdn\":{},", pair.0, pair.1)),
            "{id}: {body:.60}"
        );
    }
}

/// The scan's requests at each pair (from the report), each checked against what the server
/// itself saw: a pair was scanned only after the server had answered a success there, and
/// the scan's requests are the last ones the server got at that pair (nothing else of the run
/// goes there after the cases). Pairs the server never answered a success at got no scan.
fn the_server_saw_each_scan_after_a_success_at_its_pair(
    report: &Value,
    server: &RunningServer,
) -> BTreeMap<(i64, i64), usize> {
    let mut scans: BTreeMap<(i64, i64), usize> = BTreeMap::new();
    for pair in pairs(report) {
        let key = (
            pair["cc_id"].as_i64().unwrap(),
            pair["vdn"].as_i64().unwrap(),
        );
        let requests = pair["requests"].as_u64().unwrap_or(0);
        scans.insert(key, usize::try_from(requests).unwrap());
    }
    let seen = server.stats.seen();
    for (pair, got) in server.stats.pairs() {
        let at_pair: Vec<_> = seen.iter().filter(|s| s.pair == Some(pair)).collect();
        assert_eq!(at_pair.len(), got);
        let scan = scans.get(&pair).copied().unwrap_or(0);
        if scan == 0 {
            continue;
        }
        assert!(
            got > scan,
            "{pair:?}: the scan is not the first request there"
        );
        let before_scan = &at_pair[..got - scan];
        assert!(
            before_scan
                .iter()
                .any(|s| s.status == 200 && s.result_code == Some("0100000")),
            "{pair:?} was scanned before the server accepted a request there: {before_scan:?}"
        );
    }
    for (pair, scan) in &scans {
        if *scan > 0 {
            assert!(server.stats.pairs().contains_key(pair), "{pair:?}");
        }
    }
    scans
}

#[test]
fn a_centre_whose_agents_break_a_rule_is_caught_and_named() {
    let dir = common::tempdir();
    let runtime = common::runtime();
    let server = cc_server::start(&runtime, three_centres(true));
    let (ran, report) = run_against(dir.path(), &server, &[]);
    assert_eq!(ran.code, Some(1), "{ran}");
    let failed: Vec<&str> = cases(&report)
        .into_iter()
        .filter(|c| c["verdict"] == "failed")
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(!failed.is_empty(), "{ran}");
    assert!(
        failed
            .iter()
            .all(|id| id.starts_with("hosted::cc2_vdn170::")),
        "only the aimed scan meets ccId 2's agents: {failed:?}"
    );
    assert!(
        (ran.stdout.lines())
            .any(|l| l.starts_with("test hosted::cc2_vdn170::") && l.ends_with("FAILED")),
        "{ran}"
    );
    assert!(
        ran.stdout.contains("/currentState"),
        "the rule is named\n{ran}"
    );
    let hosted_line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("hosted: "))
        .unwrap_or_else(|| panic!("no hosted line\n{ran}"));
    assert!(
        hosted_line.contains("ccId 2, vdn 170: 300 agents judged")
            && hosted_line.contains("failed; seen in boundary::ccId::min_plus_1"),
        "{hosted_line}"
    );
    let cc2 = pairs(&report)
        .into_iter()
        .find(|p| p["cc_id"] == 2 && p["vdn"] == 170)
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(cc2["judged_agents"], 300);
    assert!(cc2["failed"].as_u64().unwrap_or(0) > 0, "{cc2}");
    // "Agents judged" counts the home fleet's agents; the other pairs' are counted apart,
    // even where their IDs are numbered like the home ones (issue 24).
    let agents = &report["meta"]["agents"];
    assert_eq!(agents["judged_agents"], agents["fleet_size"], "{agents}");
    let elsewhere: u64 = pairs(&report)
        .iter()
        .filter_map(|p| p["judged_agents"].as_u64())
        .sum();
    assert_eq!(agents["judged_outside_fleet"], elsewhere, "{agents}");
    // The rerun of a hosted failure reruns the case that saw its pair accepted.
    let rerun = ran
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("rerun:") && l.contains("min_plus_1"))
        .unwrap_or_else(|| panic!("no rerun line\n{ran}"));
    assert!(
        rerun.ends_with("--exact boundary::ccId::min_plus_1"),
        "{rerun}"
    );
    let markdown = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(
        markdown.contains("| Other call centres judged | ccId 2, vdn 170: 300 agents judged"),
        "{markdown}"
    );
    every_scan_went_to_a_pair_seen_accepted(&report);
    let scans = the_server_saw_each_scan_after_a_success_at_its_pair(&report, &server);
    assert_eq!(scans, BTreeMap::from([((2, 170), 4)]));
    let at_cc2 = server.stats.pairs()[&(2, 170)];
    assert_eq!(at_cc2, 5, "the witness and 4 scan requests");
    let at_cc3 = server
        .stats
        .pairs()
        .keys()
        .filter(|(cc, _)| *cc == 3)
        .count();
    assert_eq!(
        at_cc3, 0,
        "ccId 3 is hosted but no case saw it: nothing is sent there"
    );
    // That rerun line reproduces the failures, under the same ids.
    let words: Vec<&str> = rerun
        .trim_start()
        .trim_start_matches("rerun: ")
        .split(' ')
        .collect();
    let again = dir.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    let mut cmd = signed(&again);
    cmd.args(&words[1..])
        .args(["--no-progress", "--report-dir", "out"]);
    let rerun_ran = run(&mut cmd);
    assert_eq!(rerun_ran.code, Some(1), "{rerun_ran}");
    for id in &failed {
        assert!(
            rerun_ran.stdout.contains(&format!("test {id} ... FAILED")),
            "{id}\n{rerun_ran}"
        );
    }
}

#[test]
fn a_conformant_three_centre_server_is_conformant_and_each_pair_judged_is_listed() {
    let dir = common::tempdir();
    let runtime = common::runtime();
    let server = cc_server::start(&runtime, three_centres(false));
    let (ran, report) = run_against(dir.path(), &server, &[]);
    assert_eq!(ran.code, Some(0), "{ran}");
    let judged: Vec<&Value> = pairs(&report)
        .into_iter()
        .filter(|p| p.get("not_scanned").is_none())
        .collect();
    assert!(!judged.is_empty(), "{ran}");
    let hosted_line = ran
        .stdout
        .lines()
        .find(|l| l.starts_with("hosted: "))
        .unwrap_or_else(|| panic!("no hosted line\n{ran}"));
    for pair in &judged {
        let (cc, vdn) = (&pair["cc_id"], &pair["vdn"]);
        let agents = pair["judged_agents"].as_u64().unwrap_or(0);
        assert!(
            hosted_line.contains(&format!("ccId {cc}, vdn {vdn}: {agents} agents judged")),
            "{hosted_line}"
        );
        assert!(pair["requests"].as_u64().unwrap_or(0) > 0, "{pair}");
    }
    let cc2 = judged
        .iter()
        .find(|p| p["cc_id"] == 2 && p["vdn"] == 170)
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(cc2["judged_agents"], 300, "ccId 2's every agent");
    assert_eq!(cc2["failed"], 0);
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(
        html.contains("ccId 2, vdn 170: 300 agents judged"),
        "report.html"
    );
    every_scan_went_to_a_pair_seen_accepted(&report);
    let scans = the_server_saw_each_scan_after_a_success_at_its_pair(&report, &server);
    assert_eq!(scans, BTreeMap::from([((2, 170), 4)]));
}

/// The fleet scan spends 10 of `--discovery-budget 12`; the hosted scan gets the 2 left,
/// says its count is cut short, and the limit discoveries say the budget left them out.
#[test]
fn the_hosted_scan_spends_only_what_the_discovery_budget_left() {
    let dir = common::tempdir();
    let runtime = common::runtime();
    let server = cc_server::start(&runtime, three_centres(true));
    let (ran, report) = run_against(dir.path(), &server, &["--discovery-budget", "12"]);
    assert_eq!(
        ran.code,
        Some(1),
        "the sample already meets ccId 2's agents\n{ran}"
    );
    assert!(
        ran.stdout
            .contains("10 of 10 scan requests spent from --discovery-budget 12"),
        "{ran}"
    );
    let scans = the_server_saw_each_scan_after_a_success_at_its_pair(&report, &server);
    assert_eq!(scans, BTreeMap::from([((2, 170), 2)]));
    assert_eq!(
        server.stats.pairs()[&(2, 170)],
        3,
        "the witness and 2 scan requests"
    );
    let cc2 = pairs(&report)[0];
    assert_eq!(
        cc2["cut_short"],
        "--discovery-budget spent before hosted::cc2_vdn170::0003 (2 left after the fleet scan)",
        "{cc2}"
    );
    assert!(
        ran.stdout.contains(
            "(2 requests, 1 failed; seen in boundary::ccId::min_plus_1; cut short: \
             --discovery-budget spent before hosted::cc2_vdn170::0003 (2 left after the fleet \
             scan))"
        ),
        "{ran}"
    );
    assert!(
        ran.stdout.contains(
            "relations not run (4): discovery::ccId, discovery::vdn, discovery::agentIds, \
             discovery::agentIds.length: the fleet and hosted scans spent all of \
             --discovery-budget 12"
        ),
        "{ran}"
    );
    every_scan_went_to_a_pair_seen_accepted(&report);
}
