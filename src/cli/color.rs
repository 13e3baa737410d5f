//! `--color`: when colour codes are written, for clap's help, libtest's trial lines and the
//! tracing diagnostics alike.

use clap::ValueEnum;

/// When to colour what is printed: `auto` colours a terminal unless `NO_COLOR` is set
/// (`CLICOLOR_FORCE` colours even a pipe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether a stream that is (or is not) a terminal gets colour, given the environment's
    /// `NO_COLOR` and `CLICOLOR_FORCE` (see <https://no-color.org>).
    pub fn colours(self, terminal: bool, no_color: bool, force: bool) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => !no_color && (terminal || force),
        }
    }

    /// [`Self::colours`] for `stream`, reading the environment.
    pub fn colours_stream(self, stream: &impl std::io::IsTerminal) -> bool {
        // As clap's and libtest's auto read them: NO_COLOR set and not empty, CLICOLOR_FORCE
        // set and not 0.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let force = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
        self.colours(stream.is_terminal(), no_color, force)
    }

    /// The choice as clap takes it for its own help and errors.
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
            // clap's own auto already honours NO_COLOR and CLICOLOR_FORCE.
            ColorWhen::Auto => clap::ColorChoice::Auto,
        }
    }
}

/// `--color` read before clap parses (clap colours its own help and errors while parsing):
/// the last `--color X` / `--color=X` before a `--`, else `CMSCONFORM_COLOR`, else auto. An
/// unreadable value is left for clap to refuse.
pub fn early_color<I, S>(args: I) -> ColorWhen
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let parse = |text: &str| ColorWhen::from_str(text, true).ok();
    let mut chosen = std::env::var("CMSCONFORM_COLOR")
        .ok()
        .and_then(|v| parse(&v));
    let mut take_next = false;
    for arg in args {
        let Some(arg) = arg.as_ref().to_str() else {
            take_next = false;
            continue;
        };
        if take_next {
            chosen = parse(arg).or(chosen);
            take_next = false;
        } else if arg == "--" {
            break;
        } else if arg == "--color" {
            take_next = true;
        } else if let Some(value) = arg.strip_prefix("--color=") {
            chosen = parse(value).or(chosen);
        }
    }
    chosen.unwrap_or(ColorWhen::Auto)
}
