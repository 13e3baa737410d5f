//! `run` and `selftest` through the library, each against an embedded mock started in-process
//! on 127.0.0.1:0: the faithful mock passes, every contract mutation is caught by a failing
//! case whose check cites the clause the mutation breaks.

use cmsconform::contract::Contract;
use cmsconform::mock;
use cmsconform::report::{RunRecord, Verdict};
use cmsconform::runner::{self, RunConfig, Target};

fn failures(record: &RunRecord) -> Vec<String> {
    record
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Failed)
        .map(|c| {
            let first = c
                .violations
                .iter()
                .find(|v| v.is_failure())
                .map(ToString::to_string)
                .or_else(|| c.error.clone())
                .unwrap_or_default();
            format!("{}: {first}", c.id)
        })
        .collect()
}

#[test]
fn the_faithful_mock_passes_under_every_profile() {
    for profile in ["2023-12", "2025-11"] {
        let contract = Contract::embedded(profile).unwrap();
        let record = runner::run_to_record(&RunConfig::embedded(contract, 11, 48)).unwrap();
        assert!(record.conformant(), "{profile}: {:#?}", failures(&record));
        let totals = &record.meta.totals;
        assert!(totals.passed > 100, "{totals:?}");
        assert_eq!(totals.failed, 0);
        // One probe of each kind at most; nothing else is skipped.
        assert!(totals.skipped <= 2, "{totals:?}");
        assert_eq!(record.meta.seed, 11);
        assert_eq!(record.meta.profile, profile);
        assert_eq!(record.meta.case_set_hash.len(), 64);
    }
}

#[test]
fn mutated_mocks_fail_with_a_check_citing_the_broken_clause() {
    let contract = Contract::embedded("2023-12").unwrap();
    let defs = mock::mutations();
    assert!(!defs.is_empty(), "the mock offers no contract mutations");
    // A few mutations, spread over the catalogue.
    let step = (defs.len() / 4).max(1);
    for def in defs.iter().step_by(step) {
        let mut config = RunConfig::embedded(contract.clone(), 3, 16);
        config.target = Target::Embedded {
            faults: vec![def.name.to_owned()],
        };
        let record = runner::run_to_record(&config).unwrap();
        assert!(!record.conformant(), "{} was not caught", def.name);
        let clauses: Vec<&str> = record
            .cases
            .iter()
            .flat_map(|c| &c.violations)
            .filter(|v| v.is_failure())
            .map(|v| v.clause.as_str())
            .collect();
        assert!(
            clauses.contains(&def.clause),
            "{} breaks {} but the failing checks cite {:?}",
            def.name,
            def.clause,
            clauses
        );
    }
}

#[test]
fn selftest_passes_and_catches_every_mutation() {
    let contract = Contract::embedded("2023-12").unwrap();
    let report = runner::selftest(&contract, 1, 16, &[]).unwrap();
    assert!(report.passed(), "{}", report.table());
    assert_eq!(report.mutations.len(), mock::mutations().len());
    assert!(report.table().contains("caught"));
}
