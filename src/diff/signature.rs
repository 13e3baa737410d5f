//! The shape signature of an answer: every JSON pointer in the body with array indices collapsed
//! to `*`, the JSON types seen there, and the `resultCode`. Two answers with the same signature
//! have the same fields of the same types, whatever their values.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shape {
    pub fields: BTreeMap<String, BTreeSet<&'static str>>,
    /// The top-level `resultCode`, rendered as JSON.
    pub result_code: Option<String>,
}

/// How a passing case's answer changed shape between two runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShapeChange {
    pub case: String,
    pub appeared: Vec<String>,
    pub disappeared: Vec<String>,
    pub type_changes: Vec<TypeChange>,
    /// `[old, new]` when the resultCode differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_code: Option<[String; 2]>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeChange {
    pub pointer: String,
    pub old: String,
    pub new: String,
}

/// The signature of a body excerpt; `None` when it is not complete JSON (cut, not JSON).
pub fn signature(body_excerpt: &str) -> Option<Shape> {
    let value: Value = serde_json::from_str(body_excerpt).ok()?;
    let mut shape = Shape {
        result_code: value.get("resultCode").map(Value::to_string),
        ..Shape::default()
    };
    walk(&value, String::new(), &mut shape.fields);
    Some(shape)
}

fn walk(value: &Value, pointer: String, fields: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    fields
        .entry(pointer.clone())
        .or_default()
        .insert(type_name(value));
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let token = key.replace('~', "~0").replace('/', "~1");
                walk(child, format!("{pointer}/{token}"), fields);
            }
        }
        Value::Array(items) => {
            for child in items {
                walk(child, format!("{pointer}/*"), fields);
            }
        }
        _ => {}
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What changed from `old` to `new`; `None` when nothing did.
pub fn compare(case: &str, old: &Shape, new: &Shape) -> Option<ShapeChange> {
    let types = |set: &BTreeSet<&str>| set.iter().copied().collect::<Vec<_>>().join("|");
    let mut change = ShapeChange {
        case: case.to_owned(),
        appeared: Vec::new(),
        disappeared: Vec::new(),
        type_changes: Vec::new(),
        result_code: None,
    };
    for (pointer, new_types) in &new.fields {
        match old.fields.get(pointer) {
            None => change
                .appeared
                .push(format!("{pointer} ({})", types(new_types))),
            Some(old_types) if old_types != new_types => change.type_changes.push(TypeChange {
                pointer: pointer.clone(),
                old: types(old_types),
                new: types(new_types),
            }),
            Some(_) => {}
        }
    }
    for (pointer, old_types) in &old.fields {
        if !new.fields.contains_key(pointer) {
            change
                .disappeared
                .push(format!("{pointer} ({})", types(old_types)));
        }
    }
    if old.result_code != new.result_code {
        let show = |code: &Option<String>| code.clone().unwrap_or_else(|| "(none)".to_owned());
        change.result_code = Some([show(&old.result_code), show(&new.result_code)]);
    }
    let unchanged = change.appeared.is_empty()
        && change.disappeared.is_empty()
        && change.type_changes.is_empty()
        && change.result_code.is_none();
    (!unchanged).then_some(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_collapse_and_types_show() {
        let shape =
            signature(r#"{"resultCode":"0100000","resultDesc":[{"a":1},{"a":2.5,"b/c":null}]}"#)
                .unwrap();
        let keys: Vec<_> = shape.fields.keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "",
                "/resultCode",
                "/resultDesc",
                "/resultDesc/*",
                "/resultDesc/*/a",
                "/resultDesc/*/b~1c"
            ]
        );
        assert_eq!(shape.fields["/resultDesc/*/a"].len(), 2);
        assert_eq!(shape.result_code.as_deref(), Some("\"0100000\""));
        assert!(signature("{\"cut").is_none());
    }

    #[test]
    fn compare_reports_each_kind_of_change() {
        let old = signature(r#"{"resultCode":"0100000","x":1,"gone":true}"#).unwrap();
        let new = signature(r#"{"resultCode":"0100001","x":"1","new":[]}"#).unwrap();
        let change = compare("c", &old, &new).unwrap();
        assert_eq!(change.appeared, ["/new (array)"]);
        assert_eq!(change.disappeared, ["/gone (boolean)"]);
        assert_eq!(change.type_changes[0].pointer, "/x");
        assert_eq!(
            change.result_code,
            Some(["\"0100000\"".to_owned(), "\"0100001\"".to_owned()])
        );
        assert!(compare("c", &old, &old).is_none());
    }
}
