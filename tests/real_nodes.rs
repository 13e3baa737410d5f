//! Two nodes behind a round-robin load balancer (notes:6.16): two in-process mocks with the
//! same fleet whose clocks differ, and a small HTTP proxy on port 0 that sends each request to
//! the next node in turn, as an L7 balancer does. A default run against it is conformant and
//! says how far the nodes disagree; clocks further apart than the tolerance fail the relations.

mod common;
use common::proxy::status_only;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use predicates::prelude::*;

use cmsconform::mock::RunningMock;

/// The largest request the proxy forwards (the contract's body cap is 1 MiB; the harness's
/// oversized-body cases stay well under this).
const MAX_FORWARDED: usize = 64 << 20;

struct Balancer {
    nodes: Vec<String>,
    next: AtomicUsize,
    client: reqwest::Client,
}

/// Forwards the request as it came (method, path, headers including Host, body) to the next
/// node, and its answer back as it came.
async fn forward(State(balancer): State<Arc<Balancer>>, request: Request) -> Response {
    let node =
        &balancer.nodes[balancer.next.fetch_add(1, Ordering::Relaxed) % balancer.nodes.len()];
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_FORWARDED).await else {
        return status_only(StatusCode::PAYLOAD_TOO_LARGE);
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let outgoing = common::proxy::outgoing(
        &balancer.client,
        parts.method,
        format!("{node}{path}"),
        &parts.headers,
        &["content-length", "connection"],
    );
    match common::proxy::relay(outgoing.body(body)).await {
        Some(answer) => answer.into_response(),
        None => status_only(StatusCode::BAD_GATEWAY),
    }
}

/// Two nodes whose clocks are `offsets_ms` apart from the host's, behind a round-robin proxy,
/// all serving until the returned runtime is dropped. Returns the proxy's base URL.
fn balanced_nodes(offsets_ms: [i64; 2]) -> (tokio::runtime::Runtime, Vec<RunningMock>, String) {
    let runtime = common::runtime();
    let nodes: Vec<RunningMock> = offsets_ms
        .into_iter()
        .map(|offset| {
            // Same contract, credentials and seed: the same fleet, only the clock differs.
            let mut config = common::mock_config();
            config.clock_offset_ms = offset;
            common::spawn_mock(&runtime, config)
        })
        .collect();
    let balancer = Arc::new(Balancer {
        nodes: nodes.iter().map(RunningMock::base_url).collect(),
        next: AtomicUsize::new(0),
        client: common::proxy::client(),
    });
    let app = axum::Router::new().fallback(forward).with_state(balancer);
    let url = format!("http://{}", common::proxy::serve(&runtime, app));
    (runtime, nodes, url)
}

fn run_against(target: &str, dir: &std::path::Path, extra: &[&str]) -> Command {
    let mut cmd = common::binary::signed(dir);
    cmd.args(["--log", "error", "run", "--target", target, "--no-progress"])
        .args(["--report-dir", "out"])
        .args(extra);
    cmd
}

#[test]
fn two_nodes_with_clocks_900_ms_apart_are_conformant_and_reported() {
    let (_runtime, _nodes, target) = balanced_nodes([0, 900]);
    let dir = tempfile::tempdir().unwrap();
    let run = run_against(&target, dir.path(), &[])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("relation repetition ... ok"))
        .stdout(predicate::str::contains("info[CMS-REL-007] notes:6.16"));
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();
    // The second node started a moment after the first: a little more than the offset.
    let apart: Vec<i64> = stdout
        .split("nodes disagree by ")
        .skip(1)
        .filter_map(|rest| rest.split(' ').next()?.parse().ok())
        .collect();
    assert!(!apart.is_empty(), "{stdout}");
    assert!(
        apart.iter().all(|ms| (900..2_000).contains(ms)),
        "{apart:?}"
    );
    let report = std::fs::read_to_string(dir.path().join("out/report.json")).unwrap();
    assert!(report.contains("CMS-REL-007"));
}

#[test]
fn two_nodes_with_clocks_5_s_apart_fail_the_relations() {
    let (_runtime, _nodes, target) = balanced_nodes([0, 5_000]);
    let dir = tempfile::tempdir().unwrap();
    run_against(
        &target,
        dir.path(),
        &["--cases", "8", "--discovery-budget", "0"],
    )
    .assert()
    .code(1)
    .stdout(predicate::str::contains("relation repetition ... FAILED"))
    .stdout(predicate::str::contains("logonTime went"))
    .stdout(predicate::str::contains("nodes disagree").not());
}
