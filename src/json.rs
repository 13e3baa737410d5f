//! The one strict JSON reader, shared by the checks (a response body, notes:6.12) and the mock
//! (a request body), in one pass: builds the `serde_json::Value` while catching what
//! serde_json forgives or cannot report: duplicate member names (serde_json keeps the last
//! silently), a byte-order mark, NUL bytes, trailing data, and nesting deeper than
//! [`MAX_DEPTH`] (reported, never a stack overflow). Integer literals become i64/u64 numbers and
//! every other number form (fraction, exponent, overflow) an f64, so a `1.0` stays apart from a
//! `1`; [`integral`] is the one reading of integers on both sides. No I/O here.

use serde_json::Value;

mod integer;
mod parser;
mod repair;

pub use integer::{integers_in_other_form, integral};
pub use repair::{Repair, repaired};

/// Duplicate members reported by pointer; beyond this they are only counted, so a hostile
/// body of repeated names costs no more memory than its own size.
pub const MAX_DUPLICATES_REPORTED: usize = 100;

/// Deepest nesting of arrays and objects read. Bodies of this interface nest three levels.
pub const MAX_DEPTH: usize = 256;

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
    /// Where the first number too large for an f64 began: grammatical JSON (read as the
    /// largest f64 of its sign), but a number Jackson, and so the mock, refuses to read.
    pub beyond_f64: Option<usize>,
}

/// Reads `bytes` as exactly one JSON value, strictly.
pub fn parse_strict(bytes: &[u8]) -> StrictJson {
    let fail = |e| StrictJson {
        value: Err(e),
        duplicates: Vec::new(),
        duplicate_count: 0,
        beyond_f64: None,
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
    let (value, duplicates, duplicate_count, beyond_f64) = parser::read(text);
    StrictJson {
        value,
        duplicates,
        duplicate_count,
        beyond_f64,
    }
}

#[cfg(test)]
mod tests;
