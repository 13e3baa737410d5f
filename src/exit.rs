//! The documented process exit codes. Every subcommand maps its result onto exactly these, so a
//! CI gate can tell "the server broke the contract" from "the harness could not do its job".

/// The target (or captured exchange) honours the contract.
pub const CONFORMANT: i32 = 0;
/// At least one case failed: the target broke the contract (or `diff` found new failures).
pub const NON_CONFORMANT: i32 = 1;
/// The command line, a case file, a schema or a profile is wrong.
pub const USAGE: i32 = 2;
/// The harness could not finish: the target is unreachable or unusable, or I/O failed.
pub const RUNTIME: i32 = 3;
