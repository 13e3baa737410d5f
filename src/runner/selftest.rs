//! `cmsconform selftest`: the suite against the faithful embedded mock (must pass), then once
//! per contract mutation of the mock applied to every request (each must be caught by at least
//! one failing case). Runs cases concurrently, writes no files, prints a table.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::runtime::Runtime;

use super::config::{RunConfig, Target};
use super::pipeline::{self, RunOptions};
use super::{InProcess, Silent};
use crate::contract::Contract;
use crate::error::{Error, Result};
use crate::mock;
use crate::report::{CaseRecord, Verdict};

/// The bad-auth budget of a selftest: the embedded mock has no lock-out, so every probe goes.
const SELFTEST_AUTH_PROBES: u32 = 64;

/// How one mutation fared.
#[derive(Debug, Clone, PartialEq)]
pub struct MutationResult {
    pub name: String,
    pub clause: String,
    /// At least one case failed.
    pub caught: bool,
    /// Check ids of the failing violations, most frequent first.
    pub checks: Vec<String>,
    /// When missed: informational findings citing the mutation's clause (the checks saw it
    /// but do not count it as a breach).
    pub noticed: Vec<String>,
    pub failed_cases: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SelftestReport {
    /// `id: first failure` of every case that failed against the faithful mock.
    pub clean_failures: Vec<String>,
    pub clean_cases: usize,
    pub mutations: Vec<MutationResult>,
}

impl SelftestReport {
    /// The clean run passed and every mutation was caught.
    pub fn passed(&self) -> bool {
        self.clean_failures.is_empty() && self.mutations.iter().all(|m| m.caught)
    }

    /// The table printed by `cmsconform selftest`.
    pub fn table(&self) -> String {
        let width = self
            .mutations
            .iter()
            .map(|m| m.name.len())
            .max()
            .unwrap_or(0)
            .max("mutation".len());
        let mut out = String::new();
        let clean = if self.clean_failures.is_empty() {
            "pass".to_owned()
        } else {
            format!("FAIL ({} cases)", self.clean_failures.len())
        };
        out.push_str(&format!(
            "clean mock: {clean} ({} cases)\n",
            self.clean_cases
        ));
        for failure in self.clean_failures.iter().take(20) {
            out.push_str(&format!("  {failure}\n"));
        }
        out.push_str(&format!(
            "{:<width$}  {:<6}  caught by\n",
            "mutation", "result"
        ));
        for m in &self.mutations {
            let result = if m.caught { "caught" } else { "MISSED" };
            let by = if m.checks.is_empty() && !m.noticed.is_empty() {
                format!("- (only information: {})", m.noticed.join(", "))
            } else if m.checks.is_empty() {
                "-".to_owned()
            } else {
                m.checks.join(", ")
            };
            out.push_str(&format!("{:<width$}  {result:<6}  {by}\n", m.name));
        }
        let caught = self.mutations.iter().filter(|m| m.caught).count();
        out.push_str(&format!(
            "{caught}/{} mutations caught\n",
            self.mutations.len()
        ));
        out
    }
}

/// Runs the selftest for `contract` with `property_cases` property cases of `seed`; `only`
/// restricts the mutations (empty = all). Every run goes on `runtime`.
pub fn selftest(
    contract: &Contract,
    seed: u64,
    property_cases: u32,
    only: &[String],
    runtime: &Arc<Runtime>,
) -> Result<SelftestReport> {
    let known = mock::mutations();
    for name in only {
        if !known.iter().any(|m| m.name == name) {
            let names: Vec<&str> = known.iter().map(|m| m.name).collect();
            return Err(Error::Usage(format!(
                "unknown mutation {name:?}; known: {}",
                names.join(", ")
            )));
        }
    }
    let mut base = RunConfig::embedded(contract.clone(), seed, property_cases);
    // Its own mock locks nobody out: every authentication probe is sent.
    base.auth_probes = SELFTEST_AUTH_PROBES;
    let every_case = InProcess::new(base.concurrency);
    let clean = pipeline::run(&base, runtime, &quiet(&every_case, true))?.record;
    let mut clean_failures: Vec<String> = clean
        .cases
        .iter()
        .filter(|r| r.verdict == Verdict::Failed)
        .map(|r| format!("{}: {}", r.id, first_failure(r)))
        .collect();
    for relation in &clean.relations {
        if relation.verdict == Verdict::Failed {
            let first = relation
                .violations
                .iter()
                .find(|v| v.is_failure())
                .map(ToString::to_string)
                .unwrap_or_default();
            clean_failures.push(format!("relation {}: {first}", relation.relation));
        }
    }
    let mut mutations = Vec::new();
    for def in known
        .iter()
        .filter(|m| only.is_empty() || only.iter().any(|o| o == m.name))
    {
        let mut config = base.clone();
        config.target = Target::Embedded {
            faults: vec![def.name.to_owned()],
        };
        config.relations = false;
        // A mutation is caught by its first failing case: cheap cases first, stop there.
        let fast = InProcess {
            stop_at_first_failure: true,
            smallest_first: true,
            ..every_case
        };
        let records = pipeline::run(&config, runtime, &quiet(&fast, true))?
            .record
            .cases;
        let failed: Vec<&CaseRecord> = records
            .iter()
            .filter(|r| r.verdict == Verdict::Failed)
            .collect();
        let mut checks = top_checks(&failed);
        let mut caught = !failed.is_empty();
        if !caught {
            // Only the multi-exchange relations can see some mutations.
            config.relations = true;
            let relations = pipeline::run(&config, runtime, &quiet(&every_case, false))?
                .record
                .relations;
            for relation in relations {
                if relation.verdict == Verdict::Failed {
                    caught = true;
                    for v in relation.violations.iter().filter(|v| v.is_failure()) {
                        if !checks.contains(&v.check) {
                            checks.push(v.check.clone());
                        }
                    }
                }
            }
        }
        mutations.push(MutationResult {
            name: def.name.to_owned(),
            clause: def.clause.to_owned(),
            caught,
            checks,
            noticed: noticed(&records, def.clause),
            failed_cases: failed.len(),
        });
    }
    Ok(SelftestReport {
        clean_failures,
        clean_cases: clean.cases.len(),
        mutations,
    })
}

fn noticed(records: &[CaseRecord], clause: &str) -> Vec<String> {
    let mut ids: Vec<String> = records
        .iter()
        .flat_map(|r| &r.violations)
        .filter(|v| !v.is_failure() && v.clause == clause)
        .map(|v| v.check.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn first_failure(record: &CaseRecord) -> String {
    record
        .violations
        .iter()
        .find(|v| v.is_failure())
        .map(ToString::to_string)
        .or_else(|| record.error.clone())
        .unwrap_or_default()
}

/// The check ids behind the failures, most frequent first, at most three.
fn top_checks(failed: &[&CaseRecord]) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for record in failed {
        for v in record.violations.iter().filter(|v| v.is_failure()) {
            *counts.entry(v.check.as_str()).or_default() += 1;
        }
        if record.violations.iter().all(|v| !v.is_failure()) {
            *counts.entry("transport").or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(3)
        .map(|(c, _)| c.to_owned())
        .collect()
}

/// A run nobody watches that goes on when the preflight fails: a mutated mock that spoils the
/// seed example's answer must be caught by the cases' checks, not stop the run. With `cases`
/// false, only the relations are sent.
fn quiet(driver: &InProcess, cases: bool) -> RunOptions<'_> {
    RunOptions {
        driver,
        observer: &Silent,
        cases,
        despite_failed_preflight: true,
        shrink: false,
    }
}
