//! Servers this project did not write whose every answer carries a defect around or inside the
//! interface's JSON, from the first (the preflight's) on: a UTF-8 byte order mark, bytes after
//! the JSON value, a `NaN`. The server answered the request correctly with a body that breaks
//! notes:6.12, so the run is non-conformant (exit 1) with that finding, the preflight recorded
//! as a failed case, and the other cases judged too (not stopped, not skipped).

mod common;

use common::cc_server::{self, BodyDefect, ServerConfig};
use common::runtime;
use serde_json::Value;

/// A default run against a server writing `defect` into every answer; its report.json.
fn run_against(defect: BodyDefect) -> (common::binary::Ran, Value) {
    let runtime = runtime();
    let server = cc_server::start(
        &runtime,
        ServerConfig {
            body_defect: Some(defect),
            ..ServerConfig::default()
        },
    );
    let run = common::binary::run_target(&server.url(), &[]);
    let report = run
        .report
        .unwrap_or_else(|| panic!("no report.json: {}", run.ran));
    (run.ran, report)
}

fn case<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .and_then(|cases| cases.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no case {id} in the report"))
}

fn checks_of(case: &Value) -> Vec<String> {
    case["violations"]
        .as_array()
        .map(|found| {
            found
                .iter()
                .filter_map(|v| v["check"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Exit 1; the preflight and the seed example fail with `check`; most cases are judged.
fn judged_non_conformant(defect: BodyDefect, check: &str) {
    let (ran, report) = run_against(defect);
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(!ran.stderr.contains("target unusable"), "{ran}");
    let preflight = case(&report, "preflight::seed_example");
    assert_eq!(preflight["verdict"], "failed", "{preflight}");
    assert!(
        checks_of(preflight).iter().any(|c| c == check),
        "{preflight}"
    );
    let seed = case(&report, "hand::seed_example");
    assert!(checks_of(seed).iter().any(|c| c == check), "{seed}");
    let cases = report["cases"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    assert!(cases.len() > 100, "{} cases", cases.len());
    // Only the probes beyond the bad-auth budget go unsent, as against any server.
    for skipped in cases.iter().filter(|c| c["verdict"] == "skipped") {
        let why = skipped["error"].as_str().unwrap_or("");
        assert!(why.contains("--auth-probes"), "{skipped}");
    }
    // The agents' data was judged, not only the envelope.
    let agents = &report["meta"]["agents"]["judged_agents"];
    assert_eq!(agents, 300, "{}", report["meta"]["agents"]);
}

#[test]
fn every_answer_with_a_byte_order_mark_is_judged_non_conformant() {
    judged_non_conformant(BodyDefect::Bom, "CMS-JSON-002");
}

#[test]
fn every_answer_with_trailing_bytes_is_judged_non_conformant() {
    judged_non_conformant(BodyDefect::TrailingBytes, "CMS-JSON-004");
}

#[test]
fn every_answer_with_a_nan_is_judged_non_conformant() {
    judged_non_conformant(BodyDefect::NaN, "CMS-JSON-003");
}
