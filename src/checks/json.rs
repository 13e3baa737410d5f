//! The notes:6.12 checks on a response body (`CMS-JSON-*`): what the strict reader
//! (`crate::json`, shared with the mock) found, as violations. The reader's items are
//! re-exported here, so a rule reads `json::parse_strict` whichever side it is on.

use super::model::{CheckDef, Severity, Violation};
pub use crate::json::{
    JsonError, MAX_DEPTH, MAX_DUPLICATES_REPORTED, Repair, StrictJson, UTF8_BOM, parse_strict,
};
use serde_json::Value;

macro_rules! json_check {
    ($name:ident, $id:literal, $title:literal) => {
        pub static $name: CheckDef = CheckDef {
            id: $id,
            clause: "notes:6.12",
            severity: Severity::Failure,
            title: $title,
        };
    };
}

json_check!(NOT_UTF8, "CMS-JSON-001", "A JSON answer is valid UTF-8");
json_check!(BOM, "CMS-JSON-002", "A JSON answer has no byte-order mark");
json_check!(
    SYNTAX,
    "CMS-JSON-003",
    "A JSON answer is well-formed JSON (RFC 8259)"
);
json_check!(TRAILING, "CMS-JSON-004", "Nothing follows the JSON value");
json_check!(NUL, "CMS-JSON-005", "A JSON answer holds no NUL byte");
json_check!(
    TOO_DEEP,
    "CMS-JSON-006",
    "JSON nesting stays within the reading depth cap"
);
json_check!(
    DUPLICATE,
    "CMS-JSON-007",
    "Member names are unique within an object"
);
json_check!(
    NOT_INTEGER_FORM,
    "CMS-JSON-008",
    "Integer/Long members are plain integers fitting a signed 64-bit value"
);

/// An answer body read for judging: the strict read, and, when that failed on a defect around or
/// inside the interface's JSON (a BOM, trailing bytes, a non-finite number), the value read
/// without it. The defect is still a finding; the value lets the rest of the contract be judged.
pub struct AnswerJson {
    pub strict: StrictJson,
    repaired: Option<(Value, Vec<Repair>)>,
}

impl AnswerJson {
    /// The value the rules judge: the strict one, or the repaired one.
    pub fn value(&self) -> Option<&Value> {
        match &self.strict.value {
            Ok(value) => Some(value),
            Err(_) => self.repaired.as_ref().map(|(value, _)| value),
        }
    }

    /// The notes:6.12 findings; a repaired defect's message says the answer was judged anyway.
    pub fn violations(&self) -> Vec<Violation> {
        let mut found = self.strict.violations();
        if let (Some((_, repairs)), Some(last)) = (&self.repaired, found.last_mut()) {
            let left_out: Vec<&str> = repairs.iter().map(|r| repair_name(*r)).collect();
            last.message.push_str(&format!(
                "; the rest of the answer was judged on the JSON value read without {}",
                left_out.join(" and ")
            ));
        }
        found
    }
}

fn repair_name(repair: Repair) -> &'static str {
    match repair {
        Repair::Bom => "the byte-order mark",
        Repair::Trailing => "the bytes after it",
        Repair::NonFinite => "its non-finite numbers (read as null)",
    }
}

/// Reads an answer body strictly, repairing a recognisable defect when the strict read fails.
pub fn read_answer(bytes: &[u8]) -> AnswerJson {
    let strict = parse_strict(bytes);
    let repaired = if strict.value.is_err() {
        crate::json::repaired(bytes).and_then(|(fixed, repairs)| {
            let value = parse_strict(&fixed).value.ok()?;
            Some((value, repairs))
        })
    } else {
        None
    };
    AnswerJson { strict, repaired }
}

// An inherent impl beside the checks it cites: the reader itself knows no check.
impl StrictJson {
    /// The findings of notes:6.12 on this body (empty when it is clean JSON).
    pub fn violations(&self) -> Vec<Violation> {
        let mut out: Vec<Violation> = self
            .duplicates
            .iter()
            .map(|p| {
                Violation::new(
                    &DUPLICATE,
                    p.clone(),
                    "member name repeated in the same object; clients disagree on which wins",
                )
            })
            .collect();
        let unreported = self.duplicate_count.saturating_sub(self.duplicates.len());
        if unreported > 0 {
            out.push(
                Violation::new(
                    &DUPLICATE,
                    "",
                    format!("{unreported} more repeated member name(s) not listed"),
                )
                .with_value(self.duplicate_count),
            );
        }
        if let Err(e) = &self.value {
            out.push(error_violation(e));
        }
        out
    }
}

fn error_violation(error: &JsonError) -> Violation {
    match error {
        JsonError::NotUtf8 { offset } => {
            Violation::new(&NOT_UTF8, "", format!("invalid UTF-8 at byte {offset}"))
        }
        JsonError::Bom => Violation::new(&BOM, "", "body starts with a UTF-8 byte-order mark"),
        JsonError::Nul { offset } => Violation::new(&NUL, "", format!("NUL byte at byte {offset}")),
        JsonError::Syntax { offset, message } => Violation::new(
            &SYNTAX,
            "",
            format!("not JSON: {message} at byte {offset}"),
        ),
        JsonError::Trailing { offset } => Violation::new(
            &TRAILING,
            "",
            format!("data after the JSON value at byte {offset}"),
        ),
        JsonError::TooDeep { offset } => Violation::new(
            &TOO_DEEP,
            "",
            format!("nesting deeper than {MAX_DEPTH} levels at byte {offset}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_defect_around_the_answer_is_a_finding_and_the_value_is_still_read() {
        let read = read_answer(b"\xEF\xBB\xBF{\"resultCode\":\"0100000\"}");
        assert_eq!(read.value().unwrap()["resultCode"], "0100000");
        let found = read.violations();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].check, "CMS-JSON-002");
        assert!(found[0].message.contains("judged on the JSON value read without the byte-order mark"));
        let nan = read_answer(br#"{"a":NaN}"#);
        assert_eq!(nan.value().unwrap()["a"], Value::Null);
        assert_eq!(nan.violations()[0].check, "CMS-JSON-003");
        let page = read_answer(b"<html>502</html>");
        assert!(page.value().is_none());
        assert!(!page.violations()[0].message.contains("judged"));
    }

    #[test]
    fn violations_cite_their_checks() {
        let v = parse_strict(br#"{"a":1,"a":2} x"#).violations();
        let ids: Vec<&str> = v.iter().map(|v| v.check.as_str()).collect();
        assert_eq!(ids, ["CMS-JSON-007", "CMS-JSON-004"]);
    }
}
