//! What the full default suite costs against `cmsconform mock` (issue 25), measured on release
//! binaries, side by side with another build. Nothing here is a test: it prints figures
//! (benches/README.md keeps them).
//!
//! ```sh
//! cargo bench --bench suite                                   # every part, this build
//! BEFORE_BIN=/path/to/old/cmsconform cargo bench --bench suite -- suite floor
//! ROUNDS=7 JOBS=1,4,16 cargo bench --bench suite -- jobs
//! ```
//!
//! - `suite`: `run --target MOCK --no-report --no-progress --seed 1`, ROUNDS rounds, the
//!   binaries taking turns so both see the same machine. Medians of wall time, CPU (user and
//!   system), system time as a share of user time, peak RSS, and judged requests per
//!   CPU-second. Goals: at most 1.5 CPU-s and 2 s wall, at most 64 MB, system at most 15 % of
//!   user.
//! - `floor`: one run of each binary through a relay in this process that keeps every answer
//!   body the run read; then those bodies are parsed here with a bare
//!   `serde_json::from_slice::<Value>` (the system allocator, as the binary's; best of three).
//!   Prints the bytes, that CPU time, the run's and their ratio. Goal: at most 3x.
//! - `jobs`: this build (and BEFORE_BIN) at `-j` 1, 4 and 16 (`JOBS`), ROUNDS rounds: the
//!   allocator's trade-off between memory and speed (src/memory.rs).
//!
//! The mock is this build's, on 127.0.0.1 port 0, for every binary.

#[allow(dead_code)]
#[path = "common/measure.rs"]
mod measure;
#[allow(dead_code)]
#[path = "../tests/common/proxy.rs"]
mod proxy;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::response::Response;
use measure::{Measured, Plan, list, list_with, median, timed};

const THIS_BIN: &str = env!("CARGO_BIN_EXE_cmsconform");
const AK: &str = "cmsconform-ak";
const SK: &str = "cmsconform-local-sk";

fn main() {
    let plan = Plan::from_env(THIS_BIN, 5);
    let (binaries, rounds) = (&plan.binaries, plan.rounds);
    let mock = Mock::start();
    println!("mock: {} (this build's)", mock.url);
    if plan.wants("suite") {
        suite(&mock.url, binaries, rounds);
    }
    if plan.wants("floor") {
        floor(&mock.url, binaries);
    }
    if plan.wants("jobs") {
        let jobs = std::env::var("JOBS").unwrap_or_else(|_| "1,4,16".into());
        for jobs in jobs.split(',') {
            println!("jobs: -j {jobs}");
            let runs = alternate(binaries, rounds, |bin| {
                default_run(bin, &mock.url, &["-j", jobs])
            });
            summarise(binaries, &runs);
        }
    }
}

/// `cmsconform mock` on a free loopback port, stopped when dropped.
struct Mock {
    child: Child,
    url: String,
}

impl Mock {
    fn start() -> Mock {
        let mut child = Command::new(THIS_BIN)
            .args(["mock", "--listen", "127.0.0.1:0", "--ak", AK, "--sk", SK])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start the mock: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("mock stdout"));
        // "  POST http://127.0.0.1:PORT/rest/...": the base URL is what precedes the path.
        let url = std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find_map(|line| {
                let at = line.find("http://")?;
                let rest = &line[at..];
                let path = rest["http://".len()..].find('/')? + "http://".len();
                Some(rest[..path].to_owned())
            })
            .unwrap_or_else(|| panic!("the mock printed no address"));
        Mock { child, url }
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The default run of `bin` against `url`, with `extra` flags.
fn default_run(bin: &Path, url: &str, extra: &[&str]) -> Measured {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut command = Command::new(bin);
    command
        .env("CMSCONFORM_AK", AK)
        .env("CMSCONFORM_SK", SK)
        .args([
            "run",
            "--target",
            url,
            "--no-report",
            "--no-progress",
            "--seed",
            "1",
        ])
        .args(extra);
    timed(command, dir.path())
}

/// `rounds` runs of each binary, taking turns; per binary, in round order.
fn alternate(
    binaries: &[(String, PathBuf)],
    rounds: usize,
    run: impl Fn(&Path) -> Measured,
) -> Vec<Vec<Measured>> {
    let mut runs: Vec<Vec<Measured>> = binaries.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds {
        for (i, (_, bin)) in binaries.iter().enumerate() {
            runs[i].push(run(bin));
        }
    }
    runs
}

/// Requests judged, from the console's "cases: N passed, F failed, ...; relations: R passed,
/// X failed" line (cases and relations; a relation's exchanges count as one).
fn judged(stdout: &str) -> f64 {
    let Some(line) = stdout.lines().rev().find(|l| l.starts_with("cases: ")) else {
        return f64::NAN;
    };
    let numbers: Vec<f64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    // passed, failed, skipped; relations passed, failed.
    match numbers.as_slice() {
        [passed, failed, _skipped, rel_passed, rel_failed, ..] => {
            passed + failed + rel_passed + rel_failed
        }
        [passed, failed, ..] => passed + failed,
        _ => f64::NAN,
    }
}

fn summarise(binaries: &[(String, PathBuf)], runs: &[Vec<Measured>]) {
    for ((name, _), runs) in binaries.iter().zip(runs) {
        let of = |f: &dyn Fn(&Measured) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
        let (wall, user, sys, cpu, peak) = (
            of(&|m| m.wall.as_secs_f64()),
            of(&|m| m.user_s),
            of(&|m| m.sys_s),
            of(&|m| m.cpu_s()),
            of(&|m| m.peak_mb),
        );
        let share = of(&|m| 100.0 * m.sys_s / m.user_s);
        let rate = of(&|m| judged(&m.stdout) / m.cpu_s());
        let codes: Vec<Option<i32>> = runs.iter().map(|m| m.code).collect();
        println!(
            "  {name:>10}: wall {:.2} s ({}), CPU {:.2} s ({}) = user {:.2} + sys {:.2}, \
             sys/user {:.0} %, peak RSS {:.1} MB ({}), {:.0} judged requests per CPU-s, \
             {:.0} judged, exit {codes:?}",
            median(&wall),
            list_with(&wall, 2),
            median(&cpu),
            list_with(&cpu, 2),
            median(&user),
            median(&sys),
            median(&share),
            median(&peak),
            list(&peak),
            median(&rate),
            runs.first().map_or(f64::NAN, |m| judged(&m.stdout)),
        );
    }
}

fn suite(url: &str, binaries: &[(String, PathBuf)], rounds: usize) {
    println!(
        "suite: `run --target MOCK --no-report --no-progress --seed 1`, {rounds} rounds \
         (goals: <= 1.5 CPU-s, <= 2 s wall, <= 64 MB, sys <= 15 % of user)"
    );
    let runs = alternate(binaries, rounds, |bin| default_run(bin, url, &[]));
    summarise(binaries, &runs);
}

/// The answer bodies a relay passed back, in order.
type Kept = Arc<Mutex<Vec<Bytes>>>;

async fn keep(
    State((client, upstream, kept)): State<(reqwest::Client, String, Kept)>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let outgoing = proxy::outgoing(
        &client,
        parts.method.clone(),
        format!("{upstream}{path}"),
        &parts.headers,
        &["content-length"],
    )
    .body(body);
    match proxy::relay(outgoing).await {
        Some(relayed) => {
            if let Ok(mut kept) = kept.lock() {
                kept.push(relayed.body.clone());
            }
            relayed.into_response()
        }
        None => proxy::status_only(axum::http::StatusCode::BAD_GATEWAY),
    }
}

fn floor(url: &str, binaries: &[(String, PathBuf)]) {
    println!(
        "floor: every answer body a default run read, parsed here with a bare \
         serde_json::from_slice::<Value> (goal: the run's CPU <= 3x that)"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    for (name, bin) in binaries {
        let kept: Kept = Arc::default();
        let app = axum::Router::new().fallback(keep).with_state((
            proxy::client(),
            url.to_owned(),
            Arc::clone(&kept),
        ));
        let relay = proxy::serve(&runtime, app);
        let run = default_run(bin, &format!("http://{relay}"), &[]);
        let bodies = std::mem::take(&mut *kept.lock().unwrap_or_else(|e| e.into_inner()));
        let bytes: usize = bodies.iter().map(Bytes::len).sum();
        let parse_s = (0..3)
            .map(|_| {
                let started = thread_cpu_s();
                for body in &bodies {
                    let value = serde_json::from_slice::<serde_json::Value>(body);
                    drop(std::hint::black_box(value));
                }
                thread_cpu_s() - started
            })
            .fold(f64::INFINITY, f64::min);
        println!(
            "  {name:>10}: {} answers, {:.1} MB read; bare parse {:.3} CPU-s; the run {:.2} CPU-s \
             (user {:.2} + sys {:.2}, through the relay, exit {:?}): {:.2}x the parse",
            bodies.len(),
            bytes as f64 / 1e6,
            parse_s,
            run.cpu_s(),
            run.user_s,
            run.sys_s,
            run.code,
            run.cpu_s() / parse_s
        );
    }
}

/// CPU seconds this thread has used (user and system).
fn thread_cpu_s() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now);
    }
    now.tv_sec as f64 + now.tv_nsec as f64 / 1e9
}
