//! What a run costs against servers that misbehave on the wire (issue 23), measured on the
//! release binary against the independent test server (tests/common/cc_server). Nothing here
//! is a test: it prints figures (benches/README.md keeps them).
//!
//! ```sh
//! cargo bench --bench server_faults                  # all three parts, this build
//! BEFORE_BIN=/path/to/old/cmsconform cargo bench --bench server_faults -- flood
//! ROUNDS=5 cargo bench --bench server_faults -- busy wall
//! ```
//!
//! - `flood`: a server that streams without end after a good first answer
//!   (`endless_after_first`), a default run (`--max-body` 32 MiB) at `-j 4` and `-j 16`, peak
//!   RSS from `/usr/bin/time -f %M`. Goal: at most 128 MB at both. `FLOOD_JOBS=1,4` and
//!   `FLOOD_ARGS="--breaker 1"` change the runs.
//! - `busy`: both cores kept busy by two spinning threads of this process while a default run
//!   at `-j 4` meets a load balancer that closes connections idle for 150 ms and a call centre
//!   of 59,899 agents, so every full-length batch is a 6000-agent answer (about 2.5 MB, tens of
//!   ms to judge). Goal: exit 0 and no failed case; prints the requests re-sent.
//! - `wall`: the default run against the embedded mock (`run --report-dir DIR --no-progress`),
//!   wall time.
//!
//! With `BEFORE_BIN`, each round runs that binary too, alternating, so both see the same
//! machine.

#[allow(dead_code, unused_imports)]
#[path = "../tests/common/cc_server/mod.rs"]
mod cc_server;
#[allow(dead_code)]
#[path = "common/measure.rs"]
mod measure;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cc_server::{Centre, ServerConfig};
use measure::{Measured, Plan, list, median, timed};

const THIS_BIN: &str = env!("CARGO_BIN_EXE_cmsconform");

fn main() {
    let plan = Plan::from_env(THIS_BIN, 3);
    let (binaries, rounds) = (&plan.binaries, plan.rounds);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    if plan.wants("flood") {
        flood(&runtime, binaries, rounds);
    }
    if plan.wants("busy") {
        busy(&runtime, binaries, rounds);
    }
    if plan.wants("wall") {
        wall(binaries, rounds);
    }
}

fn flood(runtime: &tokio::runtime::Runtime, binaries: &[(String, PathBuf)], rounds: usize) {
    println!("flood: endless answers after a good first one, --max-body 32 MiB (goal <= 128 MB)");
    // FLOOD_JOBS=1,4 and FLOOD_ARGS="--breaker 1" explore; the defaults are the goal's.
    let jobs_list = std::env::var("FLOOD_JOBS").unwrap_or_else(|_| "4,16".into());
    let extra = std::env::var("FLOOD_ARGS").unwrap_or_default();
    for jobs in jobs_list.split(',') {
        for (name, bin) in binaries {
            let mut peaks = Vec::new();
            let mut codes = Vec::new();
            for _ in 0..rounds {
                let config = ServerConfig {
                    endless_after_first: true,
                    ..ServerConfig::default()
                };
                // A server per run: its first success is the preflight's.
                let server = cc_server::start(runtime, config);
                let mut args = vec!["-j", jobs, "--no-report"];
                args.extend(extra.split_whitespace());
                let measured = run(bin, &server.url(), &args);
                peaks.push(measured.peak_mb);
                codes.push(measured.code);
            }
            println!(
                "  -j {jobs:>2} {name:>10}: peak RSS median {:.1} MB (runs {}), exit {codes:?}",
                median(&peaks),
                list(&peaks)
            );
        }
    }
}

fn busy(runtime: &tokio::runtime::Runtime, binaries: &[(String, PathBuf)], rounds: usize) {
    println!("busy: both cores spinning, idle connections closed after 150 ms, 6000-agent answers");
    let spinning = Arc::new(AtomicBool::new(true));
    let spinners: Vec<_> = (0..2)
        .map(|_| {
            let spinning = Arc::clone(&spinning);
            std::thread::spawn(move || {
                let mut x = 0u64;
                while spinning.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect();
    for (name, bin) in binaries {
        for _ in 0..rounds {
            let config = ServerConfig {
                idle_close: Some(Duration::from_millis(150)),
                centres: vec![Centre {
                    agents: (101..=59999).collect(),
                    ..Centre::home()
                }],
                ..ServerConfig::default()
            };
            let server = cc_server::start(runtime, config);
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            let reports = dir.path().join("reports");
            let reports_arg = reports.display().to_string();
            let measured = run(
                bin,
                &server.url(),
                &["-j", "4", "--report-dir", &reports_arg],
            );
            let report = read_report(&reports);
            let meta = report.as_ref().map(|r| &r["meta"]);
            let failed = meta.map(|m| m["totals"]["failed"].clone());
            let resent = meta.map(|m| m["resent_after_close"].clone());
            let counts = server.stats.counts();
            println!(
                "  {name:>10}: exit {:?}, {:.2} s, {:.1} MB, failed {}, re-sent {}, idle closes {}",
                measured.code,
                measured.wall.as_secs_f64(),
                measured.peak_mb,
                failed.map(|f| f.to_string()).unwrap_or_default(),
                resent.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
                counts.idle_closes
            );
        }
    }
    spinning.store(false, Ordering::Relaxed);
    for spinner in spinners {
        let _ = spinner.join();
    }
}

fn wall(binaries: &[(String, PathBuf)], rounds: usize) {
    println!("wall: `cmsconform run --report-dir DIR --no-progress` against the embedded mock");
    let mut walls: Vec<Vec<f64>> = vec![Vec::new(); binaries.len()];
    let mut peaks: Vec<Vec<f64>> = vec![Vec::new(); binaries.len()];
    for _ in 0..rounds {
        for (i, (_, bin)) in binaries.iter().enumerate() {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            let mut command = Command::new(bin);
            command
                .current_dir(dir.path())
                .args(["run", "--no-progress", "--report-dir"])
                .arg(dir.path().join("reports"));
            let measured = timed(command, dir.path());
            walls[i].push(measured.wall.as_secs_f64());
            peaks[i].push(measured.peak_mb);
        }
    }
    for (i, (name, _)) in binaries.iter().enumerate() {
        println!(
            "  {name:>10}: wall median {:.2} s (runs {}), peak RSS median {:.1} MB",
            median(&walls[i]),
            list(&walls[i]),
            median(&peaks[i])
        );
    }
}

/// `bin run --target URL --no-progress EXTRA` with the server's credentials.
fn run(bin: &Path, url: &str, extra: &[&str]) -> Measured {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let defaults = ServerConfig::default();
    let mut command = Command::new(bin);
    command
        .current_dir(dir.path())
        .env("CMSCONFORM_AK", &defaults.ak)
        .env("CMSCONFORM_SK", &defaults.sk)
        .args(["run", "--target", url, "--no-progress"])
        .args(extra);
    timed(command, dir.path())
}

fn read_report(dir: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("report.json")).ok()?;
    serde_json::from_str(&text).ok()
}
