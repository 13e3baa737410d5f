//! The clause catalogue (`schemas/clauses.json`): every clause of the seed and of
//! CONTRACT-NOTES that a check or a case may cite. Reports list them all for coverage.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Clause {
    /// `seed:table2:ccId`, `notes:6.4`, ...
    pub id: String,
    /// `seed` or `notes`.
    pub source: String,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Clauses {
    pub clauses: Vec<Clause>,
}

impl Clauses {
    pub fn get(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }
}
