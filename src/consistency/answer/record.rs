//! One answered agent's record as the relations hold it: the members they read, in slots.
//! Two 6000-agent answers held as `Map`s (an index table, a key string and an 80-byte value per
//! member) were the largest part of a run's peak memory; an integer member is 16 bytes here.

use serde_json::Value;

use super::{COUNTERS, DURATIONS, STABLE_FIELDS};

/// The members kept, in slot order: `agentId`, then those the relations compare.
const MEMBERS: [&str; 10] = [
    "agentId",
    STABLE_FIELDS[0],
    STABLE_FIELDS[1],
    STABLE_FIELDS[2],
    STABLE_FIELDS[3],
    STABLE_FIELDS[4],
    COUNTERS[0],
    COUNTERS[1],
    DURATIONS[0],
    DURATIONS[1],
];

/// The kept members of one agent object (a repeated member: the last one, as in a `Value`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    slots: [Slot; MEMBERS.len()],
}

/// One member. An integer that fits an i64 is always `Int`, so two slots are equal exactly
/// when the JSON values they were read from are.
#[derive(Debug, Clone, Default, PartialEq)]
enum Slot {
    #[default]
    Absent,
    Int(i64),
    Other(Box<Value>),
}

impl Record {
    /// Keeps `value` as member `name` when it is one the relations read; true when kept.
    pub fn keep(&mut self, name: &str, value: Value) -> bool {
        let Some(at) = slot_of(name) else {
            return false;
        };
        self.slots[at] = match value.as_i64() {
            Some(i) => Slot::Int(i),
            None => Slot::Other(Box::new(value)),
        };
        true
    }

    /// Whether the relations read member `name`.
    pub fn kept(name: &str) -> bool {
        slot_of(name).is_some()
    }

    /// Member `name`, when the record has it.
    pub fn get(&self, name: &str) -> Option<Value> {
        match &self.slots[slot_of(name)?] {
            Slot::Absent => None,
            Slot::Int(i) => Some(Value::from(*i)),
            Slot::Other(value) => Some((**value).clone()),
        }
    }

    /// Member `name` when it is an integer that fits an i64.
    pub fn int(&self, name: &str) -> Option<i64> {
        match &self.slots[slot_of(name)?] {
            Slot::Int(i) => Some(*i),
            Slot::Absent | Slot::Other(_) => None,
        }
    }
}

fn slot_of(name: &str) -> Option<usize> {
    MEMBERS.iter().position(|member| *member == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_read_back_as_the_json_they_were_read_from() {
        let values = [
            serde_json::json!(5),
            serde_json::json!(-5),
            serde_json::json!(5.0),
            serde_json::json!(u64::MAX),
            serde_json::json!("5"),
            serde_json::json!(null),
            serde_json::json!({"a": [1]}),
        ];
        for value in &values {
            let mut record = Record::default();
            assert!(record.keep("logonTime", value.clone()));
            assert_eq!(record.get("logonTime").as_ref(), Some(value));
            assert_eq!(record.int("logonTime"), value.as_i64());
            for other in &values {
                let mut again = Record::default();
                again.keep("logonTime", other.clone());
                assert_eq!(record == again, value == other, "{value} vs {other}");
            }
        }
        let mut record = Record::default();
        assert!(!record.keep("agentName", serde_json::json!(1)));
        assert_eq!(record, Record::default());
        assert_eq!(record.get("logonTime"), None);
        assert_eq!(record.get("agentName"), None);
    }
}
