//! A run's flags → its [`RunConfig`]: the contract and profile, the target and credentials,
//! the seed, the client's settings, the selection and the command line that reruns it.

use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;

use crate::auth::Credentials;
use crate::checks::CheckOptions;
use crate::cli::{GlobalArgs, RunArgs};
use crate::client::ClientConfig;
use crate::contract::Contract;
use crate::error::{Error, Result};
use crate::runner::config::{AK_ENV, HomePair, REGRESSIONS_DIR, SHRUNK_SUBDIR, SK_ENV};
use crate::runner::{RunConfig, Selection, Target};

impl RunConfig {
    /// Builds the run's configuration from its flags.
    pub fn from_args(args: &RunArgs, global: &GlobalArgs) -> Result<Self> {
        let schemas = global.schema_source();
        let contract = Contract::load_named(&schemas, args.profile.as_deref())?;
        let profile = contract.profile().name.clone();
        let (target, creds) = match &args.target {
            None => {
                let local = Credentials::local_default();
                let creds = Credentials::new(
                    args.ak.clone().unwrap_or(local.ak),
                    args.sk
                        .clone()
                        .unwrap_or_else(|| local.sk.expose().to_owned()),
                );
                (Target::Embedded { faults: Vec::new() }, creds)
            }
            Some(url) => {
                let url = url.trim().trim_end_matches('/').to_owned();
                if url.is_empty() {
                    return Err(Error::Usage("--target is empty".into()));
                }
                let ak = args.ak.clone().filter(|a| !a.is_empty()).ok_or_else(|| {
                    Error::Usage(format!(
                        "--target needs an access key: set {AK_ENV} (or --ak)"
                    ))
                })?;
                let sk = args.sk.clone().filter(|s| !s.is_empty()).ok_or_else(|| {
                    Error::Usage(format!(
                        "--target needs a secret key: set the environment variable {SK_ENV} \
                         (preferred: a --sk flag shows in the process list)"
                    ))
                })?;
                (Target::Remote { base_url: url }, Credentials::new(ak, sk))
            }
        };
        if args.concurrency == 0 {
            return Err(Error::Usage("-j/--concurrency must be at least 1".into()));
        }
        if args.test_threads == Some(0) {
            return Err(Error::Usage("--test-threads must be at least 1".into()));
        }
        let path = match &args.path {
            Some(p) if !p.starts_with('/') => {
                return Err(Error::Usage(format!("--path {p:?} must start with '/'")));
            }
            Some(p) => p.clone(),
            None => contract.profile().path.clone(),
        };
        let seed = args.seed.unwrap_or_else(random_seed);
        let mut client = ClientConfig::new(String::new(), creds);
        client.timeout = args.timeout;
        client.max_body = args.max_body;
        client.insecure = args.insecure;
        client.cacert = args.cacert.clone();
        client.client_cert = args.client_cert.clone();
        client.rate_limit = args.rate_limit;
        client.breaker = args.breaker;
        // The flag wins; without it, the profile says how far ahead a server clock may be.
        let default_clock_skew_ms = contract.profile().logon_time.default_clock_skew_ms;
        let clock_skew_ms = args.clock_skew.map_or(default_clock_skew_ms, |skew| {
            i64::try_from(skew.as_millis()).unwrap_or(i64::MAX)
        });
        // A cases directory given on the command line is read whole, regressions included.
        let replay_dir = match (&args.regressions, &global.cases_dir) {
            (Some(dir), _) => Some(dir.clone()),
            (None, None) => Some(PathBuf::from(REGRESSIONS_DIR)),
            (None, Some(_)) => None,
        };
        // A run writes only into its report directory; without one it shrinks nothing.
        let regressions_dir = (!args.no_report).then(|| args.report_dir.join(SHRUNK_SUBDIR));
        let command_line =
            super::command_line::command_line(args, global, &profile, seed, default_clock_skew_ms);
        let home = HomePair {
            cc_id: args.cc_id,
            vdn: args.vdn,
        };
        check_home(&contract, home)?;
        let agents = args
            .agents
            .as_deref()
            .map(crate::runner::fleet::ids::read_agents)
            .transpose()
            .map_err(|e| Error::Usage(e.to_string()))?;
        Ok(RunConfig {
            contract,
            target,
            client,
            path,
            seed,
            property_cases: args.property_cases,
            auth_probes: args.auth_probes,
            concurrency: args.concurrency,
            check_options: CheckOptions {
                now_ms: None,
                clock_skew_ms,
                home: Some(home),
            },
            // Relations are selected by their names, as cases are (`relation::repetition`).
            relations: !args.no_relations,
            selection: Selection {
                filter: args.filter.clone(),
                exact: args.exact,
                skip: args.skip.clone(),
            },
            discovery_budget: args.discovery_budget,
            scan_fleet: agents.is_none(),
            fleet: agents.iter().flatten().copied().collect(),
            agents,
            min_agents: args.min_agents,
            home,
            relations_tolerance_ms: i64::try_from(args.relations_tolerance.as_millis())
                .unwrap_or(i64::MAX),
            case_source: global.case_source(),
            regressions_dir,
            replay_dir,
            command_line,
            record_passing_exchanges: !args.no_report,
        })
    }
}

/// The home pair must be a valid request: inside the profile's ranges of ccId and vdn.
fn check_home(contract: &Contract, home: HomePair) -> Result<()> {
    let limits = &contract.profile().limits;
    for (flag, member, value, range) in [
        ("--cc-id", "ccId", home.cc_id, limits.cc_id),
        ("--vdn", "vdn", home.vdn, limits.vdn),
    ] {
        if !range.contains(value) {
            return Err(Error::Usage(format!(
                "{flag} {value} is outside the {member} range {}..{} of profile {}: the home \
                 pair must be a call centre and VDN the target hosts",
                range.min,
                range.max,
                contract.profile().name
            )));
        }
    }
    Ok(())
}

/// A seed for a run that was not given one; printed so the run can be repeated.
fn random_seed() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    // Keep seeds short enough to type back.
    hasher.finish() % 1_000_000_000
}

/// `cmsconform run ARGS` as a [`RunConfig`], for the tests of this module and its neighbours.
#[cfg(test)]
pub(super) fn parse_run(args: &[&str]) -> Result<RunConfig> {
    use clap::Parser;
    let cli = crate::cli::Cli::try_parse_from(["cmsconform", "run"].iter().chain(args).copied())
        .map_err(|e| Error::Usage(e.to_string()))?;
    match cli.command {
        crate::cli::Command::Run(run) => RunConfig::from_args(&run, &cli.global),
        _ => unreachable!("parsed a run command"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<RunConfig> {
        parse_run(args)
    }

    #[test]
    fn a_remote_target_needs_both_keys() {
        let err = parse(&["--target", "https://cms:28080", "--ak", "a", "--sk", ""])
            .unwrap_err()
            .to_string();
        assert!(err.contains(SK_ENV), "{err}");
        let ok = parse(&[
            "--target",
            "https://cms:28080/",
            "--ak",
            "a",
            "--sk",
            "s3cret",
        ])
        .unwrap();
        assert_eq!(
            ok.target,
            Target::Remote {
                base_url: "https://cms:28080".into()
            }
        );
    }

    #[test]
    fn defaults_follow_the_contract() {
        let config = parse(&["--seed", "9", "--profile", "2025-11", "--no-report"]).unwrap();
        assert_eq!(config.seed, 9);
        assert_eq!(config.profile_name(), "2025-11");
        assert_eq!(config.path, config.contract.profile().path);
        assert_eq!(config.target, Target::Embedded { faults: vec![] });
        assert!(!config.command_line.contains(crate::auth::DEFAULT_SK));
        assert!(parse(&["--profile", "nope"]).is_err());
        assert!(parse(&["--path", "no-slash"]).is_err());
        assert_eq!(config.home, HomePair::SEED);
        assert_eq!(config.check_options.home, Some(HomePair::SEED));
    }

    #[test]
    fn the_home_pair_must_lie_in_the_profile_ranges() {
        let config = parse(&["--cc-id", "65535", "--vdn", "5000", "--no-report"]).unwrap();
        assert_eq!(
            config.home,
            HomePair {
                cc_id: 65535,
                vdn: 5000
            }
        );
        for (args, flag) in [
            (["--cc-id", "0"], "--cc-id 0"),
            (["--cc-id", "65536"], "--cc-id 65536"),
            (["--vdn", "5001"], "--vdn 5001"),
            (["--relations-vdn", "0"], "--vdn 0"),
        ] {
            let err = parse(&args).unwrap_err();
            assert!(matches!(err, Error::Usage(_)), "{err}");
            let text = err.to_string();
            assert!(text.contains(flag) && text.contains("range"), "{text}");
        }
    }

    #[test]
    fn agents_given_replace_the_scan_and_bad_ones_are_usage_errors() {
        let config = parse(&["--agents", "1000-1002,7", "--no-report"]).unwrap();
        assert_eq!(config.fleet, vec![7, 1000, 1001, 1002]);
        assert!(!config.scan_fleet);
        assert!(config.command_line.contains("--agents 1000-1002,7"));
        let scanning = parse(&["--no-report"]).unwrap();
        assert!(scanning.scan_fleet && scanning.fleet.is_empty());
        assert_eq!(scanning.discovery_budget, 256);
        assert_eq!(scanning.min_agents, 10);
        let err = parse(&["--agents", "1000-1199, 2001-19x"]).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("--agents") && text.contains("2001-19x"),
            "{text}"
        );
    }

    #[test]
    fn regressions_are_written_to_the_report_dir_and_read_from_cases() {
        let config = parse(&["--report-dir", "out/run"]).unwrap();
        assert_eq!(
            config.regressions_dir,
            Some(PathBuf::from("out/run/regressions"))
        );
        assert_eq!(config.replay_dir, Some(PathBuf::from(REGRESSIONS_DIR)));
        let quiet = parse(&["--no-report", "--regressions", "kept"]).unwrap();
        assert_eq!(quiet.regressions_dir, None, "--no-report: nowhere to write");
        assert_eq!(quiet.replay_dir, Some(PathBuf::from("kept")));
        let own_cases = parse(&["--cases-dir", "mine"]).unwrap();
        assert_eq!(own_cases.replay_dir, None, "the cases dir is read whole");
    }
}
