//! Unit tests of the strict JSON reader and the integer reading.

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
fn integers_read_the_same_on_both_sides_of_the_short_path() {
    assert_eq!(ok("-0"), json!(0), "minus zero is the integer zero");
    for text in [
        "0",
        "999999999999999999",
        "-999999999999999999",
        "1000000000000000000",
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
    ] {
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ok(text), theirs, "{text}");
    }
}

#[test]
fn duplicates_carry_their_pointer() {
    let parsed = parse_strict(br#"{"a":[{"x":1,"y/~":2,"y/~":3}],"a":0}"#);
    assert_eq!(parsed.duplicates, vec!["/a/0/y~1~0", "/a"]);
    assert_eq!(parsed.value.unwrap(), json!({"a":0}));
    assert!(parse_strict(br#"{"a":{"a":1}}"#).duplicates.is_empty());
}

#[test]
fn lone_surrogates_are_grammatical_and_read_as_replacement() {
    // RFC 8259 §8.2: the grammar allows them; only their meaning is unpredictable.
    for (text, want) in [
        (&b"\"a\\ud800b\""[..], "a\u{FFFD}b"),
        (b"\"\\udc00\"", "\u{FFFD}"),
        (b"\"\\ud800\\u0041\"", "\u{FFFD}A"),
        (b"\"\\ud83d\\ude00\"", "\u{1F600}"),
    ] {
        assert_eq!(parse_strict(text).value, Ok(Value::String(want.into())));
    }
    assert!(matches!(err(b"\"\\ud800\\u12\""), JsonError::Syntax { .. }));
}

#[test]
fn numbers_beyond_f64_are_grammatical() {
    assert_eq!(parse_strict(b"1e999").value, Ok(json!(f64::MAX)));
    assert_eq!(parse_strict(b"[-1e999]").value, Ok(json!([f64::MIN])));
    assert_eq!(parse_strict(b"[1, 1e999, 2e999]").beyond_f64, Some(4));
    assert_eq!(parse_strict(b"[1.7976931348623157e308]").beyond_f64, None);
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
        b"tru",
        b"\"a\nb\"",
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

mod agreement {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// On inputs without duplicates, deep nesting or a BOM, the strict reader agrees with
        /// serde_json on what is JSON and on the value; on anything, it never panics. One known
        /// difference: the integer literal `-0` reads as the integer 0 (serde_json: -0.0).
        #[test]
        fn agrees_with_serde_json(text in r#"[\[\]{}",:0-9eE.+\- tfrulnasx\\/u]{0,24}"#) {
            let ours = parse_strict(text.as_bytes());
            let theirs = serde_json::from_str::<Value>(&text);
            if ours.duplicates.is_empty() {
                match (&ours.value, &theirs) {
                    (Ok(a), Ok(b)) => prop_assert_eq!(without_negative_zero(a), without_negative_zero(b)),
                    (Err(_), Err(_)) => {}
                    (a, b) => prop_assert!(false, "{:?}: ours {:?}, serde_json {:?}", text, a, b),
                }
            }
        }
    }

    /// `value` with every -0.0 read as the integer 0.
    fn without_negative_zero(value: &Value) -> Value {
        match value {
            Value::Number(n) if n.as_f64() == Some(0.0) && n.is_f64() => Value::from(0),
            Value::Array(items) => Value::Array(items.iter().map(without_negative_zero).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), without_negative_zero(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    #[test]
    fn minus_zero_is_the_integer_zero() {
        assert_eq!(parse_strict(b"-0").value, Ok(Value::from(0)));
        assert_eq!(parse_strict(b"[-0]").value, Ok(serde_json::json!([0])));
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            "\\PC{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map("\\PC{0,6}", inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn reads_back_what_serde_json_writes(value in any_json()) {
            for text in [value.to_string(), serde_json::to_string_pretty(&value).unwrap()] {
                let parsed = parse_strict(text.as_bytes());
                prop_assert!(parsed.duplicates.is_empty());
                prop_assert_eq!(parsed.value.as_ref().ok(), Some(&value), "{}", text);
            }
        }
    }
}
