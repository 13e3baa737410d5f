//! `cmsconform diff`: two report.json files compared, the change printed as Markdown or JSON;
//! a regression the gate counts makes exit 1.

use crate::cli::{DiffArgs, DiffFormat};
use crate::diff::{compare, read_report, render_json, render_markdown};
use crate::error::Result;
use crate::exit;

/// `cmsconform diff OLD NEW`: exit 1 when the gate counts a regression.
pub fn diff(args: &DiffArgs) -> Result<i32> {
    let old = read_report(&args.old)?;
    let new = read_report(&args.new)?;
    let diff = compare(
        &old,
        &args.old.display().to_string(),
        &new,
        &args.new.display().to_string(),
    );
    let text = match args.format {
        DiffFormat::Md => render_markdown(&diff),
        DiffFormat::Json => render_json(&diff)?,
    };
    print!("{text}");
    Ok(if diff.gate_failures() > 0 {
        exit::NON_CONFORMANT
    } else {
        exit::CONFORMANT
    })
}
