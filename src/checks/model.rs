//! What a check finds ([`Violation`]) and how much it weighs ([`Severity`]). The exchanges the
//! checks judge are [`crate::exchange`]'s, and what a case expected is [`crate::cases`]'s. No
//! rule lives here.

use serde::{Deserialize, Serialize};

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The contract allows this choice; reported, never failing.
    Info,
    /// A breach of the contract.
    Failure,
}

/// A check's identity: stable id, the clause it enforces, and what it means.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CheckDef {
    /// Stable id, e.g. `CMS-RESP-007`. Never reuse or renumber.
    pub id: &'static str,
    /// Clause id from `schemas/clauses.json`.
    pub clause: &'static str,
    pub severity: Severity,
    /// One line: what the rule is.
    pub title: &'static str,
}

/// Declares a `pub static` [`CheckDef`]: `check_def!(NAME, "CMS-X-001", "notes:6.4", Failure, "title");`
macro_rules! check_def {
    ($name:ident, $id:literal, $clause:literal, $sev:ident, $title:literal) => {
        pub static $name: CheckDef = CheckDef {
            id: $id,
            clause: $clause,
            severity: Severity::$sev,
            title: $title,
        };
    };
}
pub(crate) use check_def;

/// Longest rendering of an offending value kept in a violation.
pub const MAX_VALUE_CHARS: usize = 120;

/// One finding of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub check: String,
    pub clause: String,
    pub severity: Severity,
    /// JSON pointer to the offending value. In a single exchange it points into the response
    /// body (`/resultDesc/3/currentState`), or names a header (`header:content-type`) or the
    /// status (`status`). Multi-exchange checks prefix the exchange (`#1/resultDesc/0`).
    pub pointer: String,
    /// The offending value, rendered as JSON and truncated to [`MAX_VALUE_CHARS`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    pub message: String,
    /// The `agentId` of the agent object the pointer lands in (`/resultDatas/N/...`,
    /// `/resultDesc/N/...`), filled from the answer after judging ([`super::attribute_agents`]):
    /// the pointer alone names an agent only through the answer.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent: Option<i64>,
}

impl Violation {
    pub fn new(
        def: &'static CheckDef,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Violation {
            check: def.id.to_owned(),
            clause: def.clause.to_owned(),
            severity: def.severity,
            pointer: pointer.into(),
            value: None,
            message: message.into(),
            agent: None,
        }
    }

    /// Attaches the offending value, truncated.
    pub fn with_value(mut self, value: impl std::fmt::Display) -> Self {
        self.value = Some(truncate(&value.to_string(), MAX_VALUE_CHARS));
        self
    }

    pub fn is_failure(&self) -> bool {
        self.severity == Severity::Failure
    }
}

impl std::fmt::Display for Violation {
    /// Like a compiler diagnostic: `error[CMS-RESP-007] notes:6.6 at /resultDesc/0/currentState: message (value: 11)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Failure => "error",
            Severity::Info => "info",
        };
        let at = if self.pointer.is_empty() {
            "<body>"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{level}[{}] {} at {at}: {}",
            self.check, self.clause, self.message
        )?;
        if let Some(value) = &self.value {
            write!(f, " (value: {value})")?;
        }
        Ok(())
    }
}

/// Truncates on a char boundary, marking the cut with `…`.
pub fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncate_keeps_char_boundaries() {
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(truncate("ééé", 2), "éé…");
    }
}
