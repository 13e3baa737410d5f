//! The request body as the server reads it: serde_json drives the syntax (not the crate's JSON
//! reader), and a visitor of this file's own keeps what validation needs and checks what
//! serde_json's `Value` would hide: a duplicated member name anywhere (rejected) and whether a
//! number is an integer literal (`2.0`, `2e0` are not). Arrays keep at most a bounded number of
//! their integer items, so a hostile body costs memory in proportion to its size at most.

use std::collections::HashSet;
use std::fmt;
use std::ops::RangeInclusive;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Integer items an array keeps (its length is still counted past them): one more than the
/// largest limit a test could set, so "too many" stays visible.
const KEPT_ITEMS: usize = 1_000_001;

/// A JSON value reduced to what validation needs.
#[derive(Debug)]
pub enum Shape {
    /// An integer literal (no fraction, no exponent) within i128.
    Int(i128),
    /// Any number that is not an integer literal.
    Fraction,
    Other,
    Array(ArrayShape),
    Object(Vec<(String, Shape)>),
}

#[derive(Debug, Default)]
pub struct ArrayShape {
    pub len: usize,
    /// The first [`KEPT_ITEMS`] integer items.
    pub ints: Vec<i128>,
    /// Whether any item is not an integer literal.
    pub has_non_int: bool,
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_i64<E>(self, v: i64) -> Result<Shape, E> {
        Ok(Shape::Int(i128::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Shape, E> {
        Ok(Shape::Int(i128::from(v)))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
        Ok(Shape::Fraction)
    }
    fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let mut array = ArrayShape::default();
        while let Some(item) = seq.next_element::<Shape>()? {
            array.len += 1;
            match item {
                Shape::Int(v) if array.ints.len() < KEPT_ITEMS => array.ints.push(v),
                Shape::Int(_) => {}
                _ => array.has_non_int = true,
            }
        }
        Ok(Shape::Array(array))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut seen = HashSet::new();
        let mut members = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(de::Error::custom(DuplicateMember(name)));
            }
            members.push((name, map.next_value::<Shape>()?));
        }
        Ok(Shape::Object(members))
    }
}

struct DuplicateMember(String);

impl fmt::Display for DuplicateMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "duplicate member name {:?}", self.0)
    }
}

/// A valid request of section 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub cc_id: i64,
    pub vdn: i64,
    /// As asked, duplicates included.
    pub agent_ids: Vec<i64>,
}

/// The request limits the server enforces (notes section 1, 2023-12 by default).
#[derive(Debug, Clone)]
pub struct Limits {
    pub cc_id: RangeInclusive<i64>,
    pub vdn: RangeInclusive<i64>,
    pub max_agent_ids: usize,
    /// Agent IDs are valid in any of these ranges (2025-11 has two).
    pub agent_id_ranges: Vec<RangeInclusive<i64>>,
    /// Reject a request with a member other than the three (default: accept, notes:6.10).
    pub reject_unknown_members: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cc_id: 1..=65535,
            vdn: 1..=5000,
            max_agent_ids: 6000,
            agent_id_ranges: vec![101..=59999],
            reject_unknown_members: false,
        }
    }
}

/// How a body failed to be a valid request.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Not JSON at all: the framework answers 400 (Spring style).
    Malformed(String),
    /// JSON, but not a valid request (a duplicated member too): business failure 0100002.
    Invalid(String),
}

/// Reads `body` as the Java demo does (UTF-8 text, lossily) and validates it against `limits`.
pub fn read_query(body: &[u8], limits: &Limits) -> Result<Query, Rejection> {
    let text = String::from_utf8_lossy(body);
    let shape: Shape = serde_json::from_str(&text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => Rejection::Invalid(e.to_string()),
        _ => Rejection::Malformed(e.to_string()),
    })?;
    let Shape::Object(members) = shape else {
        return Err(Rejection::Invalid("the body is not a JSON object".into()));
    };
    let (mut cc_id, mut vdn, mut agent_ids) = (None, None, None);
    for (name, value) in members {
        match name.as_str() {
            "ccId" => cc_id = Some(integer_in(&name, &value, &limits.cc_id)?),
            "vdn" => vdn = Some(integer_in(&name, &value, &limits.vdn)?),
            "agentIds" => agent_ids = Some(agent_ids_in(&value, limits)?),
            _ if limits.reject_unknown_members => {
                return Err(Rejection::Invalid(format!("unknown member {name:?}")));
            }
            _ => {}
        }
    }
    let missing = |name: &str| Rejection::Invalid(format!("{name} is missing"));
    Ok(Query {
        cc_id: cc_id.ok_or_else(|| missing("ccId"))?,
        vdn: vdn.ok_or_else(|| missing("vdn"))?,
        agent_ids: agent_ids.ok_or_else(|| missing("agentIds"))?,
    })
}

fn integer_in(name: &str, value: &Shape, range: &RangeInclusive<i64>) -> Result<i64, Rejection> {
    match value {
        Shape::Int(v) if i64::try_from(*v).is_ok_and(|v| range.contains(&v)) => Ok(*v as i64),
        Shape::Int(v) => Err(Rejection::Invalid(format!(
            "{name} {v} is outside {}..{}",
            range.start(),
            range.end()
        ))),
        _ => Err(Rejection::Invalid(format!("{name} is not an integer"))),
    }
}

fn agent_ids_in(value: &Shape, limits: &Limits) -> Result<Vec<i64>, Rejection> {
    let Shape::Array(array) = value else {
        return Err(Rejection::Invalid("agentIds is not an array".into()));
    };
    if array.len > limits.max_agent_ids {
        return Err(Rejection::Invalid(format!(
            "agentIds has {} items, more than {}",
            array.len, limits.max_agent_ids
        )));
    }
    if array.has_non_int {
        return Err(Rejection::Invalid(
            "an agentIds item is not an integer".into(),
        ));
    }
    let in_range = |id: i128| {
        limits
            .agent_id_ranges
            .iter()
            .any(|r| i128::from(*r.start()) <= id && id <= i128::from(*r.end()))
    };
    array
        .ints
        .iter()
        .map(|&id| {
            if in_range(id) {
                Ok(id as i64)
            } else {
                Err(Rejection::Invalid(format!("agent ID {id} is out of range")))
            }
        })
        .collect()
}
