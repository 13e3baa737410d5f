//! What one relation, or one probed limit, came to: the consistency layer's own result. It
//! holds the exchanges it compared as they were sent and received; turning them into report
//! records (excerpts, secrets redacted) is the runner's business, downstream.

use crate::checks::Violation;
use crate::exchange::Exchange;

/// How a relation or a discovered limit was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Judgement {
    /// Compared, and nothing failed (information may still be listed in the findings).
    Passed,
    /// A violation that fails the contract.
    Failed,
    /// Not judged: an answer that cannot be compared, no agent data, no budget, ...
    NotJudged,
}

impl Judgement {
    /// `Failed` when any violation fails the contract, else `Passed`.
    pub fn of(violations: &[Violation]) -> Judgement {
        if violations.iter().any(Violation::is_failure) {
            Judgement::Failed
        } else {
            Judgement::Passed
        }
    }
}

/// One relation (`permutation`, `sub-batch::tail`, ...) or one discovered limit
/// (`discovery::ccId`, ...), with the exchanges it compared.
#[derive(Debug)]
pub struct RelationOutcome {
    pub relation: String,
    pub judgement: Judgement,
    /// Every violation found: the report's record keeps a few and counts all.
    pub violations: Vec<Violation>,
    /// The exchanges compared, in order (pointers `#N/...` index into this).
    pub exchanges: Vec<Exchange>,
    /// One-line findings, e.g. "documented max 6000 items; server accepts up to 8191".
    pub findings: Vec<String>,
}
