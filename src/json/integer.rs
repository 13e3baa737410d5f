//! The one reading of JSON integers, for the checks and the mock alike. JSON Schema counts
//! `5.0` as an integer ([`integral`]); notes:6.12 wants an Integer member written as a plain
//! integer, which [`integers_in_other_form`] tells apart (the strict reader keeps `5.0` and
//! `5e0` as f64 numbers, so the difference survives parsing).

use serde_json::Value;

use crate::contract::Contract;

/// The value of an integer-valued JSON number: `5`, and also `5.0` or `5e0` (JSON Schema's
/// reading). `None` for a fraction, a non-number, or a float too large to be exact.
pub fn integral(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let f = value.as_f64()?;
        // Exact in f64 and within i64: the cast cannot saturate.
        (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
    })
}

/// The body with every integer-typed request member written `1.0` or `1e0` replaced by that
/// integer, and whether there was any.
pub fn integers_in_other_form(contract: &Contract, body: &Value) -> (Value, bool) {
    let mut out = body.clone();
    let mut found = false;
    let mut normalise = |v: &mut Value| {
        if v.is_number() && !v.is_i64() && !v.is_u64() {
            if let Some(i) = integral(v) {
                *v = Value::from(i);
                found = true;
            }
        }
    };
    for (name, shape, _) in &contract.request_shape().properties {
        let Some(value) = out.get_mut(name) else {
            continue;
        };
        if shape.is_integer() {
            normalise(value);
        } else if shape.items.as_ref().is_some_and(|i| i.is_integer()) {
            if let Some(items) = value.as_array_mut() {
                items.iter_mut().for_each(&mut normalise);
            }
        }
    }
    (out, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_strict;

    fn read(text: &str) -> Value {
        parse_strict(text.as_bytes()).value.unwrap()
    }

    #[test]
    fn integral_reads_every_integer_valued_form() {
        for text in ["2", "2.0", "2e0", "0.2e1"] {
            assert_eq!(integral(&read(text)), Some(2), "{text}");
        }
        for text in ["2.5", "\"2\"", "1e16", "null"] {
            assert_eq!(integral(&read(text)), None, "{text}");
        }
    }

    #[test]
    fn other_forms_are_found_only_in_integer_members() {
        let contract = Contract::embedded("2023-12").unwrap();
        let plain = read(r#"{"ccId":1,"vdn":2,"agentIds":[1031]}"#);
        assert_eq!(
            integers_in_other_form(&contract, &plain),
            (plain.clone(), false)
        );
        for text in [
            r#"{"ccId":1,"vdn":2.0,"agentIds":[1031]}"#,
            r#"{"ccId":1,"vdn":2e0,"agentIds":[1031]}"#,
            r#"{"ccId":1,"vdn":2,"agentIds":[1031.0]}"#,
        ] {
            let (normalised, found) = integers_in_other_form(&contract, &read(text));
            assert!(found, "{text}");
            assert_eq!(normalised["vdn"], 2);
        }
        let fraction = read(r#"{"ccId":1,"vdn":2.5,"agentIds":[1031]}"#);
        assert!(!integers_in_other_form(&contract, &fraction).1);
    }
}
