//! Strict JSON reading of a response body (notes:6.12), in one pass: builds the
//! `serde_json::Value` the other rules judge while catching what serde_json forgives or cannot
//! report: duplicate member names (serde_json keeps the last silently), a byte-order mark, NUL
//! bytes, trailing data, and nesting deeper than [`MAX_DEPTH`] (reported, never a stack
//! overflow). Integer literals become i64/u64 numbers and every other number form (fraction,
//! exponent, overflow) an f64, so the typed rules can tell a `1.0` from a `1`. No I/O here.

use serde_json::Value;

use super::model::{CheckDef, Severity, Violation};

mod parser;

/// Duplicate members reported by pointer; beyond this they are only counted, so a hostile
/// body of repeated names costs no more memory than its own size.
pub const MAX_DUPLICATES_REPORTED: usize = 100;

/// Deepest nesting of arrays and objects read. Bodies of this interface nest three levels.
pub const MAX_DEPTH: usize = 256;

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

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Why a body could not be read as one JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    NotUtf8 { offset: usize },
    Bom,
    Nul { offset: usize },
    Syntax { offset: usize, message: String },
    Trailing { offset: usize },
    TooDeep { offset: usize },
}

/// The outcome of a strict read: the value (when the body is JSON at all) and the duplicate
/// member names met on the way, each as the JSON pointer of the repeated member.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictJson {
    pub value: Result<Value, JsonError>,
    pub duplicates: Vec<String>,
    /// How many duplicate members there were in all (`duplicates` keeps the first
    /// [`MAX_DUPLICATES_REPORTED`]).
    pub duplicate_count: usize,
}

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
        JsonError::Syntax { offset, message } => {
            Violation::new(&SYNTAX, "", format!("not JSON: {message} at byte {offset}"))
        }
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

/// Reads `bytes` as exactly one JSON value, strictly.
pub fn parse_strict(bytes: &[u8]) -> StrictJson {
    let fail = |e| StrictJson {
        value: Err(e),
        duplicates: Vec::new(),
        duplicate_count: 0,
    };
    if bytes.starts_with(UTF8_BOM) {
        return fail(JsonError::Bom);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return fail(JsonError::NotUtf8 {
                offset: e.valid_up_to(),
            });
        }
    };
    if let Some(offset) = memchr::memchr(0, bytes) {
        return fail(JsonError::Nul { offset });
    }
    let (value, duplicates, duplicate_count) = parser::read(text);
    StrictJson {
        value,
        duplicates,
        duplicate_count,
    }
}

#[cfg(test)]
mod tests;
