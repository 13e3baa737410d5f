//! `cmsconform selftest`: the suite against the clean embedded mock, then under each contract
//! mutation; the table printed, exit 1 when a mutation went uncaught.

use crate::cli::{GlobalArgs, SelftestArgs};
use crate::contract::Contract;
use crate::error::Result;
use crate::exit;
use crate::runner;

/// `cmsconform selftest`.
pub fn selftest(args: &SelftestArgs, global: &GlobalArgs) -> Result<i32> {
    let schemas = global.schema_source();
    let contract = Contract::load_named(&schemas, args.profile.as_deref())?;
    let profile = &contract.profile().name;
    println!("selftest: profile {profile}, seed {}", args.seed);
    let runtime = std::sync::Arc::new(super::runtime()?);
    let outcome = runner::selftest(
        &contract,
        args.seed,
        args.property_cases,
        &args.mutations,
        &runtime,
    )?;
    print!("{}", outcome.table());
    Ok(if outcome.passed() {
        exit::CONFORMANT
    } else {
        exit::NON_CONFORMANT
    })
}
