//! Every finding counted (issue 24): against an independent server whose home call centre
//! answers `currentState` 11 for every agent (tests/common/cc_server, `breaks_agent_rule`),
//! the cases' big batches hold far more findings than an answer keeps as examples. The exact
//! counts of that defect (cases, answers, agents, findings) are what the server did, and
//! report.json, report.md, report.html, junit.xml and the console all say the same numbers.

mod common;

use std::path::Path;

use common::binary::{Ran, run, signed};
use common::cc_server::{self, Centre, ServerConfig};
use serde_json::Value;

const CHECK: &str = "CMS-AGENT-008";
const PATTERN: &str = "/resultDesc/*/currentState";

/// What the defect touched, as some file says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Touched {
    cases: u64,
    answers: u64,
    agents: u64,
    findings: u64,
    kept: u64,
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The numbers following `before` up to the next non-digit, in order, e.g. from
/// `208 case(s), 208 answer(s), 300 agent(s); 1367 finding(s) (10 kept of 1367 as examples)`.
fn numbers(line: &str) -> Vec<u64> {
    line.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// `N case(s), N answer(s), N agent(s)[;,] N finding(s) (K kept of N as examples)`.
fn touched_in(line: &str) -> Touched {
    let n = numbers(line);
    assert!(n.len() >= 4, "{line}");
    let (findings, kept) = match n.get(4..6) {
        Some(&[kept, all]) => {
            assert_eq!(all, n[3], "{line}");
            (n[3], kept)
        }
        _ => (n[3], n[3]),
    };
    Touched {
        cases: n[0],
        answers: n[1],
        agents: n[2],
        findings,
        kept,
    }
}

#[test]
fn a_rule_broken_on_every_agent_is_counted_exactly_in_every_report() {
    let runtime = common::runtime();
    let server = cc_server::start(
        &runtime,
        ServerConfig {
            centres: vec![Centre {
                breaks_agent_rule: true,
                ..Centre::home()
            }],
            ..ServerConfig::default()
        },
    );
    let dir = common::tempdir();
    // No relation nor property case (nor a shrink of one): every request is one case's, the
    // preflight's included, so the server's own log says what the cases were answered.
    let ran: Ran = run(signed(dir.path())
        .args([
            "run",
            "--target",
            &server.url(),
            "--no-progress",
            "--seed",
            "5",
        ])
        .args(["--no-relations", "--property-cases", "0"])
        .args(["--report-dir", "out"]));
    assert_eq!(ran.code, Some(1), "{ran}");
    let out = dir.path().join("out");

    // What the server did: its successes at the home pair, each answering every agent asked
    // that it has, each agent with state 11.
    let answered: Vec<usize> = (server.stats.seen().iter())
        .filter(|s| s.pair == Some((1, 170)) && s.result_code == Some("0100000") && s.agents > 0)
        .map(|s| s.agents)
        .collect();
    let big = answered.iter().filter(|&&n| n > 10).count();
    assert!(
        big >= 2,
        "the run sent at least two big batches: {answered:?}"
    );
    let server_cases = answered.len() as u64;
    let server_findings: u64 = answered.iter().map(|&n| n as u64).sum();
    let fleet = Centre::home().agents.len() as u64;

    // report.json: the tally, and the sum of every case's kept and not kept findings.
    let report: Value = serde_json::from_str(&read(&out, "report.json")).expect("report.json");
    let tally = report["tallies"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["check"] == CHECK && t["pattern"] == PATTERN)
        .unwrap_or_else(|| panic!("no tally of {CHECK}: {}", report["tallies"]));
    let field = |name: &str| {
        tally[name]
            .as_u64()
            .unwrap_or_else(|| panic!("{name}: {tally}"))
    };
    let json = Touched {
        cases: field("cases"),
        answers: field("answers"),
        agents: field("agents"),
        findings: field("findings"),
        kept: field("kept"),
    };
    assert_eq!(
        (json.cases, json.answers, json.agents, json.findings),
        (server_cases, server_cases, fleet, server_findings),
        "what the server did: {answered:?}"
    );
    assert!(json.kept < json.findings, "{json:?}");
    let mut kept = 0;
    let mut not_kept = 0;
    for case in report["cases"].as_array().expect("cases") {
        let violations = case["violations"].as_array().into_iter().flatten();
        let here: Vec<&Value> = violations.filter(|v| v["check"] == CHECK).collect();
        // report.json stays bounded: an answer keeps at most 10 findings of a check.
        assert!(here.len() <= 10, "{}", case["id"]);
        let counted = case["not_kept"].as_array().into_iter().flatten();
        let more: u64 = counted
            .filter(|n| n["check"] == CHECK && n["pattern"] == PATTERN)
            .filter_map(|n| n["findings"].as_u64())
            .sum();
        if more > 0 {
            // The last one kept says how many the answer had, as the counts do.
            let all = format!(
                "and {more} more finding(s) of {CHECK} in this answer: {} in all",
                here.len() as u64 + more
            );
            let last = here
                .last()
                .and_then(|v| v["message"].as_str())
                .unwrap_or("");
            assert!(last.contains(&all), "{last}");
        }
        kept += here.len() as u64;
        not_kept += more;
    }
    assert_eq!((kept, kept + not_kept), (json.kept, json.findings));
    assert_eq!(report["meta"]["agents"]["judged_agents"], fleet);
    assert_eq!(report["meta"]["agents"]["judged_outside_fleet"], 0);

    // report.md, report.html and the console say the same.
    let md = read(&out, "report.md");
    let heading = format!("### {CHECK} at `{PATTERN}`");
    let entry = md.split(&heading).nth(1).unwrap_or_else(|| panic!("{md}"));
    let line = entry
        .lines()
        .find(|l| l.starts_with("Touched:"))
        .unwrap_or_else(|| panic!("{entry}"));
    assert_eq!(touched_in(line), json, "report.md: {line}");
    let html = read(&out, "report.html");
    // The template escapes `/` as `&#x2f;`.
    let escaped = PATTERN.replace('/', "&#x2f;");
    let section = html
        .split(&format!("<code>{CHECK}</code> at <code>{escaped}</code>"))
        .nth(1);
    let section = section.unwrap_or_else(|| panic!("no {CHECK} group in report.html"));
    let paragraph = section.split("<p>").nth(1).expect("the touched paragraph");
    assert_eq!(touched_in(paragraph), json, "report.html: {paragraph}");
    let block = ran
        .stdout
        .split(&format!("error[{CHECK}]"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {CHECK} block in the console: {ran}"));
    let line = block.lines().nth(1).expect("the counts line");
    assert_eq!(touched_in(line), json, "console: {line}");

    // junit.xml: each failed testcase lists its kept findings and counts the rest.
    let junit = read(&out, "junit.xml");
    let kept_marker = format!("error[{CHECK}] notes:6.6 at /resultDesc/");
    let not_kept_marker = "not kept: ";
    let mut junit_kept = 0;
    let mut junit_all = 0;
    let mut junit_cases = 0;
    for testcase in junit.split("<testcase ").skip(1) {
        let here = testcase.matches(&kept_marker).count() as u64;
        let more: u64 = testcase
            .lines()
            .filter(|l| {
                l.contains(not_kept_marker) && l.contains(&format!("of {CHECK} at {PATTERN}"))
            })
            .map(|l| numbers(l.split(not_kept_marker).nth(1).unwrap_or(""))[0])
            .sum();
        junit_cases += u64::from(here > 0);
        junit_kept += here;
        junit_all += here + more;
    }
    assert_eq!(
        (junit_cases, junit_kept, junit_all),
        (json.cases, json.kept, json.findings),
        "junit.xml"
    );
}
