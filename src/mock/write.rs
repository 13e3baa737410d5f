//! The fast writer of success bodies: JSON written straight into bytes (6000 agents in one
//! pass), no `serde_json::Value` in between. Owns the member order (the seed example's) and
//! nothing else.

use super::fleet::AgentRecord;

/// How the top of a success body is shaped (mutations drop or change `result`, `resultDatas`).
#[derive(Debug, Clone, Copy)]
pub struct SuccessShape<'a> {
    pub result: Option<&'a str>,
    pub result_code: &'a str,
    pub with_datas: bool,
}

pub fn push_int(out: &mut Vec<u8>, value: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// Writes one agent object, members in the order of the seed's example. Each name is a
/// literal so the compiler copies it inline.
pub fn write_agent(out: &mut Vec<u8>, a: &AgentRecord) {
    out.reserve(320);
    write_agent_head(out, a);
    push_int(out, a.current_state_time);
    write_agent_tail(out, a);
}

/// The members up to the name of `currentStateTime` (the only one that grows with time): split
/// off so the fragment cache can keep everything around that number.
pub fn write_agent_head(out: &mut Vec<u8>, a: &AgentRecord) {
    out.extend_from_slice(b"{\"prevState\":");
    push_int(out, a.prev_state);
    out.extend_from_slice(b",\"agentId\":");
    push_int(out, a.agent_id);
    out.extend_from_slice(b",\"logonTime\":");
    push_int(out, a.logon_time);
    out.extend_from_slice(b",\"agentRelease\":");
    push_int(out, a.agent_release);
    out.extend_from_slice(b",\"locationId\":");
    push_int(out, a.location_id);
    out.extend_from_slice(b",\"currentPrivateCallNum\":");
    push_int(out, a.current_private_call_num);
    out.extend_from_slice(b",\"currentStateTime\":");
}

/// The members after `currentStateTime`, closing the object.
pub fn write_agent_tail(out: &mut Vec<u8>, a: &AgentRecord) {
    out.extend_from_slice(b",\"currentStateReason\":");
    push_int(out, a.current_state_reason);
    out.extend_from_slice(b",\"prevStateTime\":");
    push_int(out, a.prev_state_time);
    out.extend_from_slice(b",\"currentState\":");
    push_int(out, a.current_state);
    out.push(b'}');
}

/// Writes a success body straight into bytes: the agent array is written once and copied, so a
/// 6000-agent answer costs one pass and one memcpy.
pub fn write_success(records: &[AgentRecord], shape: SuccessShape<'_>) -> Vec<u8> {
    write_success_with(shape, records.len(), |out| {
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_agent(out, record);
        }
    })
}

/// [`write_success`] with the agents (comma-separated, no brackets) written by `agents`, for
/// about `count` agents.
pub fn write_success_with(
    shape: SuccessShape<'_>,
    count: usize,
    agents: impl FnOnce(&mut Vec<u8>),
) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * 2 * 250 + 128);
    out.push(b'{');
    if let Some(result) = shape.result {
        out.extend_from_slice(b"\"result\":\"");
        out.extend_from_slice(result.as_bytes());
        out.extend_from_slice(b"\",");
    }
    out.extend_from_slice(b"\"resultCode\":\"");
    out.extend_from_slice(shape.result_code.as_bytes());
    out.push(b'"');
    out.extend_from_slice(if shape.with_datas {
        b",\"resultDatas\":"
    } else {
        b",\"resultDesc\":"
    });
    let start = out.len();
    out.push(b'[');
    agents(&mut out);
    out.push(b']');
    if shape.with_datas {
        let end = out.len();
        out.extend_from_slice(b",\"resultDesc\":");
        out.extend_from_within(start..end);
    }
    out.push(b'}');
    out
}
