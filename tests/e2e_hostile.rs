//! Hostile servers and bad input at the level of the `cmsconform` binary (issue 7): each test
//! starts a misbehaving server in-process on 127.0.0.1:0 (raw tokio sockets on a runtime owned
//! by the test), runs the binary against it, and asserts the exit code, the message and the
//! bound (wall time of the whole run, cases attempted, connections received). Client-level
//! behaviour is in `tests/hostile.rs`, the mock's own robustness in `tests/mock.rs`.
//! Servers may sleep or hold a connection to misbehave; the tests never sleep to wait.

mod common;
use common::binary::{Ran, cmsconform, files_below, report_json, run, trial_counts};
use common::raw::{
    PREFLIGHT_ANSWER, is_preflight, next_case_request, raw_server, run_against, url,
};
use common::{read_request, runtime};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

use cmsconform::auth::Credentials;
use cmsconform::mock;

/// The whole run's allowance: breaker × timeout is 1.5 s; the rest covers process start and a
/// loaded 2-core machine (15 s was exceeded at a load average of 9). Generous on purpose: the
/// point is "not every case's deadline", which would be minutes.
const RUN_BOUND: Duration = Duration::from_secs(60);

/// Exit 3 at the preflight, which names `cause`: nothing else was sent, no case ran.
fn assert_stopped_at_preflight(ran: &Ran, cause: &str) {
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(
        ran.stderr.contains("target unusable: the preflight"),
        "{ran}"
    );
    assert!(ran.stderr.contains("Nothing else was sent"), "{ran}");
    assert!(
        ran.stderr.contains(cause),
        "cause {cause:?} not named: {ran}"
    );
    assert!(ran.took < RUN_BOUND, "{ran}");
    assert!(!ran.stdout.contains("test result:"), "cases ran: {ran}");
}

/// Answers every request with `head` then `body`, keeping the connection alive.
fn answering_server(runtime: &Runtime, body: Vec<u8>) -> SocketAddr {
    let body = Arc::new(body);
    let requests = Arc::new(AtomicUsize::new(0));
    raw_server(runtime, move |mut stream| {
        let body = Arc::clone(&body);
        let requests = Arc::clone(&requests);
        async move {
            while next_case_request(&mut stream, &requests).await {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n\
                     Content-Length: {}\r\n\r\n",
                    body.len()
                );
                if stream.write_all(head.as_bytes()).await.is_err()
                    || stream.write_all(&body).await.is_err()
                {
                    return;
                }
            }
        }
    })
}

// ---- 1. the whole run is bounded by the circuit breaker ----

/// Exit 3 naming the target unusable and `cause`, within the bound, most cases not attempted.
fn assert_unusable_early(ran: &Ran, cause: &str) {
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(ran.stderr.contains("target unusable"), "{ran}");
    assert!(
        ran.stderr.contains(cause),
        "cause {cause:?} not named: {ran}"
    );
    assert!(ran.took < RUN_BOUND, "{ran}");
    let (passed, failed, ignored) = trial_counts(&ran.stdout);
    assert_eq!(passed, 0, "{ran}");
    // Breaker 3 plus the trials already in flight (-j 4) when it opened.
    assert!(failed <= 8, "{failed} cases attempted: {ran}");
    assert!(ignored >= 40, "only {ignored} cases skipped: {ran}");
}

const BREAKER_RUN: &[&str] = &[
    "--timeout",
    "500ms",
    "--breaker",
    "3",
    "--no-report",
    "--cases",
    "32",
];

#[test]
fn a_stalling_server_stops_the_run_at_the_breaker() {
    let rt = runtime();
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    let addr = raw_server(&rt, move |mut stream| {
        let requests = Arc::clone(&counted);
        async move {
            while read_request(&mut stream).await.is_some() {
                if !is_preflight(&requests) {
                    break;
                }
                if stream.write_all(PREFLIGHT_ANSWER).await.is_err() {
                    return;
                }
            }
            // Hold the connection open and say nothing, for as long as the client waits.
            std::future::pending::<()>().await;
            drop(stream);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ran = run_against(dir.path(), &url(addr), BREAKER_RUN);
    assert_unusable_early(&ran, "timed out");
    assert!(ran.stderr.contains("circuit breaker"), "{ran}");
}

#[test]
fn a_server_that_stalls_from_the_start_stops_the_run_at_the_preflight() {
    let rt = runtime();
    let addr = raw_server(&rt, |mut stream| async move {
        let _request = read_request(&mut stream).await;
        std::future::pending::<()>().await;
        drop(stream);
    });
    let dir = tempfile::tempdir().unwrap();
    let ran = run_against(dir.path(), &url(addr), BREAKER_RUN);
    assert_stopped_at_preflight(&ran, "timed out");
}

#[test]
fn a_dead_port_stops_the_run_at_the_breaker() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ran = run_against(dir.path(), &url(addr), BREAKER_RUN);
    assert_stopped_at_preflight(&ran, "connect");
}

#[test]
fn a_garbage_server_stops_the_run_at_the_breaker() {
    let rt = runtime();
    let requests = Arc::new(AtomicUsize::new(0));
    let addr = raw_server(&rt, move |mut stream| {
        let requests = Arc::clone(&requests);
        async move {
            if next_case_request(&mut stream, &requests).await {
                let _ = stream
                    .write_all(b"\x00\x01garbage\xff\xfe not http\r\n\r\n")
                    .await;
                let _ = stream.shutdown().await;
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ran = run_against(dir.path(), &url(addr), BREAKER_RUN);
    assert_unusable_early(&ran, "protocol error");
}

// ---- 2. every answer longer than --max-body ----

#[test]
fn bodies_beyond_max_body_fail_the_cases_sent_and_open_the_breaker() {
    const ANNOUNCED: usize = 50 << 20;
    let rt = runtime();
    let requests = Arc::new(AtomicUsize::new(0));
    let addr = raw_server(&rt, move |mut stream| {
        let requests = Arc::clone(&requests);
        async move {
            while next_case_request(&mut stream, &requests).await {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n\
                 Content-Length: {ANNOUNCED}\r\n\r\n{{\"result\":\"0\",\"resultDatas\":[\""
                );
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 << 10];
                // The client hangs up at its cap; a write error ends this connection.
                for _ in 0..ANNOUNCED / chunk.len() {
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ran = run_against(
        dir.path(),
        &url(addr),
        &[
            "--timeout",
            "5s",
            "--max-body",
            "64KiB",
            "--report-dir",
            "out",
            "hand::",
        ],
    );
    // Every answer is cut at the cap: nothing can be judged, so the breaker (default 5) stops
    // the run (issue 16; `tests/e2e_breaker.rs`).
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(ran.stderr.contains("circuit breaker"), "{ran}");
    assert!(ran.took < RUN_BOUND, "{ran}");
    let (passed, failed, _) = trial_counts(&ran.stdout);
    assert_eq!(passed, 0, "{ran}");
    assert!((5..=8).contains(&failed), "{ran}");
    let report = report_json(&dir.path().join("out"));
    for case in sent_cases(&report) {
        let checks = check_ids(case);
        assert!(
            checks.iter().any(|c| c == "CMS-HTTP-003"),
            "{}: {checks:?}",
            case["id"]
        );
    }
    assert!(ran.stdout.contains("65536"), "the cap is not named: {ran}");
}

/// The report's cases that were sent (not skipped).
fn sent_cases(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    let cases: Vec<&serde_json::Value> = report["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("no cases in {report}"))
        .iter()
        .filter(|c| c["verdict"] != "skipped")
        .collect();
    assert!(!cases.is_empty(), "nothing was sent: {report}");
    cases
}

fn check_ids(case: &serde_json::Value) -> Vec<String> {
    case["violations"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|v| v["check"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

// ---- 3. redirects ----

#[test]
fn a_redirect_fails_the_cases_and_the_other_host_gets_nothing() {
    let rt = runtime();
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = Arc::clone(&elsewhere_hits);
    let elsewhere = raw_server(&rt, move |_stream| {
        hits.fetch_add(1, Ordering::SeqCst);
        async {}
    });
    let location = format!(
        "http://127.0.0.2:{}/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids",
        elsewhere.port()
    );
    let location_too = format!("http://{elsewhere}/elsewhere");
    let requests = Arc::new(AtomicUsize::new(0));
    let addr = raw_server(&rt, move |mut stream| {
        let location = location.clone();
        let other = location_too.clone();
        let requests = Arc::clone(&requests);
        async move {
            let mut n = 0usize;
            while next_case_request(&mut stream, &requests).await {
                n += 1;
                let to = if n % 2 == 0 { &other } else { &location };
                let head =
                    format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let ran = run_against(
        dir.path(),
        &url(addr),
        &["--timeout", "2s", "--no-report", "--cases", "4"],
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(ran.took < RUN_BOUND, "{ran}");
    assert!(ran.stdout.to_lowercase().contains("redirect"), "{ran}");
    assert!(ran.stdout.contains("302"), "{ran}");
    assert_eq!(elsewhere_hits.load(Ordering::SeqCst), 0, "{ran}");
}

// ---- 4. pathological JSON in every answer ----

/// Each body served for every request, and a check id the seed example's case must report.
fn pathological_bodies() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let ok_tail = r#""resultCode":"0100000","resultDesc":[]}"#;
    let mut deep = Vec::with_capacity(400_010);
    deep.extend_from_slice(b"{\"result\":\"0\",\"resultDatas\":");
    deep.extend(std::iter::repeat_n(b'[', 200_000));
    deep.extend(std::iter::repeat_n(b']', 200_000));
    deep.extend_from_slice(b"}");
    let seed = include_str!("../cases/fixtures/seed_example.response.json");
    let agent = |id: &str| seed.replace("\"agentId\": 1031", &format!("\"agentId\": {id}"));
    let mut invalid_utf8 = br#"{"result":"0","resultDesc":["#.to_vec();
    invalid_utf8.extend_from_slice(b"\"\xff\xfe\"], ");
    invalid_utf8.extend_from_slice(ok_tail.as_bytes());
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(format!("{{\"result\":\"0\",{ok_tail}").as_bytes());
    let mut nul = format!("{{\"result\":\"0\",{ok_tail}").into_bytes();
    nul.insert(1, 0);
    vec![
        ("deep", deep, "CMS-JSON-006"),
        ("1e400", agent("1e400").into_bytes(), "CMS-JSON-008"),
        ("fractional", agent("1031.5").into_bytes(), "CMS-JSON-008"),
        (
            "duplicate",
            format!("{{\"result\":\"0\",\"result\":\"1\",{ok_tail}").into_bytes(),
            "CMS-JSON-007",
        ),
        ("invalid-utf8", invalid_utf8, "CMS-JSON-001"),
        ("bom", bom, "CMS-JSON-002"),
        ("nul", nul, "CMS-JSON-005"),
    ]
}

#[test]
fn pathological_json_fails_the_case_without_a_crash() {
    let rt = runtime();
    for (name, body, expected) in pathological_bodies() {
        let addr = answering_server(&rt, body);
        let dir = tempfile::tempdir().unwrap();
        let ran = run_against(
            dir.path(),
            &url(addr),
            &[
                "--timeout",
                "5s",
                "--report-dir",
                "out",
                "--exact",
                "hand::seed_example",
            ],
        );
        assert_eq!(ran.code, Some(1), "{name}: {ran}");
        assert!(!ran.stderr.contains("panicked"), "{name}: {ran}");
        assert!(ran.took < RUN_BOUND, "{name}: {ran}");
        let report = report_json(&dir.path().join("out"));
        let cases = sent_cases(&report);
        assert_eq!(cases.len(), 1, "{name}: {report}");
        let checks = check_ids(cases[0]);
        assert_eq!(cases[0]["verdict"], "failed", "{name}: {report}");
        assert!(checks.iter().any(|c| c == expected), "{name}: {checks:?}");
    }
}

// ---- 5. TLS ----

/// A TLS server with a self-signed certificate for 127.0.0.1, answering every request 200.
fn self_signed_tls_server(runtime: &Runtime) -> SocketAddr {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("key: {e}"));
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .and_then(|params| params.self_signed(&key))
        .unwrap_or_else(|e| panic!("cert: {e}"));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("tls versions: {e}"))
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap_or_else(|e| panic!("tls config: {e}"));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let seed = include_bytes!("../cases/fixtures/seed_example.response.json");
    raw_server(runtime, move |stream| {
        let acceptor = acceptor.clone();
        async move {
            // A client refusing the certificate ends the handshake: nothing to serve.
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            while read_request(&mut tls).await.is_some() {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n\
                     Content-Length: {}\r\n\r\n",
                    seed.len()
                );
                if tls.write_all(head.as_bytes()).await.is_err()
                    || tls.write_all(seed).await.is_err()
                {
                    return;
                }
            }
        }
    })
}

#[test]
fn a_self_signed_target_is_unusable_and_the_fix_is_named() {
    let rt = runtime();
    let addr = self_signed_tls_server(&rt);
    let dir = tempfile::tempdir().unwrap();
    let ran = run_against(
        dir.path(),
        &format!("https://{addr}"),
        &["--timeout", "2s", "--no-report", "--cases", "32"],
    );
    assert_stopped_at_preflight(&ran, "--cacert");
    assert!(ran.stderr.contains("--insecure"), "{ran}");
}

// ---- 6. secrets ----

const SENTINEL_SK: &str = "SK-SENTINEL-7f3a9c";
const SENTINEL_AK: &str = "ak-sentinel";

/// Panics naming `place` if `text` holds the SK or a whole auth-v2 signature.
fn assert_no_secret(place: &str, text: &str) {
    use predicates::Predicate;
    assert!(!text.contains(SENTINEL_SK), "{place} holds the SK:\n{text}");
    let signature =
        predicates::str::is_match(r#"auth-v2/[^/\s"]+/[^/\s"]+/[^/\s"]+/[0-9a-f]{64}"#).unwrap();
    assert!(
        !signature.eval(text),
        "{place} holds a whole signature:\n{text}"
    );
}

#[test]
fn no_output_path_carries_the_secret_or_a_signature() {
    let rt = runtime();
    let mut config = common::mock_config();
    config.creds = Credentials::new(SENTINEL_AK, SENTINEL_SK);
    // A mutated mock, so failing cases (curl lines, excerpts, regressions) are written too.
    let fault = mock::mutations()
        .first()
        .unwrap_or_else(|| panic!("the mock has mutations"))
        .name;
    config.faults = vec![fault.to_owned()];
    let running = common::spawn_mock(&rt, config);
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = cmsconform(dir.path());
    cmd.args(["--log", "trace", "run", "--target", &running.base_url()])
        .args(["--seed", "3", "--cases", "8", "--no-progress"])
        .args(["--report-dir", "out", "--discovery-budget", "8"])
        .env("CMSCONFORM_AK", SENTINEL_AK)
        .env("CMSCONFORM_SK", SENTINEL_SK);
    let ran = run(&mut cmd);
    assert_eq!(ran.code, Some(1), "{ran}");
    // The trace log really ran, and requests were signed with the SK (so it had a chance to leak).
    assert!(
        ran.stderr.contains("TRACE") || ran.stderr.contains("DEBUG"),
        "{ran}"
    );
    assert!(ran.stdout.contains("passed"), "{ran}");
    assert_no_secret("stdout", &ran.stdout);
    assert_no_secret("stderr", &ran.stderr);
    let written = files_below(dir.path());
    for name in ["report.json", "junit.xml", "report.md", "report.html"] {
        assert!(
            written.iter().any(|(p, _)| p.ends_with(name)),
            "{name} not written: {written:?}"
        );
    }
    for (path, text) in &written {
        assert_no_secret(&path.display().to_string(), text);
    }
    // The signatures were there to leak: the mock accepted signed requests.
    let report = report_json(&dir.path().join("out"));
    assert!(
        report["cases"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["verdict"] == "passed")),
        "nothing passed: the SK was never used"
    );
}

#[test]
fn an_sk_flag_does_not_appear_in_the_error_for_an_unreachable_target() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ran = run(cmsconform(dir.path())
        .args(["--log", "trace", "run", "--target", &url(addr)])
        .args(["--ak", SENTINEL_AK, "--sk", SENTINEL_SK])
        .args(["--timeout", "500ms", "--breaker", "2", "--cases", "4"])
        .args(["--report-dir", "out", "--no-progress"]));
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(ran.stderr.contains("target unusable"), "{ran}");
    assert_no_secret("stdout", &ran.stdout);
    assert_no_secret("stderr", &ran.stderr);
    if dir.path().join("out").is_dir() {
        for (path, text) in files_below(dir.path()) {
            assert_no_secret(&path.display().to_string(), &text);
        }
    }
}

// ---- 7. malformed case files and schemas ----

const SEED_CASE: &str = include_str!("../cases/hand/seed_example.json");

/// `run` against the embedded mock with `global` flags; must stop before sending anything.
fn run_with_data(dir: &Path, global: &[&str]) -> Ran {
    run(cmsconform(dir)
        .args(global)
        .args(["run", "--no-report", "--no-progress", "--cases", "1"]))
}

/// Exit 2 with every one of `named` in the message, and no panic.
fn assert_diagnosed(ran: &Ran, named: &[&str]) {
    assert_eq!(ran.code, Some(2), "{ran}");
    assert!(!ran.stderr.contains("panicked"), "{ran}");
    for part in named {
        assert!(ran.stderr.contains(part), "{part:?} not named: {ran}");
    }
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{parent:?}: {e}"));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
}

#[test]
fn a_case_file_that_is_not_json_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("mine/hand/ok.json"), SEED_CASE);
    write(
        &dir.path().join("mine/hand/broken.json"),
        "{\n  \"id\": \"hand::broken\",\n  oops\n}\n",
    );
    let ran = run_with_data(dir.path(), &["--cases-dir", "mine"]);
    assert_diagnosed(&ran, &["broken.json", "line 3"]);
}

#[test]
fn a_case_file_breaking_the_case_schema_is_named_with_its_pointer() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("mine/hand/typo.json"),
        &SEED_CASE.replace("\"expect\": \"accepted\"", "\"expect\": \"acepted\""),
    );
    let ran = run_with_data(dir.path(), &["--cases-dir", "mine"]);
    assert_diagnosed(&ran, &["typo.json", "/expect"]);
}

#[test]
fn two_case_files_with_one_id_are_both_named() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("mine/hand/one.json"), SEED_CASE);
    write(&dir.path().join("mine/more/two.json"), SEED_CASE);
    let ran = run_with_data(dir.path(), &["--cases-dir", "mine"]);
    assert_diagnosed(&ran, &["one.json", "two.json", "hand::seed_example"]);
}

#[test]
fn the_cases_dir_replaces_the_embedded_cases() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("mine/hand/only.json"),
        &SEED_CASE.replace("hand::seed_example", "hand::only_mine"),
    );
    let ran = run(cmsconform(dir.path()).args(["--cases-dir", "mine", "run", "--list", "hand::"]));
    assert_eq!(ran.code, Some(0), "{ran}");
    assert!(ran.stdout.contains("hand::only_mine"), "{ran}");
    assert!(!ran.stdout.contains("hand::seed_example"), "{ran}");
}

/// A copy of the embedded schemas in `dir/schemas`, with `edit` applied to one file.
fn schemas_with(dir: &Path, file: &str, edit: impl FnOnce(String) -> String) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for (path, text) in files_below(&source) {
        let relative = path.strip_prefix(&source).unwrap_or_else(|e| panic!("{e}"));
        write(&dir.join("schemas").join(relative), &text);
    }
    let target = dir.join("schemas").join(file);
    let text = std::fs::read_to_string(&target).unwrap_or_else(|e| panic!("{target:?}: {e}"));
    write(&target, &edit(text));
}

#[test]
fn a_schema_with_a_missing_ref_is_named() {
    let dir = tempfile::tempdir().unwrap();
    schemas_with(dir.path(), "2023-12/request.schema.json", |text| {
        text.replace("\"agent-id.schema.json\"", "\"no-such.schema.json\"")
    });
    let ran = run_with_data(dir.path(), &["--schemas", "schemas"]);
    assert_diagnosed(
        &ran,
        &[
            "request.schema.json: at /properties/agentIds/items/$ref",
            "no-such.schema.json",
        ],
    );
}

#[test]
fn a_profile_disagreeing_with_the_request_schema_is_named() {
    let dir = tempfile::tempdir().unwrap();
    schemas_with(dir.path(), "2023-12/profile.json", |text| {
        text.replacen("\"max\": 65535", "\"max\": 65534", 1)
    });
    let ran = run_with_data(dir.path(), &["--schemas", "schemas"]);
    assert_diagnosed(&ran, &["profile.json: at /limits/ccId", "65534"]);
}

#[test]
fn a_broken_profile_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    schemas_with(dir.path(), "2023-12/profile.json", |text| {
        text.replacen("\"limits\": {", "\"limits\": {,", 1)
    });
    let ran = run_with_data(dir.path(), &["--schemas", "schemas"]);
    assert_diagnosed(&ran, &["profile.json", "line 15"]);
}

// ---- 8. the mock under slowloris ----

#[test]
fn fifty_slowloris_clients_neither_block_a_signed_request_nor_outlive_the_header_timeout() {
    use cmsconform::cases::{AuthMode, HeaderEdits};
    use cmsconform::client::{Client, ClientConfig, OutgoingRequest};

    // Long enough that an answer within it proves the slow clients did not hold it up.
    const HEADER_TIMEOUT: Duration = Duration::from_secs(2);
    let rt = runtime();
    let mut config = common::mock_config();
    let path = config.contract.profile().path.clone();
    config.header_read_timeout = HEADER_TIMEOUT;
    let running = common::spawn_mock(&rt, config);
    let addr = running.addr;
    rt.block_on(async move {
        let opened = Instant::now();
        let mut slow = Vec::new();
        for _ in 0..50 {
            let mut stream = TcpStream::connect(addr)
                .await
                .unwrap_or_else(|e| panic!("connect: {e}"));
            stream
                .write_all(format!("POST {path} HTTP/1.1\r\nhost: x\r\ncontent-le").as_bytes())
                .await
                .unwrap_or_else(|e| panic!("write: {e}"));
            slow.push(stream);
        }
        // While all fifty hold their half-sent heads, a signed request is answered.
        let mut client_config =
            ClientConfig::new(format!("http://{addr}"), Credentials::local_default());
        client_config.timeout = Duration::from_secs(5);
        let client = Client::new(client_config).unwrap_or_else(|e| panic!("client: {e}"));
        let asked = Instant::now();
        let exchange = client
            .send(&OutgoingRequest {
                method: "POST".into(),
                path,
                auth: AuthMode::Signed,
                header_edits: HeaderEdits::default(),
                body: br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#.to_vec(),
            })
            .await;
        let answered_in = asked.elapsed();
        let received = exchange
            .response
            .unwrap_or_else(|e| panic!("no answer beside the slow clients: {e:?}"));
        assert_eq!(received.status, 200);
        let body = String::from_utf8_lossy(&received.body);
        assert!(body.contains("\"resultCode\":\"0100000\""), "{body}");
        assert!(answered_in < HEADER_TIMEOUT, "answered in {answered_in:?}");
        // Each slow client is closed by the server (EOF or reset), within the header timeout
        // plus a margin, however long the client would have waited.
        for mut stream in slow {
            let mut buf = Vec::new();
            let ended =
                tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut buf)).await;
            assert!(ended.is_ok(), "a slowloris connection was kept open");
        }
        let all_closed = opened.elapsed();
        assert!(
            all_closed < HEADER_TIMEOUT + Duration::from_secs(4),
            "closed after {all_closed:?}"
        );
    });
}
