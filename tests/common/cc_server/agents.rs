//! What the server answers: the agent records of its hosted call centres, derived from each
//! agent's ID alone (so a record never depends on the other IDs asked with it), with durations
//! that grow with real time; the success, business-failure and Spring-style error bodies; and
//! the body defects a test may ask for.

use std::time::{Instant, SystemTime};

use super::auth::{civil_from_days, epoch_seconds};

/// `logonTime` of an agent not signed in: 2^32-1 seconds in milliseconds (2106-02-07).
pub const NOT_SIGNED_IN: i64 = 4_294_967_295_000;

/// The defect every JSON answer carries, for tests of notes:6.12.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyDefect {
    /// A UTF-8 byte order mark before the JSON.
    Bom,
    /// `<!-- node 2 -->` after the JSON, as a front that appends its node name.
    TrailingBytes,
    /// The first agent's `agentRelease` written `NaN` (on a Spring-style error, its `status`).
    /// An answer with no number (a business failure, an empty success) is left as it is.
    NaN,
}

/// The server's clock: agents signed in before it started, durations counted from then.
pub struct Clock {
    started: Instant,
    started_epoch_ms: i64,
}

impl Clock {
    pub fn start() -> Clock {
        Clock {
            started: Instant::now(),
            started_epoch_ms: epoch_seconds(SystemTime::now()) * 1000,
        }
    }

    fn elapsed_secs(&self) -> i64 {
        self.started.elapsed().as_secs() as i64
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The JSON object of agent `agent_id` at call centre `cc_id`, at the clock's present. With
/// `breaks_rule` its `currentState` is 11, outside 0..10 (notes:6.6); everything else stays valid.
pub fn record(cc_id: i64, agent_id: i64, breaks_rule: bool, clock: &Clock) -> String {
    let seed = splitmix64(((cc_id as u64) << 32) ^ agent_id as u64);
    let draw = |n: u64, modulo: u64| (splitmix64(seed ^ n) % modulo) as i64;
    let signed_in = draw(1, 4) != 0;
    let elapsed = clock.elapsed_secs();
    let (current_state, reason, logon_time, current_since, prev_time) = if signed_in {
        let state = 1 + draw(2, 10);
        // Signed in 10 minutes to 10 hours before the server started, in its current state
        // for part of that.
        let logged_on_secs = 600 + draw(3, 36_000);
        let reason = if state == 8 { draw(4, 256) } else { 65535 };
        let logon = clock.started_epoch_ms - logged_on_secs * 1000;
        (
            state,
            reason,
            logon,
            draw(5, logged_on_secs as u64),
            draw(6, 7200),
        )
    } else {
        let prev = if draw(6, 2) == 0 {
            4_294_967_295
        } else {
            draw(7, 7200)
        };
        (0, 258, NOT_SIGNED_IN, draw(5, 3_000_000), prev)
    };
    let current_state = if breaks_rule { 11 } else { current_state };
    format!(
        "{{\"agentId\":{agent_id},\"locationId\":{},\"currentStateReason\":{reason},\
         \"prevState\":{},\"prevStateTime\":{prev_time},\"currentState\":{current_state},\
         \"currentStateTime\":{},\"logonTime\":{logon_time},\"agentRelease\":{},\
         \"currentPrivateCallNum\":{}}}",
        if draw(8, 3) == 0 {
            65535
        } else {
            1 + draw(9, 4)
        },
        draw(10, 11),
        current_since + elapsed,
        draw(11, 50),
        draw(12, 5),
    )
}

/// A success holding `records` in both arrays.
pub fn success(records: &[String]) -> Vec<u8> {
    let list = records.join(",");
    format!(
        "{{\"result\":\"0\",\"resultCode\":\"0100000\",\"resultDatas\":[{list}],\"resultDesc\":[{list}]}}"
    )
    .into_bytes()
}

/// A business failure (HTTP 200, notes section 4).
pub fn business_failure(code: &str, desc: &str) -> Vec<u8> {
    format!(
        "{{\"result\":\"1\",\"resultCode\":\"{code}\",\"resultDesc\":{}}}",
        json_string(desc)
    )
    .into_bytes()
}

/// A Spring Boot style error body: `{"timestamp","status","error","message","path"}`.
pub fn spring_error(status: u16, error: &str, message: &str, path: &str) -> Vec<u8> {
    let now = SystemTime::now();
    let secs = epoch_seconds(now);
    let millis = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_millis())
        .unwrap_or(0);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let timestamp = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}+00:00",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    );
    format!(
        "{{\"timestamp\":\"{timestamp}\",\"status\":{status},\"error\":{},\"message\":{},\"path\":{}}}",
        json_string(error),
        json_string(message),
        json_string(path)
    )
    .into_bytes()
}

fn json_string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// `body` with `defect` applied.
pub fn with_defect(defect: BodyDefect, body: Vec<u8>) -> Vec<u8> {
    match defect {
        BodyDefect::Bom => [b"\xEF\xBB\xBF".as_slice(), &body].concat(),
        BodyDefect::TrailingBytes => [body.as_slice(), b"<!-- node 2 -->"].concat(),
        BodyDefect::NaN => {
            let text = String::from_utf8_lossy(&body).into_owned();
            let replaced = ["\"agentRelease\":", "\"status\":"]
                .iter()
                .find_map(|key| replace_first_number(&text, key));
            replaced.map(String::into_bytes).unwrap_or(body)
        }
    }
}

/// `text` with the number after the first `key` written `NaN`.
fn replace_first_number(text: &str, key: &str) -> Option<String> {
    let start = text.find(key)? + key.len();
    let digits = text[start..]
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'-')
        .count();
    (digits > 0).then(|| format!("{}NaN{}", &text[..start], &text[start + digits..]))
}
