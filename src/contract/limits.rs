//! The load-time cross-check of `profile.json` against the schemas it restates: the request
//! limits against the request schema, the response limits (state codes, reasons, durations,
//! location, agent IDs) against the agent schema. Code reads limits from the profile and the
//! validator reads the schemas, so a disagreement would make the two judge differently; it is
//! a load error naming both files and the value instead.

use super::ContractError;
use super::profile::{Profile, Range};
use super::shape::Shape;

/// Where a `profile.json` limit and the schema restating it disagree (boxed in
/// `ContractError::LimitMismatch`, which names the profile file).
#[derive(Debug)]
pub struct LimitDisagreement {
    /// JSON pointer into `profile.json`.
    pub pointer: String,
    pub in_profile: String,
    pub schema_file: String,
    /// JSON pointer into the schema file.
    pub schema_pointer: String,
    pub in_schema: String,
}

impl std::fmt::Display for LimitDisagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "at {}: the profile says {} but {} at {} says {}",
            self.pointer, self.in_profile, self.schema_file, self.schema_pointer, self.in_schema
        )
    }
}

/// The two files being compared, as named to a user.
pub(super) struct Files {
    pub profile: String,
    pub schema: String,
}

/// The request limits (`/limits`) against the request schema's shape.
pub(super) fn check_request(
    profile: &Profile,
    request: &Shape,
    files: &Files,
) -> Result<(), ContractError> {
    let limits = &profile.limits;
    let ranges_of = |name: &str| request.property(name).map(|s| s.ranges.clone());
    for (name, limit) in [("ccId", limits.cc_id), ("vdn", limits.vdn)] {
        let in_schema = ranges_of(name);
        if in_schema.as_deref() != Some(&[limit][..]) {
            return Err(mismatch(
                files,
                format!("/limits/{name}"),
                fmt(&[limit]),
                format!("/properties/{name}"),
                fmt_opt(in_schema),
            ));
        }
    }
    let agent_ids = request.property("agentIds");
    let max_items = agent_ids.and_then(|s| s.max_items);
    if max_items != Some(limits.agent_ids.max_items) {
        return Err(mismatch(
            files,
            "/limits/agentIds/maxItems".into(),
            limits.agent_ids.max_items.to_string(),
            "/properties/agentIds/maxItems".into(),
            max_items.map_or_else(|| "nothing".to_owned(), |m| m.to_string()),
        ));
    }
    let item_ranges = agent_ids
        .and_then(|s| s.items.as_ref())
        .map(|i| i.ranges.clone());
    if item_ranges.as_deref() != Some(&limits.agent_ids.ranges[..]) {
        return Err(mismatch(
            files,
            "/limits/agentIds/ranges".into(),
            fmt(&limits.agent_ids.ranges),
            "/properties/agentIds/items".into(),
            fmt_opt(item_ranges),
        ));
    }
    Ok(())
}

/// The response limits against the agent object schema's shape. Limits the profile gives as a
/// maximum only (`durations`, `locationId`, `reasons`) are compared by their maximum; the state
/// table restates the whole range of `prevState`/`currentState`.
pub(super) fn check_response(
    profile: &Profile,
    agent: &Shape,
    files: &Files,
) -> Result<(), ContractError> {
    let ranges_of = |name: &str| agent.property(name).map(|s| s.ranges.clone());
    let states = profile.state_range();
    for name in ["prevState", "currentState"] {
        let in_schema = ranges_of(name);
        if in_schema.as_deref() != Some(&[states][..]) {
            return Err(mismatch(
                files,
                "/states".into(),
                fmt(&[states]),
                format!("/properties/{name}"),
                fmt_opt(in_schema),
            ));
        }
    }
    let maxima = [
        ("/durations/max", profile.durations.max, "prevStateTime"),
        ("/durations/max", profile.durations.max, "currentStateTime"),
        ("/locationId/max", profile.location_id.max, "locationId"),
        ("/reasons/max", profile.reasons.max, "currentStateReason"),
    ];
    for (pointer, max, name) in maxima {
        let in_schema = ranges_of(name).and_then(|r| r.iter().map(|r| r.max).max());
        if in_schema != Some(max) {
            return Err(mismatch(
                files,
                pointer.into(),
                max.to_string(),
                format!("/properties/{name}/maximum"),
                in_schema.map_or_else(|| "nothing".to_owned(), |m| m.to_string()),
            ));
        }
    }
    let agent_id = ranges_of("agentId");
    if agent_id.as_deref() != Some(&profile.limits.agent_ids.ranges[..]) {
        return Err(mismatch(
            files,
            "/limits/agentIds/ranges".into(),
            fmt(&profile.limits.agent_ids.ranges),
            "/properties/agentId".into(),
            fmt_opt(agent_id),
        ));
    }
    Ok(())
}

fn mismatch(
    files: &Files,
    pointer: String,
    in_profile: String,
    schema_pointer: String,
    in_schema: String,
) -> ContractError {
    ContractError::LimitMismatch {
        file: files.profile.clone(),
        detail: Box::new(LimitDisagreement {
            pointer,
            in_profile,
            schema_file: files.schema.clone(),
            schema_pointer,
            in_schema,
        }),
    }
}

fn fmt(ranges: &[Range]) -> String {
    ranges
        .iter()
        .map(|r| format!("{}..{}", r.min, r.max))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn fmt_opt(ranges: Option<Vec<Range>>) -> String {
    ranges.map_or_else(|| "nothing".to_owned(), |r| fmt(&r))
}
