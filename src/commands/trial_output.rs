//! The trials' lines, written by the harness rather than by libtest-mimic: libtest-mimic 0.8
//! always follows a failing run with a `---- NAME ----` block per failure and the list of their
//! names, which the defect blocks at the end of a run already say once per defect (190 failing
//! cases made 1,185 lines). libtest-mimic still decides what a filter, `--exact` and `--skip`
//! keep ([`libtest_mimic::Arguments::is_filtered_out`]); the lines keep libtest's shape
//! (`running N tests`, `test NAME ... ok`, `test result: ...`) so a reader of `cargo test` output
//! and the tools that read it find them where they expect.
//!
//! [`Style::Short`] (the default) prints the failing cases' lines only; [`Style::Pretty`] every
//! case's, as libtest does; [`Style::Terse`] a character per case; [`Style::Json`] libtest's
//! JSON events with every failure's message (for tools: nothing is left out there).

use std::io::Write;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, ColorSetting, Trial};

use crate::cli::{ColorWhen, TrialFormat};

/// How the trials' outcomes are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Short,
    Pretty,
    Terse,
    Json,
}

impl From<TrialFormat> for Style {
    fn from(format: TrialFormat) -> Style {
        match format {
            TrialFormat::Short => Style::Short,
            TrialFormat::Pretty => Style::Pretty,
            TrialFormat::Terse => Style::Terse,
            TrialFormat::Json => Style::Json,
        }
    }
}

/// One trial's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// The message (one line naming the checks that failed, or the transport error).
    Failed(String),
    /// Why the case was not sent.
    Ignored(String),
}

/// A trial still to run: its name, and what yields its outcome.
pub struct Pending {
    pub name: String,
    pub run: Box<dyn FnOnce() -> Outcome>,
}

impl Pending {
    pub fn new(name: impl Into<String>, run: impl FnOnce() -> Outcome + 'static) -> Pending {
        Pending {
            name: name.into(),
            run: Box::new(run),
        }
    }
}

/// How many trials ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
    pub filtered_out: u64,
}

/// Runs the trials `arguments` keeps one after another on this thread, printing their lines
/// on stdout in `style`; returns the counts.
pub fn run(arguments: &Arguments, style: Style, trials: Vec<Pending>) -> Counts {
    let before = trials.len();
    let kept: Vec<Pending> = trials
        .into_iter()
        .filter(|t| !arguments.is_filtered_out(&Trial::test(t.name.clone(), || Ok(()))))
        .collect();
    let mut counts = Counts {
        filtered_out: (before - kept.len()) as u64,
        ..Counts::default()
    };
    let width = kept
        .iter()
        .map(|t| t.name.chars().count())
        .max()
        .unwrap_or(0);
    let printer = Printer {
        style,
        colour: colours(arguments.color),
        width,
    };
    let started = Instant::now();
    printer.emit(&printer.title(kept.len()));
    for trial in kept {
        printer.emit(&printer.started(&trial.name));
        let outcome = (trial.run)();
        match &outcome {
            Outcome::Passed => counts.passed += 1,
            Outcome::Failed(_) => counts.failed += 1,
            Outcome::Ignored(_) => counts.ignored += 1,
        }
        printer.emit(&printer.outcome(&trial.name, &outcome));
    }
    printer.emit(&printer.summary(&counts, started.elapsed()));
    counts
}

/// Whether libtest's colour setting colours stdout (auto: a terminal, `NO_COLOR`,
/// `CLICOLOR_FORCE`, as [`ColorWhen`] reads them).
fn colours(setting: Option<ColorSetting>) -> bool {
    match setting {
        Some(ColorSetting::Always) => true,
        Some(ColorSetting::Never) => false,
        Some(ColorSetting::Auto) | None => ColorWhen::Auto.colours_stream(&std::io::stdout()),
    }
}

/// Renders the lines; [`Printer::emit`] writes them.
struct Printer {
    style: Style,
    colour: bool,
    /// The longest name kept: names are padded to it, as libtest pads them.
    width: usize,
}

const GREEN: &str = "\u{1b}[32m";
const RED: &str = "\u{1b}[31m";
const YELLOW: &str = "\u{1b}[33m";
const RESET: &str = "\u{1b}[0m";

impl Printer {
    /// Writes `text` at once (a line stands whole between the progress bar's redraws). A
    /// closed stdout (`| head`) only ends the lines: the run and its reports go on.
    fn emit(&self, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }

    fn paint(&self, colour: &str, text: &str) -> String {
        if self.colour {
            format!("{colour}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    fn title(&self, count: usize) -> String {
        match self.style {
            Style::Json => {
                format!(
                    "{{ \"type\": \"suite\", \"event\": \"started\", \"test_count\": {count} }}\n"
                )
            }
            _ => {
                let s = if count == 1 { "" } else { "s" };
                format!("\nrunning {count} test{s}\n")
            }
        }
    }

    /// Before a trial runs: libtest's `test NAME ... ` (pretty) or its `started` event (json).
    fn started(&self, name: &str) -> String {
        match self.style {
            Style::Pretty => format!("test {name:<width$} ... ", width = self.width),
            Style::Json => format!(
                "{{ \"type\": \"test\", \"event\": \"started\", \"name\": {} }}\n",
                json_string(name)
            ),
            Style::Short | Style::Terse => String::new(),
        }
    }

    fn outcome(&self, name: &str, outcome: &Outcome) -> String {
        let word = match outcome {
            Outcome::Passed => self.paint(GREEN, "ok"),
            Outcome::Failed(_) => self.paint(RED, "FAILED"),
            Outcome::Ignored(reason) if reason.is_empty() => self.paint(YELLOW, "ignored"),
            Outcome::Ignored(reason) => self.paint(YELLOW, &format!("ignored ({reason})")),
        };
        match (self.style, outcome) {
            (Style::Pretty, _) => format!("{word}\n"),
            (Style::Short, Outcome::Failed(_)) => {
                format!("test {name:<width$} ... {word}\n", width = self.width)
            }
            (Style::Short, _) => String::new(),
            (Style::Terse, _) => {
                let c = match outcome {
                    Outcome::Passed => ".",
                    Outcome::Failed(_) => "F",
                    Outcome::Ignored(_) => "i",
                };
                match outcome {
                    Outcome::Passed => self.paint(GREEN, c),
                    Outcome::Failed(_) => self.paint(RED, c),
                    Outcome::Ignored(_) => self.paint(YELLOW, c),
                }
            }
            (Style::Json, _) => {
                let (event, extra) = match outcome {
                    Outcome::Passed => ("ok", String::new()),
                    Outcome::Failed(message) => (
                        "failed",
                        format!(
                            ", \"stdout\": {}",
                            json_string(&format!("Error: {}\n", json_string(message)))
                        ),
                    ),
                    Outcome::Ignored(reason) if reason.is_empty() => ("ignored", String::new()),
                    Outcome::Ignored(reason) => {
                        ("ignored", format!(", \"message\": {}", json_string(reason)))
                    }
                };
                format!(
                    "{{ \"type\": \"test\", \"name\": {}, \"event\": \"{event}\"{extra} }}\n",
                    json_string(name)
                )
            }
        }
    }

    fn summary(&self, counts: &Counts, elapsed: Duration) -> String {
        let seconds = elapsed.as_secs_f64();
        match self.style {
            Style::Json => format!(
                "{{ \"type\": \"suite\", \"event\": \"{}\", \"passed\": {}, \"failed\": {}, \
                 \"ignored\": {}, \"measured\": 0, \"filtered_out\": {}, \"exec_time\": {seconds} }}\n",
                if counts.failed > 0 { "failed" } else { "ok" },
                counts.passed,
                counts.failed,
                counts.ignored,
                counts.filtered_out,
            ),
            _ => {
                let result = if counts.failed > 0 {
                    self.paint(RED, "FAILED")
                } else {
                    self.paint(GREEN, "ok")
                };
                // Terse's characters end their line here.
                let gap = if self.style == Style::Terse { "\n" } else { "" };
                format!(
                    "{gap}\ntest result: {result}. {} passed; {} failed; {} ignored; 0 measured; \
                     {} filtered out; finished in {seconds:.2}s\n\n",
                    counts.passed, counts.failed, counts.ignored, counts.filtered_out,
                )
            }
        }
    }
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn printer(style: Style) -> Printer {
        Printer {
            style,
            colour: false,
            width: 6,
        }
    }

    #[test]
    fn short_prints_only_the_failing_lines_padded_as_libtest_pads() {
        let short = printer(Style::Short);
        assert_eq!(short.started("a"), "");
        assert_eq!(short.outcome("a", &Outcome::Passed), "");
        assert_eq!(short.outcome("a", &Outcome::Ignored("budget".into())), "");
        assert_eq!(
            short.outcome("a::b", &Outcome::Failed("CMS-X /p (1 finding)".into())),
            "test a::b   ... FAILED\n",
            "the message is the defect blocks' job, not repeated per case"
        );
    }

    #[test]
    fn pretty_prints_every_line_and_the_reason_of_an_ignored_one() {
        let pretty = printer(Style::Pretty);
        assert_eq!(pretty.started("a"), "test a      ... ");
        assert_eq!(pretty.outcome("a", &Outcome::Passed), "ok\n");
        assert_eq!(
            pretty.outcome("a", &Outcome::Ignored("not sent".into())),
            "ignored (not sent)\n"
        );
        assert_eq!(
            pretty.outcome("a", &Outcome::Failed("m".into())),
            "FAILED\n"
        );
    }

    #[test]
    fn the_summary_line_is_libtests() {
        let counts = Counts {
            passed: 3,
            failed: 1,
            ignored: 2,
            filtered_out: 4,
        };
        assert_eq!(
            printer(Style::Short).summary(&counts, Duration::from_millis(1500)),
            "\ntest result: FAILED. 3 passed; 1 failed; 2 ignored; 0 measured; 4 filtered out; \
             finished in 1.50s\n\n"
        );
        let ok = Counts::default();
        assert!(
            printer(Style::Terse)
                .summary(&ok, Duration::ZERO)
                .starts_with("\n\ntest result: ok.")
        );
    }

    #[test]
    fn json_events_carry_every_message_and_parse() {
        let json = printer(Style::Json);
        let lines = [
            json.title(2),
            json.started("a\"b"),
            json.outcome("a\"b", &Outcome::Failed("CMS \"x\"\nline".into())),
            json.outcome("c", &Outcome::Ignored("why".into())),
            json.summary(&Counts::default(), Duration::ZERO),
        ];
        for line in &lines {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert!(value.get("type").is_some(), "{line}");
        }
        let failed: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
        assert_eq!(failed["event"], "failed");
        assert_eq!(failed["name"], "a\"b");
        assert!(failed["stdout"].as_str().unwrap().contains("CMS \\\"x\\\""));
        let ignored: serde_json::Value = serde_json::from_str(&lines[3]).unwrap();
        assert_eq!(ignored["message"], "why");
    }

    #[test]
    fn colour_wraps_the_outcome_words_only_when_asked() {
        let coloured = Printer {
            colour: true,
            ..printer(Style::Pretty)
        };
        assert_eq!(
            coloured.outcome("a", &Outcome::Passed),
            format!("{GREEN}ok{RESET}\n")
        );
        assert!(
            !printer(Style::Pretty)
                .outcome("a", &Outcome::Passed)
                .contains('\u{1b}')
        );
    }
}
