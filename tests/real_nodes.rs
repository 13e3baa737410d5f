//! Two nodes behind a round-robin load balancer (notes:6.16): two in-process mocks with the
//! same fleet whose clocks differ, and a small HTTP proxy on port 0 that sends each request to
//! the next node in turn, as an L7 balancer does. A default run against it is conformant and
//! says how far the nodes disagree; clocks further apart than the tolerance fail the relations.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use predicates::prelude::*;

use cmsconform::contract::Contract;
use cmsconform::mock::{self, MockConfig, RunningMock};

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
        return status(StatusCode::PAYLOAD_TOO_LARGE);
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = balancer
        .client
        .request(parts.method, format!("{node}{path}"))
        .body(body);
    for (name, value) in &parts.headers {
        if name != "content-length" && name != "connection" {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.send().await else {
        return status(StatusCode::BAD_GATEWAY);
    };
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" && name != "connection" {
            response = response.header(name, value);
        }
    }
    match answer.bytes().await {
        Ok(bytes) => response
            .body(Body::from(bytes))
            .unwrap_or_else(|_| status(StatusCode::BAD_GATEWAY)),
        Err(_) => status(StatusCode::BAD_GATEWAY),
    }
}

fn status(code: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = code;
    response
}

/// Two nodes whose clocks are `offsets_ms` apart from the host's, behind a round-robin proxy,
/// all serving until the returned runtime is dropped. Returns the proxy's base URL.
fn balanced_nodes(offsets_ms: [i64; 2]) -> (tokio::runtime::Runtime, Vec<RunningMock>, String) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (nodes, url) = runtime.block_on(async {
        let mut nodes = Vec::new();
        for offset in offsets_ms {
            // Same contract, credentials and seed: the same fleet, only the clock differs.
            let mut config = MockConfig::new(Contract::embedded("2023-12").unwrap());
            config.clock_offset_ms = offset;
            nodes.push(mock::spawn(config, "127.0.0.1:0").await.unwrap());
        }
        let balancer = Arc::new(Balancer {
            nodes: nodes.iter().map(RunningMock::base_url).collect(),
            next: AtomicUsize::new(0),
            client: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(forward).with_state(balancer);
        tokio::spawn(async move { axum::serve(listener, app).await });
        (nodes, url)
    });
    (runtime, nodes, url)
}

fn run_against(target: &str, dir: &std::path::Path, extra: &[&str]) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("cmsconform");
    for (name, _) in std::env::vars() {
        if name.starts_with("CMSCONFORM_") {
            cmd.env_remove(name);
        }
    }
    cmd.current_dir(dir)
        .args(["--log", "error", "run", "--target", target, "--no-progress"])
        .args(["--report-dir", "out"])
        .env("CMSCONFORM_AK", cmsconform::auth::DEFAULT_AK)
        .env("CMSCONFORM_SK", cmsconform::auth::DEFAULT_SK)
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
