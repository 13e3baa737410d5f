//! A server that hosts one call centre and VDN (notes:6.15), at the level of the `cmsconform`
//! binary (issue 14, deliverable 5). An axum front on 127.0.0.1:0, on a runtime owned by the
//! test, hands the crate's mock (its router, in process, so the signed `Host` is the one the
//! client signed) every request at the home pair 1/170 and every invalid one; a valid request
//! at any other in-range ccId or vdn it answers itself, in one of the three ways a real server
//! refuses what it does not host. A default run against each is conformant and says so as
//! information; the same server with one real boundary fault is caught.

mod common;
use common::{runtime, tempdir};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::runtime::Runtime;
use tower::ServiceExt;

use cmsconform::contract::{Contract, SchemaKind};
use cmsconform::mock;

/// How the front answers a valid request at a call centre or VDN it does not host.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    CallFailed,
    InvalidParameter,
    EmptySuccess,
}

impl Refusal {
    fn body(self) -> &'static str {
        match self {
            Refusal::CallFailed => r#"{"resultCode":"0100001","resultDesc":"call failed"}"#,
            Refusal::InvalidParameter => {
                r#"{"resultCode":"0100002","resultDesc":"Invalid parameter"}"#
            }
            Refusal::EmptySuccess => {
                r#"{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[]}"#
            }
        }
    }
}

/// The server's behaviour: what it hosts besides 1/170, how it refuses the rest, and which
/// out-of-range ccId it wrongly accepts (with an empty success).
#[derive(Clone, Copy)]
struct Hosting {
    refusal: Refusal,
    also_hosts_cc_id: Option<i64>,
    accepts_out_of_range_cc_id: Option<i64>,
}

impl Hosting {
    fn only_home(refusal: Refusal) -> Hosting {
        Hosting {
            refusal,
            also_hosts_cc_id: None,
            accepts_out_of_range_cc_id: None,
        }
    }
}

struct Front {
    mock: axum::Router,
    contract: Contract,
    hosting: Hosting,
    /// Requests the front answered itself.
    refused: AtomicUsize,
}

const HOME: (i64, i64) = (1, 170);

impl Front {
    /// The answer the front gives itself to this request, if any.
    fn own_answer(&self, method: &Method, authorised: bool, body: &[u8]) -> Option<&'static str> {
        if method != Method::POST || !authorised {
            return None;
        }
        let body: Value = serde_json::from_slice(body).ok()?;
        let cc_id = body.get("ccId")?.as_i64()?;
        let vdn = body.get("vdn")?.as_i64()?;
        if Some(cc_id) == self.hosting.accepts_out_of_range_cc_id {
            return Some(Refusal::EmptySuccess.body());
        }
        if !self.contract.is_valid(SchemaKind::Request, &body) {
            return None;
        }
        let hosted_cc = cc_id == HOME.0 || Some(cc_id) == self.hosting.also_hosts_cc_id;
        (!hosted_cc || vdn != HOME.1).then(|| self.hosting.refusal.body())
    }
}

async fn front(State(front): State<Arc<Front>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 2 << 20).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let authorised = parts.headers.contains_key(header::AUTHORIZATION);
    if let Some(answer) = front.own_answer(&parts.method, authorised, &bytes) {
        front.refused.fetch_add(1, Ordering::Relaxed);
        return (
            [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
            answer,
        )
            .into_response();
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    match front.mock.clone().oneshot(request).await {
        Ok(response) => response.into_response(),
        Err(never) => match never {},
    }
}

/// The front and its mock serving on `runtime`; returns its address and the refusal counter.
fn serve(runtime: &Runtime, hosting: Hosting) -> (SocketAddr, Arc<Front>) {
    // The default profile, as the default run uses.
    let config = common::mock_config();
    let contract = config.contract.clone();
    let mock = mock::router(config).unwrap_or_else(|e| panic!("mock router: {e}"));
    let state = Arc::new(Front {
        mock,
        contract,
        hosting,
        refused: AtomicUsize::new(0),
    });
    let app = axum::Router::new()
        .fallback(front)
        .with_state(Arc::clone(&state));
    (common::proxy::serve(runtime, app), state)
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    report: Value,
}

/// The binary's default run against `addr`, from a fresh directory, reports in it.
fn default_run(addr: SocketAddr, dir: &Path) -> Ran {
    let reports = dir.join("reports");
    let ran = common::binary::run(
        common::binary::signed(dir)
            .args([
                "run",
                "--target",
                &format!("http://{addr}"),
                "--no-progress",
            ])
            .arg("--report-dir")
            .arg(&reports),
    );
    Ran {
        code: ran.code,
        stdout: ran.stdout,
        stderr: ran.stderr,
        report: common::binary::report_json(&reports),
    }
}

impl Ran {
    fn case(&self, id: &str) -> &Value {
        self.report["cases"]
            .as_array()
            .and_then(|cases| cases.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no case {id} in the report"))
    }

    fn checks(&self, id: &str) -> Vec<(String, String)> {
        self.case(id)["violations"]
            .as_array()
            .map(|all| {
                all.iter()
                    .map(|v| {
                        let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                        (text("check"), text("severity"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn relation_findings(&self, name: &str) -> String {
        self.report["relations"]
            .as_array()
            .and_then(|all| all.iter().find(|r| r["relation"] == name))
            .map(|r| r["findings"].to_string())
            .unwrap_or_else(|| panic!("no relation {name} in the report"))
    }

    fn failing_cases(&self) -> Vec<String> {
        self.report["cases"]
            .as_array()
            .map(|cases| {
                cases
                    .iter()
                    .filter(|c| c["verdict"] == "failed")
                    .map(|c| c["id"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tail = |text: &str| text.lines().rev().take(40).collect::<Vec<_>>().join("\n");
        write!(
            f,
            "exit {:?}; failing cases {:?}\n--- stdout (last lines, reversed)\n{}\n--- stderr\n{}",
            self.code,
            self.failing_cases(),
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

fn assert_conformant_with_unknown_centres(refusal: Refusal) {
    let runtime = runtime();
    let (addr, front) = serve(&runtime, Hosting::only_home(refusal));
    let dir = tempdir();
    let ran = default_run(addr, dir.path());
    assert_eq!(ran.code, Some(0), "{refusal:?}: {ran}");
    assert!(
        front.refused.load(Ordering::Relaxed) > 0,
        "the front refused nothing"
    );
    for id in [
        "boundary::ccId::max",
        "boundary::vdn::min",
        "boundary::vdn::max",
    ] {
        let found = ran.checks(id);
        assert!(
            found.contains(&("CMS-HOST-001".into(), "info".into())),
            "{refusal:?} {id}: {found:?}"
        );
        assert!(
            !found.iter().any(|(check, _)| check == "CMS-OUT-001"),
            "{refusal:?} {id}: {found:?}"
        );
    }
    let cc_discovery = ran.relation_findings("discovery::ccId");
    match refusal {
        // An empty success is no refusal: the limit shows as usual.
        Refusal::EmptySuccess => assert!(
            cc_discovery.contains("max ccId 65535: enforced as documented"),
            "{cc_discovery}"
        ),
        _ => {
            assert!(
                cc_discovery.contains(
                    "limit not observable: the server refuses call centres it does not host"
                ),
                "{refusal:?}: {cc_discovery}"
            );
            assert!(!cc_discovery.contains("enforces max"), "{cc_discovery}");
        }
    }
}

#[test]
fn unknown_centres_refused_with_call_failed_are_information() {
    assert_conformant_with_unknown_centres(Refusal::CallFailed);
}

#[test]
fn unknown_centres_refused_as_invalid_are_information() {
    assert_conformant_with_unknown_centres(Refusal::InvalidParameter);
}

#[test]
fn unknown_centres_answered_with_an_empty_success_are_information() {
    assert_conformant_with_unknown_centres(Refusal::EmptySuccess);
}

#[test]
fn a_refusal_beside_an_accepted_neighbour_is_a_boundary_fault() {
    let runtime = runtime();
    // Hosts 65534 like the home, refuses 65535 as invalid: it enforces max ccId 65534.
    let hosting = Hosting {
        also_hosts_cc_id: Some(65534),
        ..Hosting::only_home(Refusal::InvalidParameter)
    };
    let (addr, _front) = serve(&runtime, hosting);
    let dir = tempdir();
    let ran = default_run(addr, dir.path());
    assert_eq!(ran.code, Some(1), "{ran}");
    assert_eq!(
        ran.case("boundary::ccId::max")["verdict"],
        "failed",
        "{ran}"
    );
    let found = ran.checks("boundary::ccId::max");
    assert!(
        found.contains(&("CMS-HOST-002".into(), "failure".into())),
        "{found:?}"
    );
    assert_eq!(ran.case("boundary::ccId::max_minus_1")["verdict"], "passed");
    assert!(
        ran.stdout.contains("boundary fault: boundary::ccId::max"),
        "{ran}"
    );
    let cc_discovery = ran.relation_findings("discovery::ccId");
    assert!(
        cc_discovery.contains("enforces max 65534"),
        "{cc_discovery}"
    );
    // The other refusals stay information.
    assert_eq!(ran.case("boundary::vdn::max")["verdict"], "passed", "{ran}");
}

#[test]
fn an_accepted_out_of_range_centre_is_still_caught() {
    let runtime = runtime();
    let hosting = Hosting {
        accepts_out_of_range_cc_id: Some(65536),
        ..Hosting::only_home(Refusal::CallFailed)
    };
    let (addr, _front) = serve(&runtime, hosting);
    let dir = tempdir();
    let ran = default_run(addr, dir.path());
    assert_eq!(ran.code, Some(1), "{ran}");
    let found = ran.checks("boundary::ccId::max_plus_1");
    assert!(
        found.contains(&("CMS-OUT-002".into(), "failure".into())),
        "{found:?}"
    );
}
