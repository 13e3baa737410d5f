//! One timed run of a command under GNU time (`/usr/bin/time`): exit code, wall time, CPU
//! (user and system), peak RSS and what it printed; and the medians the benches report.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// What a bench run measures: the parts named on its command line (all when none), `ROUNDS`
/// rounds, and the binaries (this build, after `BEFORE_BIN`'s when given, to take turns).
pub struct Plan {
    parts: Vec<String>,
    pub rounds: usize,
    pub binaries: Vec<(String, PathBuf)>,
}

impl Plan {
    pub fn from_env(this_bin: &str, default_rounds: usize) -> Plan {
        let parts = std::env::args()
            .skip(1)
            .filter(|a| a != "--bench")
            .collect();
        let rounds = std::env::var("ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(default_rounds);
        let mut binaries = vec![("this build".to_owned(), PathBuf::from(this_bin))];
        if let Ok(before) = std::env::var("BEFORE_BIN") {
            binaries.insert(0, ("before".to_owned(), PathBuf::from(before)));
        }
        Plan {
            parts,
            rounds,
            binaries,
        }
    }

    /// Whether `part` is to run.
    pub fn wants(&self, part: &str) -> bool {
        self.parts.is_empty() || self.parts.iter().any(|a| a == part)
    }
}

/// What one run cost.
pub struct Measured {
    pub code: Option<i32>,
    pub wall: Duration,
    pub user_s: f64,
    pub sys_s: f64,
    pub peak_mb: f64,
    pub stdout: String,
}

impl Measured {
    /// User plus system CPU seconds.
    pub fn cpu_s(&self) -> f64 {
        self.user_s + self.sys_s
    }
}

/// Runs `command` in `dir` under `/usr/bin/time`; its standard error is discarded.
pub fn timed(command: Command, dir: &Path) -> Measured {
    let figures = dir.join("time-figures");
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%U %S %M")
        .arg("-o")
        .arg(&figures)
        .arg(command.get_program())
        .args(command.get_args())
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    let started = Instant::now();
    let output = timed
        .output()
        .unwrap_or_else(|e| panic!("/usr/bin/time (GNU time) is needed: {e}"));
    let wall = started.elapsed();
    let text = std::fs::read_to_string(&figures).unwrap_or_default();
    // The last line: GNU time puts "Command exited with non-zero status N" before it.
    let numbers: Vec<f64> = text
        .lines()
        .rev()
        .find_map(|line| {
            let n: Vec<f64> = line
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            (n.len() == 3).then_some(n)
        })
        .unwrap_or_else(|| vec![f64::NAN; 3]);
    Measured {
        code: output.status.code(),
        wall,
        user_s: numbers[0],
        sys_s: numbers[1],
        peak_mb: numbers[2] / 1024.0,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The values, one decimal each, comma-separated.
pub fn list(values: &[f64]) -> String {
    list_with(values, 1)
}

/// The values with `decimals` decimals each, comma-separated.
pub fn list_with(values: &[f64], decimals: usize) -> String {
    values
        .iter()
        .map(|v| format!("{v:.decimals$}"))
        .collect::<Vec<_>>()
        .join(", ")
}
