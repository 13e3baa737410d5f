//! The command line's own rules: well formed, every argument with help and a variable,
//! switches read boolishly, colour decided as documented.

use super::*;

#[test]
fn cli_is_well_formed() {
    use clap::CommandFactory;
    Cli::command().debug_assert();
}

/// Every argument of every subcommand says what it does, and every one but clap's own
/// `--help`/`--version` reads a `CMSCONFORM_` variable: a new flag cannot miss either.
#[test]
fn every_argument_has_help_text_and_an_environment_variable() {
    use clap::CommandFactory;
    let mut cli = Cli::command();
    // Built, the subcommands carry the global flags and clap's own.
    cli.build();
    let mut missing = Vec::new();
    for sub in cli.get_subcommands() {
        for arg in sub.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            let name = format!("{} {id}", sub.get_name());
            if arg
                .get_help()
                .is_none_or(|h| h.to_string().trim().is_empty())
            {
                missing.push(format!("{name}: help text"));
            }
            let env = arg.get_env().and_then(|e| e.to_str()).unwrap_or("");
            if !env.starts_with("CMSCONFORM_") {
                missing.push(format!("{name}: environment variable"));
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

/// Every switch reads its variable with the boolish parser: `CMSCONFORM_NO_REPORT=1` and
/// `=yes` mean on, `=0`, `=no` and `=false` off (clap's default for a switch takes only
/// true/false).
#[test]
fn every_switch_reads_1_0_yes_no_true_false_from_its_variable() {
    use clap::CommandFactory;
    let cli = Cli::command();
    let mut switches = 0;
    for sub in cli.get_subcommands() {
        for arg in sub.get_arguments() {
            if !matches!(arg.get_action(), clap::ArgAction::SetTrue) {
                continue;
            }
            switches += 1;
            // A default goes through the switch's own parser, as its variable's value does.
            let read = |text: &'static str| {
                let arg = arg.clone().default_value(text);
                let id = arg.get_id().clone();
                clap::Command::new("t")
                    .arg(arg)
                    .try_get_matches_from(["t"])
                    .ok()
                    .map(|m| m.get_flag(id.as_str()))
            };
            for (text, expected) in [
                ("1", true),
                ("true", true),
                ("yes", true),
                ("on", true),
                ("0", false),
                ("false", false),
                ("no", false),
                ("off", false),
            ] {
                assert_eq!(
                    read(text),
                    Some(expected),
                    "{} {:?}={text}",
                    sub.get_name(),
                    arg.get_id()
                );
            }
            assert_eq!(read("maybe"), None, "{:?}", arg.get_id());
        }
    }
    // run's six and the mock's --list-faults: the walk found them.
    assert_eq!(switches, 7);
}

#[test]
fn colour_follows_the_choice_the_terminal_and_no_color() {
    use ColorWhen::*;
    // (choice, terminal, NO_COLOR, CLICOLOR_FORCE) -> colour
    for (when, terminal, no_color, force, expected) in [
        (Auto, true, false, false, true),
        (Auto, false, false, false, false),
        (Auto, true, true, false, false),
        (Auto, false, false, true, true),
        (Auto, false, true, true, false),
        (Always, false, true, false, true),
        (Never, true, false, true, false),
    ] {
        assert_eq!(
            when.colours(terminal, no_color, force),
            expected,
            "{when:?} terminal={terminal} NO_COLOR={no_color} CLICOLOR_FORCE={force}"
        );
    }
}

#[test]
fn colour_is_read_from_the_arguments_before_clap_parses() {
    // CMSCONFORM_COLOR is not set in the test environment; the arguments decide.
    if std::env::var_os("CMSCONFORM_COLOR").is_some() {
        return;
    }
    assert_eq!(early_color(["cmsconform", "run"]), ColorWhen::Auto);
    assert_eq!(
        early_color(["cmsconform", "--color", "never", "run"]),
        ColorWhen::Never
    );
    assert_eq!(
        early_color(["cmsconform", "run", "--color=always"]),
        ColorWhen::Always
    );
    assert_eq!(
        early_color(["cmsconform", "run", "--color", "rainbow"]),
        ColorWhen::Auto
    );
    assert_eq!(
        early_color(["cmsconform", "run", "--", "--color=never"]),
        ColorWhen::Auto
    );
}
