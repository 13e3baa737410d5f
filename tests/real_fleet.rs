//! A sparse call centre (issue 17): the crate's mock with `--fleet 31200-31399` (agents exist
//! only there, far from the boundary cases' 101..6100), behind a small front on 127.0.0.1:0
//! (on a runtime owned by the test) that can rewrite one agent's `currentState` to 11, an
//! impossible state, in every answer holding it, and that records which agent IDs each request
//! asked for. A default run of the binary finds the fleet, catches the fault on that agent,
//! and without the fault is conformant and says how many agents it judged; `--agents` sends no
//! scan; too few judged agents are warned about, not failed.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::runtime::Runtime;
use tower::ServiceExt;

use cmsconform::contract::{Contract, Range};
use cmsconform::mock::{self, MockConfig};

const FLEET: Range = Range {
    min: 31200,
    max: 31399,
};
/// The agent the faulty front puts in an impossible state.
const FAULTY_AGENT: i64 = 31277;
const IMPOSSIBLE_STATE: i64 = 11;

/// What one request asked for: its first agent ID, how many, and whether they ran 1 by 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Asked {
    first: i64,
    len: usize,
    contiguous: bool,
}

struct Front {
    mock: axum::Router,
    fault: bool,
    asked: Mutex<Vec<Asked>>,
}

impl Front {
    fn note(&self, body: &[u8]) {
        let Ok(body) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        let Some(ids) = body.get("agentIds").and_then(Value::as_array) else {
            return;
        };
        let ids: Vec<i64> = ids.iter().filter_map(Value::as_i64).collect();
        let Some(&first) = ids.first() else {
            return;
        };
        let asked = Asked {
            first,
            len: ids.len(),
            contiguous: ids.windows(2).all(|w| w[1] == w[0] + 1),
        };
        if let Ok(mut all) = self.asked.lock() {
            all.push(asked);
        }
    }

    /// Whether the scan's `index`-th batch of the 2023-12 range (6000 IDs from 101) was asked.
    fn scanned(&self, index: i64) -> bool {
        let first = 101 + 6000 * index;
        let wanted = Asked {
            first,
            // The range 101..59999 ends in a shorter batch.
            len: usize::try_from((59999 - first + 1).min(6000)).unwrap_or(0),
            contiguous: true,
        };
        self.asked.lock().is_ok_and(|all| all.contains(&wanted))
    }
}

/// The answer with the faulty agent's `currentState` set to 11, wherever it appears.
fn with_fault(body: &[u8]) -> Option<Vec<u8>> {
    let mut json: Value = serde_json::from_slice(body).ok()?;
    let mut changed = false;
    for member in ["resultDatas", "resultDesc"] {
        let Some(agents) = json.get_mut(member).and_then(Value::as_array_mut) else {
            continue;
        };
        for agent in agents {
            if agent.get("agentId").and_then(Value::as_i64) == Some(FAULTY_AGENT) {
                agent["currentState"] = Value::from(IMPOSSIBLE_STATE);
                changed = true;
            }
        }
    }
    changed.then(|| json.to_string().into_bytes())
}

async fn front(State(front): State<Arc<Front>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 2 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    front.note(&bytes);
    let request = Request::from_parts(parts, Body::from(bytes));
    let response = match front.mock.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    if !front.fault {
        return response.into_response();
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 20).await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let bytes = with_fault(&bytes).unwrap_or_else(|| bytes.to_vec());
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// The front and its sparse mock serving on `runtime`.
fn serve(runtime: &Runtime, fault: bool) -> (SocketAddr, Arc<Front>) {
    let contract = Contract::embedded("2023-12").unwrap_or_else(|e| panic!("contract: {e}"));
    let mut config = MockConfig::new(contract);
    config.fleet = vec![FLEET];
    let mock = mock::router(config).unwrap_or_else(|e| panic!("mock router: {e}"));
    let state = Arc::new(Front {
        mock,
        fault,
        asked: Mutex::new(Vec::new()),
    });
    let app = axum::Router::new()
        .fallback(front)
        .with_state(Arc::clone(&state));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    runtime.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, state)
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    report: Value,
    markdown: String,
    html: String,
}

/// The binary's run against `addr` with `extra` flags, from `dir`, reports in it.
fn run(addr: SocketAddr, dir: &Path, extra: &[&str]) -> Ran {
    let mut cmd: Command = assert_cmd::cargo::cargo_bin_cmd!("cmsconform");
    for (name, _) in std::env::vars() {
        if name.starts_with("CMSCONFORM_") {
            cmd.env_remove(name);
        }
    }
    let reports = dir.join("reports");
    let output = cmd
        .current_dir(dir)
        .env("CMSCONFORM_LOG", "error")
        .env("CMSCONFORM_AK", "cmsconform-ak")
        .env("CMSCONFORM_SK", "cmsconform-local-sk")
        .args([
            "run",
            "--target",
            &format!("http://{addr}"),
            "--no-progress",
        ])
        .args(extra)
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let read = |name: &str| {
        std::fs::read_to_string(reports.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        report: serde_json::from_str(&read("report.json"))
            .unwrap_or_else(|e| panic!("report.json: {e}")),
        markdown: read("report.md"),
        html: read("report.html"),
    }
}

impl Ran {
    fn cases(&self) -> Vec<&Value> {
        self.report["cases"]
            .as_array()
            .map(|all| all.iter().collect())
            .unwrap_or_default()
    }

    fn failing(&self) -> Vec<String> {
        self.cases()
            .into_iter()
            .filter(|c| c["verdict"] == "failed")
            .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    fn agents(&self) -> &Value {
        &self.report["meta"]["agents"]
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tail = |text: &str| text.lines().rev().take(30).collect::<Vec<_>>().join("\n");
        write!(
            f,
            "exit {:?}; failing {:?}; agents {}\n--- stdout (last lines, reversed)\n{}\n--- stderr\n{}",
            self.code,
            self.failing(),
            self.agents(),
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

#[test]
fn an_impossible_state_on_an_agent_only_the_scan_finds_is_caught() {
    let runtime = runtime();
    let (addr, front) = serve(&runtime, true);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let ran = run(addr, dir.path(), &[]);
    assert_eq!(ran.code, Some(1), "{ran}");
    // The batch holding 31200..31399 (30101..36100), and its state check on that agent.
    let scan_case = ran
        .cases()
        .into_iter()
        .find(|c| c["id"] == "fleet::0006")
        .unwrap_or_else(|| panic!("no fleet::0006: {ran}"));
    assert_eq!(scan_case["verdict"], "failed", "{ran}");
    let violations = scan_case["violations"].to_string();
    assert!(violations.contains("CMS-AGENT-008"), "{violations}");
    assert!(
        violations.contains(&IMPOSSIBLE_STATE.to_string()),
        "{violations}"
    );
    assert!(front.scanned(5) && front.scanned(9), "{ran}");
    assert_eq!(ran.agents()["fleet_size"], 200, "{ran}");
}

#[test]
fn a_scan_case_reruns_alone_from_its_rerun_line() {
    let runtime = runtime();
    let (addr, _front) = serve(&runtime, true);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    // What the failure summary prints for the scan batch holding the faulty agent.
    let ran = run(
        addr,
        dir.path(),
        &["--no-relations", "--exact", "fleet::0006"],
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    // The scan is sent to know the fleet, but only the case asked for is reported.
    assert_eq!(ran.failing(), ["fleet::0006"], "{ran}");
    assert_eq!(ran.cases().len(), 1, "{ran}");
    assert!(ran.stdout.contains("cases: 0 passed, 1 failed"), "{ran}");
}

#[test]
fn the_sparse_centre_without_the_fault_is_conformant_and_says_what_was_judged() {
    let runtime = runtime();
    let (addr, front) = serve(&runtime, false);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let ran = run(addr, dir.path(), &[]);
    assert_eq!(ran.code, Some(0), "{ran}");
    assert!(
        (0..10).all(|i| front.scanned(i)),
        "the whole range is scanned"
    );
    let agents = ran.agents();
    assert_eq!(agents["fleet_source"], "discovered", "{ran}");
    assert_eq!(agents["fleet_size"], 200, "{ran}");
    assert_eq!(agents["fleet"], "31200-31399", "{ran}");
    assert_eq!(agents["scan_requests"], 10, "{ran}");
    assert_eq!(agents["judged_agents"], 200, "{ran}");
    assert_eq!(agents["warning"], Value::Null, "{ran}");
    assert!(
        ran.stdout
            .contains("fleet: 200 agents found at ccId 1, vdn 170 (31200-31399)"),
        "{ran}"
    );
    assert!(
        ran.stdout.contains("agents judged: 200 distinct agents"),
        "{ran}"
    );
    assert!(
        ran.markdown
            .contains("| Agents judged | 200 distinct agents of a fleet of 200"),
        "{}",
        ran.markdown
    );
    // The property cases aim at the fleet: many of them asked for its agents.
    let aimed = ran
        .cases()
        .into_iter()
        .filter(|c| {
            c["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("property::"))
        })
        .count();
    assert!(aimed > 0, "{ran}");
    let scan_cases = ran
        .cases()
        .into_iter()
        .filter(|c| c["family"] == "fleet")
        .count();
    assert_eq!(scan_cases, 10, "{ran}");
}

#[test]
fn agents_given_send_no_scan_and_thin_agent_data_is_a_warning() {
    let runtime = runtime();
    let (addr, front) = serve(&runtime, false);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let list = dir.path().join("agents.txt");
    std::fs::write(&list, "31200-31299\n31300-31399\n").unwrap_or_else(|e| panic!("{e}"));
    let ran = run(
        addr,
        dir.path(),
        &[
            "--agents",
            &list.display().to_string(),
            "--cases",
            "32",
            "--min-agents",
            "1000",
        ],
    );
    assert_eq!(ran.code, Some(0), "a warning, not a failure: {ran}");
    assert!((0..10).all(|i| !front.scanned(i)), "a scan was sent: {ran}");
    assert!(ran.cases().iter().all(|c| c["family"] != "fleet"), "{ran}");
    let agents = ran.agents();
    assert_eq!(agents["fleet_source"], "given", "{ran}");
    assert_eq!(agents["fleet_size"], 200, "{ran}");
    assert!(
        ran.stdout.contains("fleet: 200 agents given by --agents"),
        "{ran}"
    );
    assert!(
        ran.stderr.contains("warning: the agent rules judged only"),
        "{ran}"
    );
    assert!(
        ran.markdown
            .contains("> **warning:** the agent rules judged only")
    );
    assert!(
        ran.html
            .contains("class=\"agents-warning\"><strong>warning:</strong> the agent rules"),
        "the verdict area of report.html"
    );
    assert!(ran.html.contains("<th>Agents judged</th>"));
}

#[test]
fn a_bad_agents_list_is_a_usage_error_naming_the_token() {
    let mut cmd: Command = assert_cmd::cargo::cargo_bin_cmd!("cmsconform");
    let output = cmd
        .env_remove("CMSCONFORM_AGENTS")
        .args(["run", "--no-report", "--agents", "1000-1199,20x1"])
        .output()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--agents") && stderr.contains("20x1"),
        "{stderr}"
    );
}

#[test]
fn a_bad_mock_fleet_is_a_usage_error_naming_the_token() {
    let mut cmd: Command = assert_cmd::cargo::cargo_bin_cmd!("cmsconform");
    let output = cmd
        .env_remove("CMSCONFORM_MOCK_FLEET")
        .args([
            "mock",
            "--listen",
            "127.0.0.1:0",
            "--fleet",
            "31200-31399,x7",
        ])
        .output()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--fleet") && stderr.contains("x7"),
        "{stderr}"
    );
}
