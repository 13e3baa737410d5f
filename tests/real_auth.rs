//! Authentication against servers that behave like real deployments (issue 14): the crate's mock
//! on 127.0.0.1:0, behind a small recording proxy where a test needs to count what reached the
//! server or to make the server misbehave (cache verified signatures, accept a signature made
//! over another body, start refusing the run's credentials). Each test drives the binary.

mod common;
use common::binary::{Ran, files_below, signed_with, trial_counts, trial_line};
use common::{runtime, tempdir};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::runtime::Runtime;

use cmsconform::auth::{self, Credentials, VerifyInput};

/// How the proxy in front of the mock behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Forwards every request as it came.
    Faithful,
    /// Remembers every `Authorization` the mock accepted; when one comes again it signs the
    /// request anew (correctly) before forwarding: a server that caches verified signatures.
    CachesSignatures,
    /// A signature that does not verify over this request's body but does over the body of a
    /// request accepted before is taken as valid (re-signed before forwarding): a server whose
    /// check does not bind the signature to the body it came with.
    BodyBlind,
    /// Answers 401 to everything after this many requests: a server that stops accepting the
    /// run's credentials mid-run.
    RefusesAfter(usize),
}

/// One request as the proxy saw it, and the status it answered.
#[derive(Clone, Debug)]
struct Seen {
    authorization: Option<String>,
    status: u16,
}

struct Proxy {
    behaviour: Behaviour,
    upstream: String,
    http: reqwest::Client,
    creds: Credentials,
    seen: Mutex<Vec<Seen>>,
    /// `Authorization` values and bodies the mock accepted (answered other than 401).
    accepted: Mutex<Vec<(String, Vec<u8>)>>,
}

/// The mock (local default credentials, `lockout`) behind a proxy; returns the proxy.
fn serve(
    runtime: &Runtime,
    behaviour: Behaviour,
    lockout: Option<(u32, Duration)>,
) -> (SocketAddr, Arc<Proxy>) {
    let mut config = common::mock_config();
    config.lockout = lockout;
    let creds = config.creds.clone();
    let running = common::spawn_mock(runtime, config);
    let proxy = Arc::new(Proxy {
        behaviour,
        upstream: running.base_url(),
        http: common::proxy::client(),
        creds,
        seen: Mutex::new(Vec::new()),
        accepted: Mutex::new(Vec::new()),
    });
    // The mock serves as long as the runtime runs.
    std::mem::forget(running);
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&proxy));
    (common::proxy::serve(runtime, app), proxy)
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Does `authorization` verify for this request had it carried `body`?
fn verifies(proxy: &Proxy, authorization: &str, request: &Request, body: &[u8]) -> bool {
    let headers = request.headers();
    let lookup = |name: &str| header(headers, name);
    let now = cmsconform::clock::now_secs();
    auth::verify(
        Some(authorization),
        &proxy.creds,
        &VerifyInput {
            method: request.method().as_str(),
            path: request.uri().path(),
            query: request.uri().query(),
            header: &lookup,
            body,
            now_epoch_secs: now,
            max_skew_secs: 15 * 60,
        },
    )
    .is_ok()
}

/// A correct signature (over `host`) for this request and `body`.
fn sign_anew(proxy: &Proxy, request: &Request, body: &[u8]) -> String {
    let host = header(request.headers(), "host").unwrap_or_default();
    let now = cmsconform::clock::now_secs();
    auth::authorization(
        &proxy.creds,
        &auth::format_timestamp(now),
        &auth::SigningInput {
            method: request.method().as_str(),
            path: request.uri().path(),
            query: request.uri().query(),
            headers: &[("host", &host)],
            body,
        },
    )
}

async fn forward(State(proxy): State<Arc<Proxy>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 8 << 20)
        .await
        .unwrap_or_default();
    let request = Request::from_parts(parts, axum::body::Body::empty());
    let given = header(request.headers(), "authorization");
    let count = proxy.seen.lock().map_or(0, |s| s.len());
    if let Behaviour::RefusesAfter(n) = proxy.behaviour {
        if count >= n {
            record(&proxy, given, 401);
            let body = r#"{"status":401,"error":"Unauthorized","message":"refused"}"#;
            return (StatusCode::UNAUTHORIZED, body).into_response();
        }
    }
    let mut authorization = given.clone();
    if let Some(value) = &given {
        let accepted = proxy.accepted.lock().map(|a| a.clone()).unwrap_or_default();
        let resign = match proxy.behaviour {
            Behaviour::CachesSignatures => accepted.iter().any(|(a, _)| a == value),
            Behaviour::BodyBlind => {
                !verifies(&proxy, value, &request, &body)
                    && accepted
                        .iter()
                        .any(|(_, other)| verifies(&proxy, value, &request, other))
            }
            _ => false,
        };
        if resign {
            authorization = Some(sign_anew(&proxy, &request, &body));
        }
    }
    let mut upstream = common::proxy::outgoing(
        &proxy.http,
        request.method().clone(),
        format!("{}{}", proxy.upstream, request.uri()),
        request.headers(),
        &["content-length", "authorization", "connection"],
    );
    if let Some(value) = &authorization {
        upstream = upstream.header("authorization", value);
    }
    let Some(answer) = common::proxy::relay(upstream.body(body.clone())).await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status.as_u16();
    if status != 401 {
        if let (Some(value), Ok(mut accepted)) = (&given, proxy.accepted.lock()) {
            accepted.push((value.clone(), body.to_vec()));
        }
    }
    record(&proxy, given, status);
    answer.into_response()
}

fn record(proxy: &Proxy, authorization: Option<String>, status: u16) {
    if let Ok(mut seen) = proxy.seen.lock() {
        seen.push(Seen {
            authorization,
            status,
        });
    }
}

fn seen(proxy: &Proxy) -> Vec<Seen> {
    proxy.seen.lock().map(|s| s.clone()).unwrap_or_default()
}

/// `run --target URL` from `dir` with the mock's keys (or `sk`), reports in `dir/reports`.
fn run(dir: &Path, addr: SocketAddr, sk: &str, extra: &[&str]) -> Ran {
    common::binary::run(
        signed_with(dir, sk)
            .args(["run", "--no-progress", "--cases", "8", "--seed", "5"])
            // Every case's line: the tests read passing and skipped ones too.
            .args(["--format", "pretty"])
            .arg("--target")
            .arg(format!("http://{addr}"))
            .arg("--report-dir")
            .arg(dir.join("reports"))
            .args(extra),
    )
}

#[test]
fn a_default_run_stays_under_a_lock_out_after_three_bad_auth_requests() {
    let runtime = runtime();
    let (addr, proxy) = serve(
        &runtime,
        Behaviour::Faithful,
        Some((3, Duration::from_secs(60))),
    );
    let dir = tempdir();
    let ran = run(dir.path(), addr, auth::DEFAULT_SK, &[]);
    assert_eq!(ran.code, Some(0), "{ran}");
    let seen = seen(&proxy);
    assert!(seen.len() > 100, "{} requests", seen.len());
    assert!(seen.iter().all(|s| s.status != 403), "{ran}");
    let refused = seen.iter().filter(|s| s.status == 401).count();
    // The budget: the replay (a 401) and the empty body (a rejection from a server that signs
    // an empty body as the harness does).
    assert_eq!(refused, 1, "the budget: the replay, the empty body");
    assert!(trial_line(&ran.stdout, "hand::auth_replay_other_body").ends_with("ok"));
    assert!(trial_line(&ran.stdout, "hand::empty_body").ends_with("ok"));
    assert!(trial_line(&ran.stdout, "hand::auth_missing").contains("--auth-probes 2 spent"));
    assert!(trial_line(&ran.stdout, "hand::invalid_utf8").contains("--auth-probes 2 spent"));
}

#[test]
fn a_wrong_secret_sends_one_request_and_stops_with_what_to_check() {
    let runtime = runtime();
    let (addr, proxy) = serve(&runtime, Behaviour::Faithful, None);
    let dir = tempdir();
    let wrong_sk = "not-the-secret-key-0123";
    let ran = run(dir.path(), addr, wrong_sk, &[]);
    assert_eq!(ran.code, Some(3), "{ran}");
    assert_eq!(seen(&proxy).len(), 1, "only the preflight: {ran}");
    for wanted in [
        "preflight",
        "HTTP 401",
        "--ak/--sk",
        "the clock",
        "Host",
        "the path",
    ] {
        assert!(ran.stderr.contains(wanted), "{wanted:?}: {ran}");
    }
    assert!(
        ran.stderr.contains("agrees with this machine's clock"),
        "the mock's Date is read: {ran}"
    );
    let signature = seen(&proxy)[0]
        .authorization
        .clone()
        .and_then(|a| a.rsplit('/').next().map(str::to_owned))
        .unwrap_or_default();
    assert_eq!(signature.len(), 64);
    let output = format!("{}{}", ran.stdout, ran.stderr);
    assert!(!output.contains(wrong_sk) && !output.contains(&signature));
    assert!(!ran.stdout.contains("test result"), "no case ran: {ran}");
    // The stop is reported (issue 24): what was sent and got, with neither the SK nor the
    // signature the server was sent.
    let written = files_below(&dir.path().join("reports"));
    let names: Vec<String> = (written.iter())
        .filter_map(|(path, _)| Some(path.file_name()?.to_string_lossy().into_owned()))
        .collect();
    for name in ["report.json", "report.md", "junit.xml"] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    for (path, text) in &written {
        assert!(
            !text.contains(wrong_sk) && !text.contains(&signature),
            "a secret in {path:?}"
        );
    }
    assert!(!dir.path().join("cases").exists(), "no regressions");
}

/// A server that accepts the replayed `Authorization` fails the replay probe, and the replayed
/// signature is in no output and no report.
fn replay_is_caught(behaviour: Behaviour) {
    let runtime = runtime();
    let (addr, proxy) = serve(&runtime, behaviour, None);
    let dir = tempdir();
    let ran = run(dir.path(), addr, auth::DEFAULT_SK, &[]);
    assert_eq!(ran.code, Some(1), "{ran}");
    let line = trial_line(&ran.stdout, "hand::auth_replay_other_body");
    assert!(line.ends_with("FAILED"), "{line}");
    assert!(ran.stdout.contains("error[CMS-AUTH-001] notes:3"), "{ran}");
    assert!(ran.stdout.contains("caches verified signatures"), "{ran}");
    let failed: Vec<&str> = ran
        .stdout
        .lines()
        .filter(|l| l.starts_with("test ") && l.ends_with("FAILED"))
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    // The preflight's header, the one replayed.
    let replayed = seen(&proxy)[0].authorization.clone().unwrap_or_default();
    let signature = replayed.rsplit('/').next().unwrap_or_default().to_owned();
    assert_eq!(signature.len(), 64, "{replayed}");
    // The preflight and the replay (and hand::seed_example, when signed in the same second).
    let sent_with_it = seen(&proxy)
        .iter()
        .filter(|s| s.authorization.as_deref() == Some(&replayed))
        .count();
    assert!(sent_with_it >= 2, "{sent_with_it}");
    assert!(!ran.stdout.contains(&signature) && !ran.stderr.contains(&signature));
    let reports = files_below(&dir.path().join("reports"));
    assert!(!reports.is_empty());
    for (file, text) in &reports {
        assert!(
            !text.contains(&signature),
            "{} holds the replayed signature",
            file.display()
        );
    }
    let json = reports
        .iter()
        .map(|(file, text)| (file.display().to_string(), text))
        .find(|(file, _)| file.ends_with(".json") && file.contains("report"))
        .map(|(_, text)| text.clone())
        .unwrap_or_default();
    assert!(
        json.contains("hand::auth_replay_other_body"),
        "a case record like others"
    );
}

#[test]
fn a_server_that_caches_verified_signatures_fails_the_replay() {
    replay_is_caught(Behaviour::CachesSignatures);
}

#[test]
fn a_server_that_does_not_bind_the_signature_to_the_body_fails_the_replay() {
    replay_is_caught(Behaviour::BodyBlind);
}

/// Copies `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{e}"));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

#[test]
fn a_case_file_that_drops_authorization_spends_the_budget() {
    let runtime = runtime();
    let (addr, proxy) = serve(&runtime, Behaviour::Faithful, None);
    let dir = tempdir();
    let cases = dir.path().join("cases");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/hand"),
        &cases.join("hand"),
    );
    let dropping = r#"{
      "id": "hand::aaa_drops_authorization",
      "title": "A signed case whose header edits drop Authorization",
      "clause": "notes:3",
      "request": {
        "headers": {"drop": ["AUTHORIZATION"]},
        "body": {"ccId": 1, "vdn": 170, "agentIds": [1031]}
      },
      "expect": "unauthenticated"
    }"#;
    std::fs::write(cases.join("hand/aaa_drops_authorization.json"), dropping)
        .unwrap_or_else(|e| panic!("{e}"));
    let cases_dir = cases.display().to_string();
    let ran = run(
        dir.path(),
        addr,
        auth::DEFAULT_SK,
        &["--cases-dir", &cases_dir],
    );
    assert_eq!(ran.code, Some(0), "{ran}");
    let line = trial_line(&ran.stdout, "hand::aaa_drops_authorization");
    assert!(
        line.contains("ignored (not sent: --auth-probes 2 spent"),
        "{line}"
    );
    let seen = seen(&proxy);
    let without = seen.iter().filter(|s| s.authorization.is_none()).count();
    assert_eq!(
        without, 0,
        "the default budget sends the replay and the empty body"
    );
    assert_eq!(seen.iter().filter(|s| s.status == 401).count(), 1);
    // With a budget for it, it is sent and judged like any probe.
    let ran = run(
        dir.path(),
        addr,
        auth::DEFAULT_SK,
        &["--cases-dir", &cases_dir, "--auth-probes", "10", "hand::"],
    );
    assert!(
        trial_line(&ran.stdout, "hand::aaa_drops_authorization").ends_with("ok"),
        "{ran}"
    );
}

#[test]
fn a_401_to_the_runs_own_signature_mid_run_stops_the_run() {
    const ANSWERED: usize = 40;
    let runtime = runtime();
    let (addr, proxy) = serve(&runtime, Behaviour::RefusesAfter(ANSWERED), None);
    let dir = tempdir();
    let ran = run(dir.path(), addr, auth::DEFAULT_SK, &[]);
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(
        ran.stderr.contains("target unusable: HTTP 401 to "),
        "{ran}"
    );
    assert!(
        ran.stderr.contains("the run's own valid signature"),
        "{ran}"
    );
    let sent = seen(&proxy).len();
    // What was in flight when the first 401 came back still arrives; nothing after it.
    assert!(sent <= ANSWERED + 8, "{sent} requests reached the server");
    let stopped = ran
        .stdout
        .lines()
        .filter(|l| l.contains("ignored (not sent: the run stopped after HTTP 401 to"))
        .count();
    assert!(
        stopped >= 40,
        "{stopped} cases skipped with the reason\n{ran}"
    );
    // The cases answered 401 are not judged: the answer says the run must stop, not that the
    // server breaks the contract.
    let (_, failed, _) = trial_counts(&ran.stdout);
    assert_eq!(failed, 0, "{ran}");
    assert!(
        ran.stdout.contains("ignored (not judged: HTTP 401 to "),
        "{ran}"
    );
    assert!(
        !ran.stdout.contains("relation "),
        "the relations are not sent: {ran}"
    );
}
