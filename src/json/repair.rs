//! Reading an answer that is the interface's JSON with a defect around or inside it: a
//! byte-order mark before it, bytes after it (an HTML comment a proxy appended, a second
//! value), or a non-finite number (`NaN`, `Infinity`) among its numbers. Such a body breaks
//! notes:6.12 and is judged a failure for that, but it still says what the server answered, so
//! the rest of the contract can be judged on it too: a server whose every answer carries a
//! BOM is non-conformant with that finding, not "unusable". Anything else that is not JSON
//! (an HTML page, a truncated body, text) is not repaired.

use std::borrow::Cow;

use super::{JsonError, UTF8_BOM, parse_strict};

/// What was repaired, for the finding's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// A UTF-8 byte-order mark before the value was left out.
    Bom,
    /// Bytes after the value were left out.
    Trailing,
    /// Non-finite number tokens (`NaN`, `Infinity`, `-Infinity`) were read as `null`.
    NonFinite,
}

/// The body as one strict JSON value, its defects (BOM, trailing bytes, non-finite numbers)
/// left out, and which repairs that took; `None` when the body is clean (nothing to repair) or
/// is no JSON value even so.
pub fn repaired(bytes: &[u8]) -> Option<(Cow<'_, [u8]>, Vec<Repair>)> {
    // Each repair is tried once, in the order a defect shows first in a strict read.
    const ROUNDS: usize = 3;
    let mut current: Cow<'_, [u8]> = Cow::Borrowed(bytes);
    let mut repairs = Vec::new();
    for _ in 0..=ROUNDS {
        let error = match parse_strict(&current).value {
            Ok(_) if repairs.is_empty() => return None,
            Ok(_) => return Some((current, repairs)),
            Err(error) => error,
        };
        let (next, repair) = match error {
            JsonError::Bom if !repairs.contains(&Repair::Bom) => {
                (current.get(UTF8_BOM.len()..)?.to_vec(), Repair::Bom)
            }
            JsonError::Trailing { offset } if !repairs.contains(&Repair::Trailing) => {
                (current.get(..offset)?.to_vec(), Repair::Trailing)
            }
            JsonError::Syntax { offset, .. }
                if !repairs.contains(&Repair::NonFinite)
                    && non_finite_at(&current, offset).is_some() =>
            {
                (non_finite_as_null(&current), Repair::NonFinite)
            }
            _ => return None,
        };
        repairs.push(repair);
        current = Cow::Owned(next);
    }
    None
}

/// The non-finite token (`NaN`, `Infinity`, `-Infinity`) starting at `offset`, if one does.
fn non_finite_at(bytes: &[u8], offset: usize) -> Option<&'static str> {
    let rest = bytes.get(offset..)?;
    NON_FINITE
        .iter()
        .copied()
        .find(|token| rest.starts_with(token.as_bytes()))
}

/// The tokens JavaScript and Jackson's lenient mode write for non-finite numbers; longest first,
/// so `-Infinity` is not read as `-` then `Infinity`.
const NON_FINITE: [&str; 4] = ["-Infinity", "+Infinity", "Infinity", "NaN"];

/// `bytes` with every non-finite token outside a string written as `null`.
fn non_finite_as_null(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else if let Some(token) = non_finite_at(bytes, i) {
            out.extend_from_slice(b"null");
            i += token.len();
            continue;
        }
        out.push(byte);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repairs(body: &[u8]) -> Option<Vec<Repair>> {
        repaired(body).map(|(_, repairs)| repairs)
    }

    #[test]
    fn a_clean_body_or_one_that_is_no_json_is_not_repaired() {
        assert_eq!(repairs(br#"{"a":1}"#), None);
        assert_eq!(repairs(b"<html><body>Bad gateway</body></html>"), None);
        assert_eq!(repairs(br#"{"a":1"#), None);
        assert_eq!(repairs(b""), None);
        assert_eq!(repairs(b"\xEF\xBB\xBF"), None);
    }

    #[test]
    fn a_bom_trailing_bytes_and_non_finite_numbers_are_left_out() {
        let (body, done) = repaired(b"\xEF\xBB\xBF{\"a\":1}").unwrap();
        assert_eq!((&*body, done), (&br#"{"a":1}"#[..], vec![Repair::Bom]));
        let (body, done) = repaired(b"{\"a\":1}\n<!-- node 2 -->").unwrap();
        assert_eq!(
            (&*body, done),
            (&b"{\"a\":1}\n"[..], vec![Repair::Trailing])
        );
        let (body, done) = repaired(br#"{"a":[NaN,-Infinity,1],"b":"NaN"}"#).unwrap();
        assert_eq!(&*body, br#"{"a":[null,null,1],"b":"NaN"}"#);
        assert_eq!(done, vec![Repair::NonFinite]);
    }

    #[test]
    fn several_defects_are_each_repaired_once() {
        let body = b"\xEF\xBB\xBF{\"a\":NaN,\"s\":\"x\\\"NaN\"} trailing";
        let (body, done) = repaired(body).unwrap();
        assert_eq!(&*body, b"{\"a\":null,\"s\":\"x\\\"NaN\"} ");
        assert_eq!(done, vec![Repair::Bom, Repair::NonFinite, Repair::Trailing]);
    }

    #[test]
    fn a_syntax_error_that_is_no_non_finite_number_is_not_repaired() {
        assert_eq!(repairs(br#"{"a":Nan}"#), None);
        assert_eq!(repairs(br#"{"a":tru}"#), None);
    }
}
