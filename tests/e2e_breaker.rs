//! Issue 16: a target that cannot be judged ends the run fast, whatever it does. Each test
//! starts a misbehaving raw-socket server in-process on 127.0.0.1:0 (it answers the credentials
//! preflight properly first), runs the binary against it, and asserts the exit code and how
//! many requests the server was sent; never a time. Client-level breaker behaviour is in
//! `tests/breaker.rs`.

mod common;
use common::binary::trial_counts;
use common::raw::{answer, next_case_request, raw_server, run_against, url};
use common::{read_request, runtime};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// The breaker's threshold in these runs (the default).
const K: usize = 5;
/// Requests in flight at once (the default `-j`): when the breaker opens, up to `J - 1` others
/// may already be on their way.
const J: usize = 4;

/// The seed example's answer: well-formed JSON that most cases judge a failure (it answers
/// every request with the same two agents).
const SEED_ANSWER: &[u8] = include_bytes!("../cases/fixtures/seed_example.response.json");

/// A 200 whose chunked body never ends, until the client hangs up.
async fn endless_body(stream: &mut TcpStream) {
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n\
                 Transfer-Encoding: chunked\r\n\r\n";
    if stream.write_all(head).await.is_err() {
        return;
    }
    let mut chunk = format!("{:x}\r\n", 64 << 10).into_bytes();
    chunk.extend(std::iter::repeat_n(b'[', 64 << 10));
    chunk.extend_from_slice(b"\r\n");
    // The client hangs up at its cap; the write error ends this connection.
    while stream.write_all(&chunk).await.is_ok() {}
}

/// Counts the case requests (every request after the preflight).
#[derive(Clone, Default)]
struct Counts {
    requests: Arc<AtomicUsize>,
    cases: Arc<AtomicUsize>,
    /// Kept-alive connections the client sent a second request on after they went silent.
    reused_silent: Arc<AtomicUsize>,
}

impl Counts {
    /// Reads the next case request (answering the preflight); false at the connection's end.
    async fn next_case(&self, stream: &mut TcpStream) -> bool {
        let next = next_case_request(stream, &self.requests).await;
        if next {
            self.cases.fetch_add(1, Ordering::SeqCst);
        }
        next
    }

    fn cases(&self) -> usize {
        self.cases.load(Ordering::SeqCst)
    }
}

#[test]
fn an_endless_body_on_every_answer_stops_the_run_at_the_breaker() {
    let rt = runtime();
    let counts = Counts::default();
    let served = counts.clone();
    let addr = raw_server(&rt, move |mut stream| {
        let counts = served.clone();
        async move {
            if counts.next_case(&mut stream).await {
                endless_body(&mut stream).await;
            }
        }
    });
    let dir = common::tempdir();
    let ran = run_against(
        dir.path(),
        &url(addr),
        &["--timeout", "10s", "--max-body", "256KiB", "--no-report"],
    );
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(
        ran.stderr.contains(
            "circuit breaker opened after 5 consecutive answers that could not be judged"
        ),
        "{ran}"
    );
    assert!(ran.stderr.contains("--max-body"), "{ran}");
    assert!(!ran.stderr.contains("panicked"), "{ran}");
    let sent = counts.cases();
    assert!((K..K + J).contains(&sent), "{sent} case requests: {ran}");
    let (passed, failed, skipped) = trial_counts(&ran.stdout);
    assert_eq!(passed, 0, "{ran}");
    assert!(failed <= sent, "{ran}");
    assert!(skipped >= 300, "{ran}");
    assert!(
        ran.stdout.contains("not sent: circuit breaker opened"),
        "{ran}"
    );
}

/// The first [`JUDGED`] case requests get the seed's answer (judged, and most cases fail on
/// it), every later one an endless body.
const JUDGED: usize = 3;

fn judged_then_endless(rt: &tokio::runtime::Runtime, counts: &Counts) -> std::net::SocketAddr {
    let served = counts.clone();
    raw_server(rt, move |mut stream| {
        let counts = served.clone();
        async move {
            while counts.next_case(&mut stream).await {
                if counts.cases() > JUDGED {
                    endless_body(&mut stream).await;
                    return;
                }
                if stream.write_all(&answer(SEED_ANSWER)).await.is_err() {
                    return;
                }
            }
        }
    })
}

/// One at a time, so the first cases in suite order are the ones answered.
const IN_TURN: &[&str] = &["-j", "1", "--max-body", "256KiB", "hand::"];

#[test]
fn judged_failures_then_an_endless_body_exit_1_at_the_breaker() {
    let rt = runtime();
    let counts = Counts::default();
    let addr = judged_then_endless(&rt, &counts);
    let dir = common::tempdir();
    let ran = run_against(
        dir.path(),
        &url(addr),
        &[IN_TURN, &["--no-report"]].concat(),
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stdout
            .contains("stopped sending: circuit breaker opened"),
        "{ran}"
    );
    assert!(!ran.stderr.contains("target unusable"), "{ran}");
    assert_eq!(counts.cases(), JUDGED + K, "{ran}");
    let (_, failed, skipped) = trial_counts(&ran.stdout);
    assert!((K..=JUDGED + K).contains(&failed), "{ran}");
    assert!(skipped >= 1, "{ran}");
}

#[test]
fn judged_failures_the_baseline_accepts_leave_the_breaker_s_run_unusable() {
    let rt = runtime();
    let dir = common::tempdir();
    let first = Counts::default();
    let addr = judged_then_endless(&rt, &first);
    let ran = run_against(
        dir.path(),
        &url(addr),
        &[IN_TURN, &["--report-dir", "first"]].concat(),
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    // The same target again, with every failure of the first run accepted.
    let again = Counts::default();
    let addr = judged_then_endless(&rt, &again);
    let baseline = dir.path().join("first/report.json");
    let baseline = baseline.to_string_lossy();
    let ran = run_against(
        dir.path(),
        &url(addr),
        &[IN_TURN, &["--no-report", "--baseline", &baseline]].concat(),
    );
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(ran.stderr.contains("beyond the baseline"), "{ran}");
    assert_eq!(again.cases(), JUDGED + K, "{ran}");
}

#[test]
fn a_server_silent_after_one_answer_per_connection_costs_at_most_j_timeouts() {
    let rt = runtime();
    let counts = Counts::default();
    let served = counts.clone();
    let addr = raw_server(&rt, move |mut stream| {
        let counts = served.clone();
        async move {
            // One answer on this connection (the preflight's, or the seed's to a case)...
            let first = counts.requests.load(Ordering::SeqCst) == 0;
            if first {
                if read_request(&mut stream).await.is_none() {
                    return;
                }
                counts.requests.fetch_add(1, Ordering::SeqCst);
                if stream
                    .write_all(common::raw::PREFLIGHT_ANSWER)
                    .await
                    .is_err()
                {
                    return;
                }
            } else {
                if !counts.next_case(&mut stream).await {
                    return;
                }
                if stream.write_all(&answer(SEED_ANSWER)).await.is_err() {
                    return;
                }
            }
            // ...then the connection stays open and nothing more is read from it.
            if stream.readable().await.is_ok() {
                let mut one = [0u8; 1];
                if matches!(stream.peek(&mut one).await, Ok(n) if n > 0) {
                    counts.reused_silent.fetch_add(1, Ordering::SeqCst);
                }
            }
            std::future::pending::<()>().await;
        }
    });
    let dir = common::tempdir();
    let ran = run_against(
        dir.path(),
        &url(addr),
        &["--timeout", "1s", "--no-report", "--no-relations"],
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(!ran.stderr.contains("circuit breaker"), "{ran}");
    // Once one request timed out, none reused a connection: at most the J in flight then did.
    let reused = counts.reused_silent.load(Ordering::SeqCst);
    assert!(
        (1..=J).contains(&reused),
        "{reused} requests on silent connections: {ran}"
    );
    let (passed, failed, skipped) = trial_counts(&ran.stdout);
    assert_eq!(
        counts.cases() + reused,
        passed + failed,
        "every case was sent once: {ran}"
    );
    assert!(passed >= 1, "the seed example passes: {ran}");
    // Only the auth probes beyond --auth-probes are skipped (7 with the default budget of 2),
    // never a case for the breaker.
    assert!(skipped <= 7, "{ran}");
    assert!(!ran.stdout.contains("circuit breaker"), "{ran}");
}

#[test]
fn alternating_judged_and_unjudgeable_answers_never_open_the_breaker() {
    let rt = runtime();
    let counts = Counts::default();
    let served = counts.clone();
    let addr = raw_server(&rt, move |mut stream| {
        let counts = served.clone();
        async move {
            while counts.next_case(&mut stream).await {
                let n = counts.cases();
                let written = match n % 6 {
                    1 | 3 | 5 => stream.write_all(&answer(SEED_ANSWER)).await,
                    0 => stream.write_all(&answer(b"<html>oops</html>")).await,
                    2 => stream.write_all(&answer(b"{\"result\":\xff}")).await,
                    // A body cut at --max-body: the client hangs up, this connection ends.
                    _ => {
                        endless_body(&mut stream).await;
                        return;
                    }
                };
                if written.is_err() {
                    return;
                }
            }
        }
    });
    let dir = common::tempdir();
    // One at a time, so the answers reach the breaker in the server's order.
    let ran = run_against(
        dir.path(),
        &url(addr),
        &[
            "-j",
            "1",
            "--breaker",
            "2",
            "--max-body",
            "64KiB",
            "--no-report",
        ],
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(!ran.stderr.contains("circuit breaker"), "{ran}");
    assert!(!ran.stdout.contains("circuit breaker"), "{ran}");
    let (passed, failed, skipped) = trial_counts(&ran.stdout);
    assert!(
        skipped <= 7,
        "only the auth probes beyond the budget: {ran}"
    );
    assert!(counts.cases() >= passed + failed, "{ran}");
    assert!(
        counts.cases() >= 300,
        "{} case requests: {ran}",
        counts.cases()
    );
}

#[test]
fn a_server_refusing_every_request_for_rate_stops_at_the_breaker() {
    let rt = runtime();
    let counts = Counts::default();
    let served = counts.clone();
    let addr = raw_server(&rt, move |mut stream| {
        let counts = served.clone();
        async move {
            let refusal = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\n\
                            Content-Length: 0\r\n\r\n";
            while counts.next_case(&mut stream).await {
                if stream.write_all(refusal).await.is_err() {
                    return;
                }
            }
        }
    });
    let dir = common::tempdir();
    let ran = run_against(dir.path(), &url(addr), &["--no-report"]);
    assert_eq!(ran.code, Some(3), "{ran}");
    assert!(
        ran.stderr
            .contains("HTTP 429, still refused for rate after 3 retries"),
        "{ran}"
    );
    // Each case refused is sent once and again 3 times; the breaker opens at the K-th case.
    let sent = counts.cases();
    let attempts = 4;
    assert!(
        (K * attempts..(K + J) * attempts).contains(&sent),
        "{sent} case requests: {ran}"
    );
    assert!(
        ran.stdout.contains("not sent: circuit breaker opened"),
        "{ran}"
    );
}
