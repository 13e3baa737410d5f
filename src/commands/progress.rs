//! Progress for a person watching a terminal: one bar or spinner at a time on stderr, per phase
//! of a run (the fleet scan, the cases, the relations, the limit discovery), cleared when the
//! phase ends. Owns when a bar may be drawn and the rule that keeps it from erasing output:
//! every line the harness prints goes through [`above_bar`], which lifts the visible bar out of
//! the way (indicatif's `suspend`) and draws it again below the line, and so does the log
//! ([`StderrAboveBar`]). The other warnings (`eprintln!`) are printed between the phases, when
//! no bar is drawn. [`Console`] is the run's [`Observer`]: its lines go above the bar, and its
//! phases are bars or spinners.
//!
//! libtest-mimic writes `test NAME ... ok` to stdout itself, in two writes with the case's
//! run in between, so its lines cannot go through the bar. When stdout is a terminal too the
//! bar is off during the trials: libtest's own lines are the progress there.

use std::io::IsTerminal;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::runner::observe::{Observer, Tick};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar drawn now, if any: what [`above_bar`] suspends.
static VISIBLE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// How often a phase's spinner and clock are redrawn while its requests are out.
const REDRAW: Duration = Duration::from_millis(120);

/// Which progress a run may draw, decided once from the flags and the terminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Bars for the phases outside the trials (stderr is a terminal, progress wanted).
    phases: bool,
    /// The bar during the trials (also: stdout is not a terminal libtest's lines share).
    trials: bool,
}

impl Progress {
    /// No progress at all (`--no-progress`, the quiet runs, tests).
    pub fn off() -> Progress {
        Progress::default()
    }

    /// What `--no-progress` and the terminals allow: nothing unless stderr is a terminal, and
    /// no bar during the trials when stdout is one as well (libtest would be overwritten).
    pub fn decide(wanted: bool, stdout_terminal: bool, stderr_terminal: bool) -> Progress {
        let phases = wanted && stderr_terminal;
        Progress {
            phases,
            trials: phases && !stdout_terminal,
        }
    }

    /// [`Progress::decide`] for this process's stdout and stderr.
    pub fn for_terminals(wanted: bool) -> Progress {
        Progress::decide(
            wanted,
            std::io::stdout().is_terminal(),
            std::io::stderr().is_terminal(),
        )
    }

    /// A spinner for a phase of unknown length: `label`, the requests counted, the time.
    pub fn phase(&self, label: &str) -> Phase {
        if !self.phases {
            return Phase::hidden();
        }
        let template = format!("{{spinner}} {label}: {{pos}} requests {{elapsed}}");
        Phase::show(ProgressBar::no_length(), &template, true)
    }

    /// A bar for a phase of `total` requests (the fleet scan).
    pub fn bar(&self, label: &str, total: usize) -> Phase {
        if !self.phases {
            return Phase::hidden();
        }
        let template = format!("{{bar:40}} {{pos}}/{{len}} {label} {{elapsed}}");
        Phase::show(ProgressBar::new(to_u64(total)), &template, true)
    }

    /// The bar of the trials: only when libtest's stdout is not the same terminal.
    pub fn trials(&self, total: usize) -> Phase {
        if !self.trials {
            return Phase::hidden();
        }
        // No redraw thread: the bar moves as records arrive, on the trials' own thread.
        Phase::show(
            ProgressBar::new(to_u64(total)),
            "{bar:40} {pos}/{len} cases {elapsed}",
            false,
        )
    }
}

/// One phase's bar, visible (or hidden) until dropped; dropping it clears it.
#[derive(Debug)]
pub struct Phase {
    bar: ProgressBar,
    /// Drawn, and so the bar [`above_bar`] suspends.
    shown: bool,
}

impl Phase {
    /// Draws nothing; [`Phase::advance`] is free.
    pub fn hidden() -> Phase {
        Phase {
            bar: ProgressBar::hidden(),
            shown: false,
        }
    }

    fn show(bar: ProgressBar, template: &str, redraw: bool) -> Phase {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        if redraw {
            bar.enable_steady_tick(REDRAW);
        }
        *VISIBLE.lock().unwrap_or_else(PoisonError::into_inner) = Some(bar.clone());
        // Drawn now, not at the first step: a person sees at once what the run is waiting on.
        bar.tick();
        Phase { bar, shown: true }
    }

    /// One more request answered, or case judged.
    pub fn advance(&self) {
        self.bar.inc(1);
    }

    /// How many steps were counted (the tests' view of a hidden phase).
    pub fn position(&self) -> u64 {
        self.bar.position()
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if !self.shown {
            return;
        }
        let mut visible = VISIBLE.lock().unwrap_or_else(PoisonError::into_inner);
        *visible = None;
        drop(visible);
        self.bar.finish_and_clear();
    }
}

/// Runs `print` with the visible bar, if any, lifted out of the way: the bar is cleared, the
/// lines are written, the bar is drawn again below them. Every line the harness prints while a
/// phase may be running goes through here.
pub fn above_bar<R>(print: impl FnOnce() -> R) -> R {
    // Cloned out first: the bar's own lock is held while `print` runs, this one is not.
    let visible = VISIBLE
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    match visible {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

/// Standard error for the log: each write goes above the bar (see [`super::logging`]).
pub struct StderrAboveBar;

impl std::io::Write for StderrAboveBar {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        above_bar(|| std::io::stderr().write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// The run's [`Observer`] on a terminal: lines on stdout (stderr when libtest writes JSON lines,
/// so stdout stays parseable), warnings on stderr, both above the bar; phases drawn as
/// [`Progress`] allows.
pub struct Console {
    pub progress: Progress,
    /// The run's own lines go to stderr.
    pub lines_to_stderr: bool,
}

impl Console {
    /// A line of the run's own, above the bar.
    pub fn say(&self, text: &str) {
        above_bar(|| {
            if self.lines_to_stderr {
                eprintln!("{text}");
            } else {
                println!("{text}");
            }
        });
    }
}

impl Observer for Console {
    fn line(&self, line: &str) {
        self.say(line);
    }

    fn warning(&self, line: &str) {
        above_bar(|| eprintln!("{line}"));
    }

    fn phase(&self, label: &str, total: Option<usize>) -> Box<dyn Tick> {
        Box::new(match total {
            Some(total) => self.progress.bar(label, total),
            None => self.progress.phase(label),
        })
    }
}

impl Tick for Phase {
    fn advance(&self) {
        Phase::advance(self);
    }
}

fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_only_on_a_terminal_and_never_over_libtest_on_the_same_one() {
        let shown = |p: Progress| (p.phases, p.trials);
        // (wanted, stdout a terminal, stderr a terminal) → (phases, trials)
        assert_eq!(shown(Progress::decide(true, true, true)), (true, false));
        assert_eq!(shown(Progress::decide(true, false, true)), (true, true));
        assert_eq!(shown(Progress::decide(true, true, false)), (false, false));
        assert_eq!(shown(Progress::decide(true, false, false)), (false, false));
        assert_eq!(shown(Progress::decide(false, true, true)), (false, false));
        assert_eq!(shown(Progress::decide(false, false, true)), (false, false));
        assert_eq!(Progress::off(), Progress::decide(false, false, false));
    }

    #[test]
    fn a_hidden_phase_counts_and_prints_pass_straight_through() {
        let phase = Progress::off().phase("relations");
        phase.advance();
        phase.advance();
        assert_eq!(phase.position(), 2);
        assert_eq!(above_bar(|| 7), 7);
    }
}
