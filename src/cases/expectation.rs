//! What a case expects of the answer: one [`Outcome`], or any of several the contract allows.

use serde::{Deserialize, Serialize};

/// What a case expects the server to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A success answer (`resultCode` 0100000) for the agents asked for.
    Accepted,
    /// A rejection: HTTP 200 with a failure resultCode, or a 4xx, and no agent data.
    Rejected,
    /// HTTP 401.
    Unauthenticated,
    /// Not a success: 405 (with `Allow: POST`), 404 or 501.
    NotAllowedMethod,
}

/// One outcome, or any of several the contract allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Expectation {
    One(Outcome),
    EitherOf {
        #[serde(rename = "eitherOf")]
        either_of: Vec<Outcome>,
    },
}

impl Expectation {
    pub fn allows(&self, outcome: Outcome) -> bool {
        match self {
            Expectation::One(o) => *o == outcome,
            Expectation::EitherOf { either_of } => either_of.contains(&outcome),
        }
    }

    pub fn outcomes(&self) -> Vec<Outcome> {
        match self {
            Expectation::One(o) => vec![*o],
            Expectation::EitherOf { either_of } => either_of.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectation_reads_both_forms() {
        let one: Expectation = serde_json::from_str("\"not-allowed-method\"").unwrap();
        assert_eq!(one, Expectation::One(Outcome::NotAllowedMethod));
        let either: Expectation =
            serde_json::from_str(r#"{"eitherOf":["accepted","rejected"]}"#).unwrap();
        assert!(either.allows(Outcome::Rejected) && !either.allows(Outcome::Unauthenticated));
    }
}
