//! The progress bars never erase a line: the real binary runs against its embedded mock under a
//! pseudo-terminal, and what it wrote is rendered the way a terminal would (carriage returns,
//! cursor moves, erased lines). Every `test NAME ... ok` line must stand whole on the screen,
//! every bar must be gone at the end, and the run must exit 0.

#![cfg(unix)]

use std::io::{ErrorKind, Read};
use std::path::Path;

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const COLUMNS: u16 = 160;

/// Runs `program args` with stdin, stdout and stderr on one new pseudo-terminal in `dir`;
/// returns everything written to the terminal and the exit code.
fn run_on_a_terminal(dir: &Path, program: &str, args: &[&str]) -> (Vec<u8>, u32) {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: COLUMNS,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut command = CommandBuilder::new(program);
    command.args(args);
    command.cwd(dir);
    command.env("TERM", "xterm-256color");
    command.env_remove("NO_COLOR");
    let mut child = pair.slave.spawn_command(command).unwrap();
    // The child holds the only slave now: the reads end when it exits.
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // Linux answers EIO on the master once the last slave is closed.
            Err(_) => break,
        }
    }
    let status = child.wait().unwrap();
    (raw, status.exit_code())
}

/// A terminal's screen (with unlimited scrollback): what stays visible once `raw` was drawn.
#[derive(Default)]
struct Screen {
    lines: Vec<Vec<char>>,
    row: usize,
    col: usize,
}

impl Screen {
    fn render(raw: &[u8]) -> Vec<String> {
        let mut screen = Screen::default();
        let text = String::from_utf8_lossy(raw);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' => screen.col = 0,
                '\n' => screen.row += 1,
                '\x08' => screen.col = screen.col.saturating_sub(1),
                '\t' => screen.col = (screen.col / 8 + 1) * 8,
                '\x07' => {}
                '\x1b' => match chars.next() {
                    Some('[') => {
                        let mut parameters = String::new();
                        let mut last = None;
                        for c in chars.by_ref() {
                            if ('\x40'..='\x7e').contains(&c) {
                                last = Some(c);
                                break;
                            }
                            parameters.push(c);
                        }
                        screen.control(&parameters, last);
                    }
                    // An operating-system command (a title, say) runs to BEL or ESC \.
                    Some(']') => {
                        while let Some(c) = chars.next() {
                            if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                                break;
                            }
                        }
                    }
                    _ => {}
                },
                c => screen.put(c),
            }
        }
        screen
            .lines
            .into_iter()
            .map(|line| line.into_iter().collect::<String>().trim_end().to_owned())
            .collect()
    }

    fn line(&mut self) -> &mut Vec<char> {
        if self.lines.len() <= self.row {
            self.lines.resize(self.row + 1, Vec::new());
        }
        &mut self.lines[self.row]
    }

    fn put(&mut self, c: char) {
        if self.col >= usize::from(COLUMNS) {
            // The terminal wraps a full line onto the next.
            self.row += 1;
            self.col = 0;
        }
        let col = self.col;
        let line = self.line();
        if line.len() <= col {
            line.resize(col + 1, ' ');
        }
        line[col] = c;
        self.col += 1;
    }

    /// A CSI sequence `ESC [ parameters final`: the moves and erasures a bar uses; colours and
    /// modes (`m`, `?25l`) change nothing on the screen's text.
    fn control(&mut self, parameters: &str, last: Option<char>) {
        let n = parameters.parse::<usize>().unwrap_or(0);
        match last {
            Some('A') => self.row = self.row.saturating_sub(n.max(1)),
            Some('B') => self.row += n.max(1),
            Some('G') => self.col = n.saturating_sub(1),
            Some('K') => {
                let col = self.col;
                let line = self.line();
                match n {
                    0 => line.truncate(col),
                    1 => line.iter_mut().take(col + 1).for_each(|c| *c = ' '),
                    _ => line.clear(),
                }
            }
            Some('J') => {
                let (row, col) = (self.row, self.col);
                self.line().truncate(col);
                self.lines.truncate(row + 1);
            }
            _ => {}
        }
    }
}

/// The trials' bar, `{pos}/{len} cases`, is somewhere in `raw`.
fn trials_bar_drawn(raw: &str) -> bool {
    raw.match_indices(" cases").any(|(at, _)| {
        let before = raw[..at].trim_end_matches(|c: char| c.is_ascii_digit());
        before.len() < at && before.ends_with('/')
    })
}

/// `test NAME<padding> ... ok|FAILED|ignored[, reason]`: libtest's line for one trial, whole.
fn is_whole_trial_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("test ") else {
        return false;
    };
    let Some((name, outcome)) = rest.split_once(" ... ") else {
        return false;
    };
    let name = name.trim_end();
    !name.is_empty()
        && !name.contains(' ')
        && (outcome == "ok" || outcome == "FAILED" || outcome.starts_with("ignored"))
}

#[test]
fn the_screen_renders_carriage_returns_and_erased_lines_as_a_terminal_does() {
    // The pty turns each `\n` written into `\r\n`.
    let raw = "test a ... \r\x1b[2K\u{2591} 1/3 cases\r\x1b[2Kok\r\n\x1b[32mtest b\x1b[0m ... ok\r\n\
               x\r\nbar\x1b[1A\r\x1b[Kc\x1b[1B\r\x1b[2K";
    assert_eq!(
        Screen::render(raw.as_bytes()),
        ["ok", "test b ... ok", "c", ""],
        "the bar's redraw erased `test a ... `: the loss this file guards against"
    );
    assert!(is_whole_trial_line("test hand::x                ... ok"));
    assert!(is_whole_trial_line(
        "test fleet::0001 ... ignored, not sent: x"
    ));
    assert!(!is_whole_trial_line("ok"));
    assert!(!is_whole_trial_line("test hand::x ... "));
}

#[test]
fn every_trial_line_arrives_whole_on_a_terminal_and_the_bars_are_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_cmsconform");
    // No filter: the relations and the limit discovery run too, each with its spinner.
    let args = [
        "run",
        "--seed",
        "1",
        "--cases",
        "4",
        "--no-report",
        "--format",
        "pretty",
    ];
    let (raw, code) = run_on_a_terminal(dir.path(), binary, &args);
    let screen = Screen::render(&raw);
    let shown = screen.join("\n");
    assert_eq!(code, 0, "{shown}");

    // The cases' block, then the hosted scans' (the other call centres the cases saw accepted).
    let running: usize = screen
        .iter()
        .filter_map(|l| {
            l.strip_prefix("running ")?
                .strip_suffix(" tests")?
                .parse::<usize>()
                .ok()
        })
        .sum();
    assert!(running > 0, "no `running N tests` line:\n{shown}");
    let trial_lines: Vec<&String> = screen.iter().filter(|l| is_whole_trial_line(l)).collect();
    assert_eq!(trial_lines.len(), running, "{shown}");
    assert!(running > 50, "{shown}");
    // Nothing half-written anywhere: a trial's outcome never stands without its name.
    for line in &screen {
        let looks_like_a_trial = line.starts_with("test ") && !line.starts_with("test result:");
        assert!(
            !looks_like_a_trial || is_whole_trial_line(line),
            "broken line {line:?}"
        );
        assert!(
            !line.contains(" ... ") || line.starts_with("test ") || line.starts_with("relation "),
            "a line lost its start: {line:?}"
        );
    }
    assert!(
        screen
            .iter()
            .any(|l| l.starts_with("relation ") && l.ends_with(" ... ok"))
    );
    assert!(screen.iter().any(|l| l.starts_with("seed: 1 ")), "{shown}");

    // The phases drew their bars, and each was cleared when its phase ended.
    let raw_text = String::from_utf8_lossy(&raw);
    // A spinner reads `⠁ relations: 12 requests 0s`; the run's last line also says
    // `relations: 10 passed`, so a bar is told by its label and the word `requests`.
    let drawn = |text: &str, bar: &str| {
        text.lines()
            .any(|l| l.contains(bar) && l.contains(" requests"))
    };
    for bar in ["fleet scan requests", "relations:", "limit discovery:"] {
        assert!(drawn(&raw_text, bar), "no {bar:?} bar drawn");
        assert!(
            !drawn(&shown, bar),
            "the {bar:?} bar was left on screen:\n{shown}"
        );
    }
    // libtest shares the terminal: no bar during the trials (`{pos}/{len} cases`; the verdict
    // line's `5 cases skipped` is no bar).
    assert!(
        !trials_bar_drawn(&raw_text),
        "a bar was drawn over the trials"
    );
}

#[test]
fn with_stdout_in_a_file_the_trials_bar_is_drawn_on_the_terminal_and_cleared() {
    let dir = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_cmsconform");
    let script = format!(
        "exec '{binary}' run --seed 1 --cases 2 --no-report --no-relations --format pretty > out.txt"
    );
    let (raw, code) = run_on_a_terminal(dir.path(), "/bin/sh", &["-c", &script]);
    let screen = Screen::render(&raw);
    assert_eq!(code, 0, "{}", screen.join("\n"));
    let raw_text = String::from_utf8_lossy(&raw);
    assert!(trials_bar_drawn(&raw_text), "no bar over the trials");
    assert!(
        screen.iter().all(|l| l.is_empty()),
        "the terminal kept {screen:?}"
    );
    let out = std::fs::read_to_string(dir.path().join("out.txt")).unwrap();
    assert!(!out.contains('\x1b'), "escapes in the file");
    let trials = out
        .lines()
        .filter(|l| l.starts_with("test ") && !l.starts_with("test result"))
        .count();
    assert!(trials > 50);
    assert!(
        out.lines()
            .filter(|l| l.starts_with("test ") && !l.starts_with("test result"))
            .all(is_whole_trial_line)
    );
}
