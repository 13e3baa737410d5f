//! Reports of a run: `report.json`, `junit.xml`, `report.md`, `report.html`, one file per
//! format, all rendered from [`model::RunRecord`]. Reports never see a secret: requests are
//! redacted before they reach the model.

pub mod model;

pub use model::*;
