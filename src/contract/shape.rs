//! A walk over a JSON Schema that extracts the constraints the case generator and the load-time
//! consistency check need: per property, its types, integer ranges (a union, from
//! `minimum`/`maximum` or an `anyOf` of them), array lengths, and the clause it cites.
//! Only the keywords the contract's schemas use are understood; anything else is ignored here
//! (the validator still enforces it).

use std::collections::BTreeMap;

use serde_json::Value;

use super::profile::Range;

/// The constraints on one position of a JSON document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    /// JSON types allowed (`integer`, `array`, ...); empty = unconstrained.
    pub types: Vec<String>,
    /// Integer values allowed: a union of ranges (open ends as `i64::MIN` / `i64::MAX`).
    pub ranges: Vec<Range>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// `x-empty: either`: an empty array may be accepted or rejected.
    pub empty_either: bool,
    pub items: Option<Box<Shape>>,
    /// Object members in schema order, with whether each is required.
    pub properties: Vec<(String, Shape, bool)>,
    /// The clause this position's constraints come from (`x-clause`).
    pub clause: Option<String>,
}

impl Shape {
    /// Builds the shape of `root`, resolving `$ref`s by their last path segment among `docs`
    /// (file name -> schema), which is how the profile's schemas refer to each other.
    pub fn of(root: &Value, docs: &BTreeMap<String, Value>) -> Shape {
        let mut shape = Shape::default();
        absorb(&mut shape, root, docs, 0);
        shape
    }

    pub fn property(&self, name: &str) -> Option<&Shape> {
        self.properties
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, s, _)| s)
    }

    pub fn is_integer(&self) -> bool {
        self.types.iter().any(|t| t == "integer")
    }

    pub fn is_array(&self) -> bool {
        self.types.iter().any(|t| t == "array")
    }

    /// Does `value` fall within the integer ranges (true when there are none)?
    pub fn allows_integer(&self, value: i64) -> bool {
        self.ranges.is_empty() || self.ranges.iter().any(|r| r.contains(value))
    }
}

const MAX_REF_DEPTH: usize = 16;

fn absorb(shape: &mut Shape, schema: &Value, docs: &BTreeMap<String, Value>, depth: usize) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if depth > MAX_REF_DEPTH {
        return;
    }
    if let Some(target) = obj.get("$ref").and_then(Value::as_str) {
        let file = target.split('#').next().unwrap_or("");
        let name = file.rsplit('/').next().unwrap_or(file);
        if let Some(doc) = docs.get(name) {
            absorb(shape, doc, docs, depth + 1);
        }
    }
    if let Some(clause) = obj.get("x-clause").and_then(Value::as_str) {
        shape.clause = Some(clause.to_owned());
    }
    match obj.get("type") {
        Some(Value::String(t)) => shape.types = vec![t.clone()],
        Some(Value::Array(ts)) => {
            shape.types = ts
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        }
        _ => {}
    }
    if let Some(range) = range_of(obj) {
        shape.ranges = vec![range];
    }
    if let Some(alternatives) = obj.get("anyOf").and_then(Value::as_array) {
        let ranges: Vec<Range> = alternatives
            .iter()
            .filter_map(|alt| alt.as_object().and_then(range_of))
            .collect();
        if !ranges.is_empty() {
            shape.ranges = ranges;
        }
    }
    let as_usize = |key: &str| {
        obj.get(key)
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    if let Some(n) = as_usize("minItems") {
        shape.min_items = Some(n);
    }
    if let Some(n) = as_usize("maxItems") {
        shape.max_items = Some(n);
    }
    if obj.get("x-empty").and_then(Value::as_str) == Some("either") {
        shape.empty_either = true;
    }
    if let Some(items) = obj.get("items") {
        let mut item_shape = Shape::default();
        absorb(&mut item_shape, items, docs, depth + 1);
        shape.items = Some(Box::new(item_shape));
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (name, sub) in props {
            let mut sub_shape = Shape::default();
            absorb(&mut sub_shape, sub, docs, depth + 1);
            shape
                .properties
                .push((name.clone(), sub_shape, required.contains(&name.as_str())));
        }
    }
}

fn range_of(obj: &serde_json::Map<String, Value>) -> Option<Range> {
    let min = obj.get("minimum").and_then(Value::as_i64);
    let max = obj.get("maximum").and_then(Value::as_i64);
    if min.is_none() && max.is_none() {
        return None;
    }
    Some(Range {
        min: min.unwrap_or(i64::MIN),
        max: max.unwrap_or(i64::MAX),
    })
}
