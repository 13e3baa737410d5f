//! What real deployments put between the harness and the server (issue 14): a rate limiter
//! (notes:6.17) and a proxy that compresses answers (notes:6.18). Each test starts the crate's
//! mock and a small reverse proxy in front of it, in-process on port 0 on a runtime owned by
//! the test, and runs the `cmsconform` binary through the proxy. The proxies decide by the
//! order and content of requests, never by time, so every count asserted is exact.

mod common;
use common::binary::{Ran, report_json, report_text, signed};
use common::proxy::status_only;
use common::{runtime, tempdir};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::runtime::Runtime;

use cmsconform::mock::RunningMock;

/// The seed example's answer, a success.
const SEED_ANSWER: &str = include_str!("../cases/fixtures/seed_example.response.json");

/// What the proxy does with one request.
enum Plan {
    /// Answer this status (and `Retry-After`, if any) without asking the mock.
    Refuse {
        status: u16,
        retry_after: Option<String>,
    },
    /// Forward to the mock; encode the answer's body with this `Content-Encoding`, if any.
    Forward { coding: Option<&'static str> },
}

/// Decides the plan from the request's arrival number (1-based) and body.
type Policy = dyn Fn(usize, &[u8]) -> Plan + Send + Sync;

struct Proxy {
    upstream: String,
    http: reqwest::Client,
    arrivals: AtomicUsize,
    policy: Box<Policy>,
}

fn start_mock(rt: &Runtime) -> RunningMock {
    common::spawn_mock(rt, common::mock_config())
}

/// What a test server answers a request with.
type Answer = std::pin::Pin<Box<dyn Future<Output = Response> + Send>>;

/// An axum service on `rt` that hands every request to `handle`.
fn serve<S: Clone + Send + Sync + 'static>(
    rt: &Runtime,
    state: S,
    handle: fn(State<S>, Request) -> Answer,
) -> SocketAddr {
    common::proxy::serve(rt, axum::Router::new().fallback(handle).with_state(state))
}

/// A reverse proxy in front of `upstream`, applying `policy`. The request goes on with its
/// own `Host`, so the signature the mock verifies is the one the harness made.
fn proxy(
    rt: &Runtime,
    upstream: &RunningMock,
    policy: impl Fn(usize, &[u8]) -> Plan + Send + Sync + 'static,
) -> (SocketAddr, Arc<Proxy>) {
    let state = Arc::new(Proxy {
        upstream: upstream.base_url(),
        http: common::proxy::client(),
        arrivals: AtomicUsize::new(0),
        policy: Box::new(policy),
    });
    let addr = serve(rt, Arc::clone(&state), |State(proxy), request| {
        Box::pin(relay(proxy, request))
    });
    (addr, state)
}

async fn relay(proxy: Arc<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 4 << 20)
        .await
        .unwrap_or_default();
    let arrival = proxy.arrivals.fetch_add(1, Ordering::SeqCst) + 1;
    let coding = match (proxy.policy)(arrival, &body) {
        Plan::Refuse {
            status,
            retry_after,
        } => {
            let mut answer = Response::builder().status(status);
            if let Some(value) = retry_after {
                answer = answer.header(header::RETRY_AFTER, value);
            }
            return answer.body(Body::empty()).unwrap_or_default();
        }
        Plan::Forward { coding } => coding,
    };
    let path = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let forward = common::proxy::outgoing(
        &proxy.http,
        parts.method.clone(),
        format!("{}{path}", proxy.upstream),
        &parts.headers,
        &[],
    );
    let Some(mut answer) = common::proxy::relay(forward.body(body)).await else {
        return status_only(StatusCode::BAD_GATEWAY);
    };
    if let Some(coding) = coding {
        let value = HeaderValue::from_static(coding);
        answer.headers.push((header::CONTENT_ENCODING, value));
        answer.body = Bytes::from(encode(coding, &answer.body));
    }
    answer.into_response()
}

/// `bytes` encoded with the codings of a `Content-Encoding` value, applied in its order.
fn encode(codings: &str, bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    codings
        .split(',')
        .map(str::trim)
        .fold(bytes.to_vec(), |body, coding| {
            // Fast: the debug build compresses the relations' large answers too.
            let level = flate2::Compression::fast();
            let done = match coding {
                "gzip" | "x-gzip" => {
                    let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
                    e.write_all(&body).and_then(|()| e.finish())
                }
                "deflate" => {
                    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), level);
                    e.write_all(&body).and_then(|()| e.finish())
                }
                other => panic!("the test proxy does not encode {other}"),
            };
            done.unwrap_or_else(|e| panic!("encode: {e}"))
        })
}

/// `run --target` through `addr` with a small suite (`--cases 8` unless `extra` says) and
/// reports in `dir/out`.
fn run_through(dir: &Path, addr: SocketAddr, extra: &[&str]) -> Ran {
    let cases: &[&str] = if extra.contains(&"--cases") {
        &[]
    } else {
        &["--cases", "8"]
    };
    common::binary::run(
        signed(dir)
            .args(["run", "--target", &format!("http://{addr}")])
            .args(["--profile", "2023-12", "--seed", "5"])
            .args(cases)
            .args(["--no-progress", "--report-dir", "out"])
            .args(extra),
    )
}

fn report(dir: &Path) -> serde_json::Value {
    report_json(&dir.join("out"))
}

fn count(value: &serde_json::Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

// ---- rate limits (notes:6.17) ----

#[test]
fn a_limiter_slows_the_run_without_failing_it() {
    let rt = runtime();
    let mock = start_mock(&rt);
    // A limiter whose window just filled: three requests early in the run are refused, each
    // way a limiter may say "not now" (delta-seconds, a 503 with an HTTP-date, no header).
    let (addr, proxy) = proxy(&rt, &mock, |arrival, _| {
        let refuse = |status, retry_after: Option<String>| Plan::Refuse {
            status,
            retry_after,
        };
        match arrival {
            3 => refuse(429, Some("0".into())),
            4 => refuse(
                503,
                Some(httpdate::fmt_http_date(
                    SystemTime::now() - Duration::from_secs(5),
                )),
            ),
            // No Retry-After: the client's own short wait.
            5 => refuse(429, None),
            _ => Plan::Forward { coding: None },
        }
    });
    let dir = tempdir();
    let ran = run_through(dir.path(), addr, &[]);
    assert_eq!(ran.code, Some(0), "{ran}");
    assert!(
        ran.stdout.contains("rate limits: 3 answers 429/503"),
        "{ran}"
    );
    let report = report(dir.path());
    let limits = &report["meta"]["rate_limits"];
    assert_eq!(count(&limits["refusals"]), 3, "{limits}");
    // Every refused request is sent again, unless it was an auth probe (never retried).
    let retries = count(&limits["retries"]);
    assert!((1..=3).contains(&retries), "{limits}");
    assert!(
        limits["lowered_pace"].as_f64().is_some_and(|p| p > 0.0),
        "{limits}"
    );
    assert_eq!(count(&report["meta"]["totals"]["failed"]), 0);
    let arrivals = proxy.arrivals.load(Ordering::SeqCst);
    assert!(arrivals > 50, "the run went on: {arrivals} requests");
}

#[test]
fn a_case_refused_after_its_retries_is_skipped_not_failed() {
    let rt = runtime();
    let mock = start_mock(&rt);
    let marker = br#""extra":"x""#;
    let marked = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&marked);
    let (addr, _proxy) = proxy(&rt, &mock, move |_, body| {
        if body.windows(marker.len()).any(|w| w == marker) {
            seen.fetch_add(1, Ordering::SeqCst);
            Plan::Refuse {
                status: 429,
                retry_after: Some("0".into()),
            }
        } else {
            Plan::Forward { coding: None }
        }
    });
    let dir = tempdir();
    let ran = run_through(
        dir.path(),
        addr,
        &["--no-relations", "--exact", "hand::unknown_request_member"],
    );
    // Skipped, not failed; and as it was the run's only case, nothing could be judged: exit 3
    // (target unusable), never 0 on no evidence.
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(ran.stderr.contains("no case could be judged"), "{ran}");
    // Sent once and again three times, never more.
    assert_eq!(marked.load(Ordering::SeqCst), 4, "{ran}");
    let report = report(dir.path());
    let cases = report["cases"].as_array().cloned().unwrap_or_default();
    let case = cases
        .iter()
        .find(|c| c["id"] == "hand::unknown_request_member")
        .unwrap_or_else(|| panic!("no record of the case: {report}"));
    assert_eq!(case["verdict"], "skipped", "{case}");
    let error = case["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("HTTP 429, still refused after 3 retries") && error.contains("notes:6.17"),
        "{error}"
    );
    let limits = &report["meta"]["rate_limits"];
    assert_eq!(
        (count(&limits["refusals"]), count(&limits["retries"])),
        (4, 3)
    );
}

// ---- compressed answers (notes:6.18) ----

#[test]
fn compressed_answers_are_decoded_then_judged() {
    let rt = runtime();
    let mock = start_mock(&rt);
    // Every answer compressed, in turn with gzip, deflate (zlib) and two codings at once.
    let codings = ["gzip", "deflate", "x-gzip, deflate"];
    let (addr, proxy) = proxy(&rt, &mock, move |arrival, _| Plan::Forward {
        coding: Some(codings[arrival % codings.len()]),
    });
    let dir = tempdir();
    let ran = run_through(dir.path(), addr, &[]);
    assert_eq!(ran.code, Some(0), "{ran}");
    assert!(proxy.arrivals.load(Ordering::SeqCst) > 50, "{ran}");
    let text = report_text(&dir.path().join("out"));
    for coding in codings {
        let finding = format!("answer compressed with {coding}, decoded before judging");
        assert!(text.contains(&finding), "no {finding:?} in report.json");
    }
    assert!(text.contains("CMS-HTTP-009"));
    // The header stays in the record, so a reader sees why.
    assert!(text.contains("content-encoding"));
}

/// A gzip answer of about 500 KB that decodes to 512 MiB: members of 16 MiB of spaces each
/// (a gzip stream may hold several, RFC 1952 §2.2).
fn gzip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let spaces = vec![b' '; 16 << 20];
    encoder
        .write_all(&spaces)
        .and_then(|()| encoder.flush())
        .unwrap_or_else(|e| panic!("{e}"));
    let member = encoder.finish().unwrap_or_else(|e| panic!("{e}"));
    member.repeat(32)
}

#[test]
fn a_compression_bomb_stops_at_the_cap() {
    let rt = runtime();
    let bomb = Bytes::from(gzip_bomb());
    assert!(
        bomb.len() < 1 << 20,
        "the bomb fits the raw cap: {}",
        bomb.len()
    );
    // The first request (the run's credentials preflight) gets the seed's own answer; every
    // later one the bomb.
    let state = Arc::new((bomb, AtomicUsize::new(0)));
    let addr = serve(&rt, state, |State(state), _request| {
        Box::pin(async move {
            let (bomb, arrivals) = &*state;
            let first = arrivals.fetch_add(1, Ordering::SeqCst) == 0;
            let mut answer = if first {
                Response::new(Body::from(SEED_ANSWER))
            } else {
                Response::new(Body::from(bomb.clone()))
            };
            let headers = answer.headers_mut();
            if !first {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            answer
        })
    });
    let dir = tempdir();
    let ran = run_through(
        dir.path(),
        addr,
        // The hand-written cases are enough: every answer is the same bomb.
        &[
            "--no-relations",
            "--max-body",
            "1MiB",
            "--cases",
            "0",
            "hand::",
        ],
    );
    // Every answer is cut at the cap, so none can be judged: the circuit breaker stops the run
    // after 5 (issue 16), with the target unusable.
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(ran.stderr.contains("circuit breaker opened"), "{ran}");
    let text = report_text(&dir.path().join("out"));
    assert!(
        text.contains("body cut at the size cap (1048576 bytes read)"),
        "{ran}"
    );
    assert!(text.contains("answer compressed with gzip, decoded before judging"));
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // The largest child of this test process so far (the runs of this file, some 70 MB
        // each): a client that decoded the bomb whole would have held 512 MiB per answer.
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes a whole rusage into the buffer it is given.
        let usage = unsafe {
            libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
            usage.assume_init()
        };
        let peak_kib = usage.ru_maxrss;
        assert!(peak_kib < 256 << 10, "a run peaked at {peak_kib} KiB");
    }
}
