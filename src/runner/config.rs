//! A run's configuration ([`RunConfig`]): the contract, where the target is, the credentials,
//! the seed and the client settings. The flags are turned into one in `commands::run_config`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::auth::Credentials;
use crate::checks::CheckOptions;
use crate::client::ClientConfig;
use crate::contract::{Contract, DataSource};

/// Where the cases go.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The embedded mock, started on 127.0.0.1:0 for this run, with these global faults
    /// (mutation or fault specs; empty = the faithful mock).
    Embedded { faults: Vec<String> },
    /// A server under test at this base URL.
    Remote { base_url: String },
}

/// The run's home pair lives with the checks that read it (notes:6.15).
pub use crate::cases::HomePair;

/// Everything a run needs, independent of how it was asked for (CLI, selftest, tests).
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub contract: Contract,
    pub target: Target,
    /// Client settings; `base_url` is filled in when the target is known.
    pub client: ClientConfig,
    /// The interface path requests go to (the profile's, or `--path`).
    pub path: String,
    pub seed: u64,
    pub property_cases: u32,
    /// Unauthenticated probes sent at most.
    pub auth_probes: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    pub check_options: CheckOptions,
    /// Run the consistency relations (notes:6.14) and the limit discovery after the cases
    /// (`--no-relations` turns them off; the selection may keep only some).
    pub relations: bool,
    /// FILTER, `--exact`, `--skip`: which cases, relations and limit discoveries the run keeps.
    pub selection: super::Selection,
    /// Requests the fleet scan, the hosted scans and then the limit discovery may send (0 = off).
    pub discovery_budget: u32,
    /// `--agents`: the fleet as given; no scan is sent.
    pub agents: Option<BTreeSet<i64>>,
    /// Scan the home pair for its fleet before the cases (within `discovery_budget`).
    pub scan_fleet: bool,
    /// The agents the cases and relations aim at: the fleet found or given, empty before the
    /// scan (and when none was found).
    pub fleet: Vec<i64>,
    /// `--min-agents`: fewer distinct agents judged than this is warned about.
    pub min_agents: u32,
    /// `--cc-id` / `--vdn`: the call centre and VDN the target hosts (notes:6.15).
    pub home: HomePair,
    /// Allowance beyond elapsed wall time when durations are compared, ms.
    pub relations_tolerance_ms: i64,
    /// Where hand-written cases come from.
    pub case_source: DataSource,
    /// Where shrunk property failures are written: `<report-dir>/regressions`, never a
    /// directory cases are read from unless asked. `None` (`--no-report`, selftest): failures
    /// are not shrunk.
    pub regressions_dir: Option<PathBuf>,
    /// Regression case files replayed, only ever read: `--regressions DIR`, else
    /// `cases/regressions` of the working directory when it exists (`None` when `--cases-dir`
    /// is given: that directory is read whole, its `regressions/` included).
    pub replay_dir: Option<PathBuf>,
    /// The command line that reproduces the run, secrets left out.
    pub command_line: String,
    /// Passing cases keep their request and answer excerpts in their records: false when no
    /// report will show them (`--no-report`). Failures always keep theirs.
    pub record_passing_exchanges: bool,
}

/// The environment variable the SK should come from (a flag shows in the process list).
pub const SK_ENV: &str = "CMSCONFORM_SK";
pub const AK_ENV: &str = "CMSCONFORM_AK";
/// The regressions a run replays by default, relative to the working directory: where a user
/// copies the shrunk failures they want to keep.
pub const REGRESSIONS_DIR: &str = "cases/regressions";
/// Where shrunk property failures go, inside the report directory.
pub const SHRUNK_SUBDIR: &str = "regressions";

impl RunConfig {
    /// A run of `contract` against the faithful embedded mock with local credentials, a small
    /// property budget and no regression files: what selftest and the tests start from.
    pub fn embedded(contract: Contract, seed: u64, property_cases: u32) -> Self {
        let path = contract.profile().path.clone();
        let profile = contract.profile().name.clone();
        let clock_skew_ms = contract.profile().logon_time.default_clock_skew_ms;
        RunConfig {
            contract,
            target: Target::Embedded { faults: Vec::new() },
            client: ClientConfig::new(String::new(), Credentials::local_default()),
            path,
            seed,
            property_cases,
            auth_probes: 2,
            concurrency: 8,
            check_options: CheckOptions {
                now_ms: None,
                clock_skew_ms,
                home: Some(HomePair::SEED),
            },
            relations: true,
            selection: super::Selection::everything(),
            discovery_budget: 0,
            agents: None,
            scan_fleet: false,
            fleet: Vec::new(),
            min_agents: 10,
            home: HomePair::SEED,
            relations_tolerance_ms: crate::consistency::relations::DEFAULT_TOLERANCE_MS,
            case_source: DataSource::cases(),
            regressions_dir: None,
            replay_dir: None,
            command_line: format!("cmsconform run --profile {profile} --seed {seed}"),
            record_passing_exchanges: true,
        }
    }

    pub fn profile_name(&self) -> &str {
        &self.contract.profile().name
    }
}
