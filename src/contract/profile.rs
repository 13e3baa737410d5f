//! The typed view of `schemas/<profile>/profile.json`: the limits and tables that code reads
//! instead of hard-coding numbers. Adding a profile is adding a directory; nothing here changes.

use serde::{Deserialize, Serialize};

/// An inclusive integer range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub min: i64,
    pub max: i64,
}

impl Range {
    pub fn contains(&self, value: i64) -> bool {
        (self.min..=self.max).contains(&value)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub default: bool,
    /// The interface path, e.g. `/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids`.
    pub path: String,
    pub schemas: SchemaFiles,
    pub limits: Limits,
    pub states: Vec<StateDef>,
    pub not_signed_in_state: i64,
    pub rest_state: i64,
    pub reasons: Reasons,
    pub durations: MaxOnly,
    pub location_id: MaxOnly,
    pub logon_time: LogonTime,
    pub sentinels: Sentinels,
    pub result_codes: ResultCodes,
    #[serde(default = "default_max_request_body")]
    pub max_request_body_bytes: usize,
    /// What the harness makes of its fleet scan (not the contract's: a hint for the report).
    #[serde(default)]
    pub fleet_scan: FleetScanHints,
}

/// `fleetScan`: when a scanned fleet is flagged on the first screen as much smaller than the
/// agent IDs asked for.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetScanHints {
    /// A fleet under this share of the IDs asked is flagged; `None`: never.
    #[serde(default)]
    pub warn_below_share: Option<f64>,
}

fn default_max_request_body() -> usize {
    1 << 20
}

/// File names, relative to the profile directory, of each schema.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaFiles {
    pub request: String,
    pub success: String,
    pub failure: String,
    pub agent: String,
    pub agent_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub cc_id: Range,
    pub vdn: Range,
    pub agent_ids: AgentIdLimits,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentIdLimits {
    pub max_items: usize,
    /// The agent ID is valid when it lies in any of these ranges.
    pub ranges: Vec<Range>,
}

impl AgentIdLimits {
    pub fn contains(&self, id: i64) -> bool {
        self.ranges.iter().any(|r| r.contains(id))
    }

    /// How many agent IDs the ranges hold.
    pub fn ids_in_ranges(&self) -> u64 {
        (self.ranges.iter())
            .map(|r| u64::try_from(r.max.saturating_sub(r.min).saturating_add(1)).unwrap_or(0))
            .sum()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StateDef {
    pub code: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reasons {
    pub not_used: i64,
    pub rest: Range,
    pub sign_out: Range,
    pub max: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct MaxOnly {
    pub max: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogonTime {
    /// A `logonTime` at or after this instant (2106-01-01) means "not signed in".
    pub not_signed_in_from_ms: i64,
    /// The value the vendor uses for "not signed in": (2^32-1) s in ms.
    pub not_signed_in_sentinel_ms: i64,
    /// A real sign-in time lies after this instant (2000-01-01).
    pub real_after_ms: i64,
    pub default_clock_skew_ms: i64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sentinels {
    pub prev_state_time_unknown: i64,
    pub location_id_unknown: i64,
    pub reason_not_used: i64,
    pub reason_self_logout: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultCodes {
    pub success: String,
    pub invalid_parameter: String,
    pub result_success: String,
    /// Known codes and their meaning (CONTRACT-NOTES section 4).
    pub known: std::collections::BTreeMap<String, String>,
}

impl Profile {
    pub fn state_name(&self, code: i64) -> Option<&str> {
        self.states
            .iter()
            .find(|s| s.code == code)
            .map(|s| s.name.as_str())
    }

    pub fn state_range(&self) -> Range {
        let min = self.states.iter().map(|s| s.code).min().unwrap_or(0);
        let max = self.states.iter().map(|s| s.code).max().unwrap_or(0);
        Range { min, max }
    }
}
