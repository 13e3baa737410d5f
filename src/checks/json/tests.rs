//! Unit tests of the strict JSON reader.

use super::*;
use serde_json::json;

fn ok(text: &str) -> Value {
    parse_strict(text.as_bytes()).value.unwrap()
}

fn err(bytes: &[u8]) -> JsonError {
    parse_strict(bytes).value.unwrap_err()
}

#[test]
fn reads_what_serde_json_reads() {
    let text = r#" {"a": [1, -2, 3.5, 1e3, "x\u00e9\ud83d\ude00\n", true, false, null, {}], "b": {"c": []}} "#;
    let ours = ok(text);
    let theirs: Value = serde_json::from_str(text).unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(ours.to_string(), theirs.to_string(), "member order kept");
}

#[test]
fn integer_forms_stay_apart() {
    let v = ok(r#"[1, 1.0, 1e2, 9223372036854775807, 9223372036854775808, 99999999999999999999]"#);
    let forms: Vec<bool> = v.as_array().unwrap().iter().map(Value::is_i64).collect();
    assert_eq!(forms, [true, false, false, true, false, false]);
}

#[test]
fn duplicates_carry_their_pointer() {
    let parsed = parse_strict(br#"{"a":[{"x":1,"y/~":2,"y/~":3}],"a":0}"#);
    assert_eq!(parsed.duplicates, vec!["/a/0/y~1~0", "/a"]);
    assert_eq!(parsed.value.unwrap(), json!({"a":0}));
    assert!(parse_strict(br#"{"a":{"a":1}}"#).duplicates.is_empty());
}

#[test]
fn malformed_bodies_are_errors_not_panics() {
    assert_eq!(err(b"\xEF\xBB\xBF{}"), JsonError::Bom);
    assert_eq!(err(b"{\"a\":\"\xff\"}"), JsonError::NotUtf8 { offset: 6 });
    assert_eq!(err(b"{}\0"), JsonError::Nul { offset: 2 });
    assert_eq!(err(b"{} x"), JsonError::Trailing { offset: 3 });
    for bad in [
        &b""[..],
        b"{",
        b"[1,]",
        b"{\"a\" 1}",
        b"01",
        b"1.",
        b"-",
        b"\"\\x\"",
        b"\"\\ud800\"",
        b"tru",
        b"\"a\nb\"",
        b"1e999",
        b"{\"a\":1,}",
        b"\"\\u12\"",
    ] {
        assert!(
            matches!(err(bad), JsonError::Syntax { .. }),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn deep_nesting_is_a_finding_not_a_stack_overflow() {
    let deep = "[".repeat(200_000) + &"]".repeat(200_000);
    assert!(matches!(err(deep.as_bytes()), JsonError::TooDeep { .. }));
    let fine = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(parse_strict(fine.as_bytes()).value.is_ok());
    let objects = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
    assert!(matches!(err(objects.as_bytes()), JsonError::TooDeep { .. }));
}

#[test]
fn violations_cite_their_checks() {
    let v = parse_strict(br#"{"a":1,"a":2} x"#).violations();
    let ids: Vec<&str> = v.iter().map(|v| v.check.as_str()).collect();
    assert_eq!(ids, ["CMS-JSON-007", "CMS-JSON-004"]);
}
