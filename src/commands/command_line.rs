//! The command line a run records (`meta.command`) and its rerun lines start from: the flags
//! that change what is sent or how it is judged, when they differ from their defaults. Pure.

use crate::cli::{GlobalArgs, RunArgs};

/// The command line that sends the same requests and judges them the same way: every such
/// flag that differs from its default, values shell-quoted. Never a secret (`--ak`/`--sk` and
/// environment values stay out: a rerun takes them from the environment again), nor what only
/// selects, paces or presents (filters, `-j`, `--rate-limit`, `--format`, the report directory),
/// nor `--baseline`: a rerun of a failure must show it failing (report.json names the baseline).
pub(super) fn command_line(
    args: &RunArgs,
    global: &GlobalArgs,
    profile: &str,
    seed: u64,
    default_clock_skew_ms: i64,
) -> String {
    use crate::report::reproduce::shell_quote;
    use crate::units::{parse_duration, parse_size};
    let number = |id: &str, value: String| default_of(id).is_none_or(|d| d != value);
    let duration = |id: &str, value: std::time::Duration| {
        default_of(id).is_none_or(|d| parse_duration(&d).ok() != Some(value))
    };
    let mut flags: Vec<String> = vec![
        format!("--profile {}", shell_quote(profile)),
        format!("--seed {seed}"),
    ];
    let mut flag =
        |name: &str, value: String| flags.push(format!("{name} {}", shell_quote(&value)));
    let path = |p: &std::path::Path| p.display().to_string();
    if let Some(dir) = &global.schemas {
        flag("--schemas", path(dir));
    }
    if let Some(dir) = &global.cases_dir {
        flag("--cases-dir", path(dir));
    }
    if let Some(target) = &args.target {
        flag("--target", target.clone());
    }
    if let Some(p) = &args.path {
        flag("--path", p.clone());
    }
    if number("property_cases", args.property_cases.to_string()) {
        flag("--property-cases", args.property_cases.to_string());
    }
    if let Some(agents) = &args.agents {
        flag("--agents", agents.clone());
    }
    if number("cc_id", args.cc_id.to_string()) {
        flag("--cc-id", args.cc_id.to_string());
    }
    if number("vdn", args.vdn.to_string()) {
        flag("--vdn", args.vdn.to_string());
    }
    if let Some(file) = &args.cacert {
        flag("--cacert", path(file));
    }
    if let Some(file) = &args.client_cert {
        flag("--client-cert", path(file));
    }
    if duration("timeout", args.timeout) {
        flag("--timeout", duration_text(args.timeout));
    }
    if default_of("max_body").is_none_or(|d| parse_size(&d).ok() != Some(args.max_body)) {
        flag("--max-body", args.max_body.to_string());
    }
    if number("auth_probes", args.auth_probes.to_string()) {
        flag("--auth-probes", args.auth_probes.to_string());
    }
    // The default is the profile's, so a skew equal to it changes nothing.
    let skew = args
        .clock_skew
        .filter(|skew| i64::try_from(skew.as_millis()) != Ok(default_clock_skew_ms));
    if let Some(skew) = skew {
        flag("--clock-skew", duration_text(skew));
    }
    if duration("relations_tolerance", args.relations_tolerance) {
        flag(
            "--relations-tolerance",
            duration_text(args.relations_tolerance),
        );
    }
    if number("discovery_budget", args.discovery_budget.to_string()) {
        flag("--discovery-budget", args.discovery_budget.to_string());
    }
    if number("min_agents", args.min_agents.to_string()) {
        flag("--min-agents", args.min_agents.to_string());
    }
    if let Some(dir) = &args.regressions {
        flag("--regressions", path(dir));
    }
    if args.insecure {
        flags.push("--insecure".to_owned());
    }
    if args.no_relations {
        flags.push("--no-relations".to_owned());
    }
    format!("cmsconform run {}", flags.join(" "))
}

/// The default of a `run` flag (by its field name) as clap declares it, environment aside.
fn default_of(id: &str) -> Option<String> {
    let command = <RunArgs as clap::Args>::augment_args(clap::Command::new("run"));
    let arg = command.get_arguments().find(|a| a.get_id() == id)?;
    arg.get_default_values()
        .first()
        .map(|v| v.to_string_lossy().into_owned())
}

/// A duration as `parse_duration` reads it back: `750ms`, `10s`, `0.0005s`.
fn duration_text(duration: std::time::Duration) -> String {
    if duration.subsec_nanos() % 1_000_000 != 0 {
        return format!("{}s", duration.as_secs_f64());
    }
    match duration.as_millis() {
        ms if ms % 1000 == 0 => format!("{}s", ms / 1000),
        ms => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::run_config::parse_run as parse;

    #[test]
    fn the_command_line_carries_what_changes_the_run_and_no_secret() {
        let plain = parse(&["--seed", "4", "--profile", "2023-12", "--no-report"]).unwrap();
        assert_eq!(
            plain.command_line,
            "cmsconform run --profile 2023-12 --seed 4"
        );
        let config = parse(&[
            "--seed",
            "4",
            "--profile",
            "2023-12",
            "--target",
            "https://cms:1",
            "--ak",
            "a",
            "--sk",
            "s3cret-key",
            "--insecure",
            "--cacert",
            "my ca.pem",
            "--timeout",
            "30s",
            "--clock-skew",
            "90s",
            "--auth-probes",
            "0",
            "--cc-id",
            "3",
            "--vdn",
            "5",
            "--path",
            "/bms/x",
            "--max-body",
            "1MiB",
            "--relations-tolerance",
            "750ms",
            "--cases",
            "32",
            "-j",
            "9",
            "--no-report",
        ])
        .unwrap();
        let line = &config.command_line;
        for part in [
            "--target https://cms:1",
            "--insecure",
            "--cacert 'my ca.pem'",
            "--timeout 30s",
            "--clock-skew 90s",
            "--auth-probes 0",
            "--cc-id 3",
            "--vdn 5",
            "--path /bms/x",
            "--max-body 1048576",
            "--relations-tolerance 750ms",
            "--property-cases 32",
        ] {
            assert!(line.contains(part), "{part} missing from {line}");
        }
        assert!(
            !line.contains("s3cret") && !line.contains("--ak") && !line.contains("-j"),
            "{line}"
        );
        // What it says reads back to the same run.
        let words: Vec<String> = line
            .replace("'my ca.pem'", "my\u{0}ca.pem")
            .split(' ')
            .skip(2)
            .map(|w| w.replace('\u{0}', " "))
            .collect();
        let mut again: Vec<&str> = words.iter().map(String::as_str).collect();
        again.extend(["--ak", "a", "--sk", "s", "--no-report"]);
        let back = parse(&again).unwrap();
        assert_eq!(back.command_line, *line);
    }

    /// A copy of the embedded schemas whose profiles allow `skew_ms` of clock skew by default.
    fn schemas_with_default_skew(skew_ms: i64) -> tempfile::TempDir {
        use crate::contract::DataSource;
        let dir = tempfile::tempdir().unwrap();
        for file in DataSource::schemas().json_files_below("").unwrap() {
            let dest = dir.path().join(&file.relative);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            let text = String::from_utf8(file.bytes).unwrap().replace(
                "\"defaultClockSkewMs\": 300000",
                &format!("\"defaultClockSkewMs\": {skew_ms}"),
            );
            std::fs::write(dest, text).unwrap();
        }
        dir
    }

    #[test]
    fn the_clock_skew_defaults_to_the_profile_and_the_flag_wins() {
        let shipped = parse(&["--seed", "1", "--no-report"]).unwrap();
        let profile = shipped.contract.profile();
        assert_eq!(
            shipped.check_options.clock_skew_ms,
            profile.logon_time.default_clock_skew_ms
        );
        // Today's effective default, before the profile said it.
        assert_eq!(shipped.check_options.clock_skew_ms, 5 * 60 * 1000);

        let dir = schemas_with_default_skew(90_000);
        let schemas = dir.path().to_str().unwrap();
        let base = ["--schemas", schemas, "--seed", "1", "--no-report"];
        let from_profile = parse(&base).unwrap();
        assert_eq!(from_profile.check_options.clock_skew_ms, 90_000);
        assert!(!from_profile.command_line.contains("--clock-skew"));

        let same = parse(&[&base[..], &["--clock-skew", "90s"]].concat()).unwrap();
        assert_eq!(same.check_options.clock_skew_ms, 90_000);
        assert!(
            !same.command_line.contains("--clock-skew"),
            "{}",
            same.command_line
        );

        let flag = parse(&[&base[..], &["--clock-skew", "5m"]].concat()).unwrap();
        assert_eq!(flag.check_options.clock_skew_ms, 300_000);
        assert!(
            flag.command_line.contains("--clock-skew 300s"),
            "{}",
            flag.command_line
        );
    }
}
