//! The multi-exchange checks' catalogue: each `CMS-REL-*` check with its stable id and clause,
//! and the checks (hence the clauses) each relation applies, for the report's coverage.

use crate::checks::model::check_def;
use crate::checks::{CheckDef, Severity};

check_def!(
    SUB_BATCH,
    "CMS-REL-001",
    "notes:6.14",
    Failure,
    "A sub-batch answers the same agents, with the same records, as the batch does for those IDs"
);
check_def!(
    PERMUTATION,
    "CMS-REL-002",
    "notes:6.14",
    Failure,
    "Shuffling the agent IDs changes neither the agents answered nor their records"
);
check_def!(
    DUPLICATION,
    "CMS-REL-003",
    "notes:6.14",
    Failure,
    "Duplicating agent IDs changes neither the agents answered nor their records"
);
check_def!(
    ANSWERED_ONCE,
    "CMS-REL-004",
    "notes:6.3",
    Failure,
    "Asked for with duplicates, each agent is answered once"
);
check_def!(
    REPETITION,
    "CMS-REL-005",
    "notes:6.14",
    Failure,
    "The same request twice in a row answers the same agents with the same states; durations only grow with the time elapsed"
);
check_def!(
    ENFORCED_LIMIT,
    "CMS-REL-006",
    "notes:6.1",
    Failure,
    "The server enforces the documented limits of ccId, vdn, agent IDs and array length"
);

check_def!(
    NODE_SKEW,
    "CMS-REL-007",
    "notes:6.16",
    Info,
    "Two answers disagree on a signed-in agent's logonTime or durations by no more than the tolerance: nodes whose clocks differ"
);

/// Every multi-exchange check, with its stable id and clause.
pub static RELATION_CATALOGUE: &[&CheckDef] = &[
    &SUB_BATCH,
    &PERMUTATION,
    &DUPLICATION,
    &ANSWERED_ONCE,
    &REPETITION,
    &ENFORCED_LIMIT,
    &NODE_SKEW,
];

/// The checks a relation record applies, by its `relation` name (`sub-batch::tail` →
/// CMS-REL-001): what a passing relation covers, for the report's clause coverage.
pub fn checks_of(relation: &str) -> &'static [&'static CheckDef] {
    // A repetition compares two answers that two nodes may have given (notes:6.16).
    static REPEATED: &[&CheckDef] = &[&REPETITION, &NODE_SKEW];
    static SHUFFLED: &[&CheckDef] = &[&PERMUTATION];
    static SUB: &[&CheckDef] = &[&SUB_BATCH];
    static DUPLICATED: &[&CheckDef] = &[&DUPLICATION, &ANSWERED_ONCE];
    static LIMITS: &[&CheckDef] = &[&ENFORCED_LIMIT];
    match relation.split("::").next().unwrap_or_default() {
        "repetition" => REPEATED,
        "permutation" => SHUFFLED,
        "sub-batch" => SUB,
        "duplication" => DUPLICATED,
        "discovery" => LIMITS,
        _ => &[],
    }
}
