//! Unit tests of the agent rules, one rule at a time.

use serde_json::{Value, json};

use super::*;
use crate::contract::Contract;

const NOW: i64 = 1_780_000_000_000;

fn with<T>(profile: &str, f: impl FnOnce(&AgentContext<'_>) -> T) -> T {
    let contract = Contract::embedded(profile).unwrap();
    let ctx = AgentContext {
        profile: contract.profile(),
        requested: None,
        now_ms: NOW,
        clock_skew_ms: 300_000,
    };
    f(&ctx)
}

fn id_of(v: Option<Violation>) -> Option<String> {
    v.map(|v| v.check)
}

#[test]
fn integer_members_are_read_strictly() {
    let agent = json!({"a": 1, "b": 1.0, "c": "1", "d": 18446744073709551615u64});
    assert_eq!(integer_member(&agent, "/x", "a").unwrap(), 1);
    let err = |name| integer_member(&agent, "/x", name).unwrap_err().check;
    assert_eq!(err("b"), "CMS-JSON-008");
    assert_eq!(err("c"), "CMS-AGENT-003");
    assert_eq!(err("d"), "CMS-JSON-008");
    assert_eq!(err("e"), "CMS-AGENT-002");
    assert_eq!(
        integer_member(&agent, "/x", "e").unwrap_err().pointer,
        "/x/e"
    );
}

#[test]
fn agent_id_ranges_follow_the_profile() {
    with("2023-12", |c| {
        assert_eq!(check_agent_id(c.profile, || "/p".into(), 101), None);
        assert_eq!(
            id_of(check_agent_id(c.profile, || "/p".into(), 70000)).as_deref(),
            Some("CMS-AGENT-007")
        );
    });
    with("2025-11", |c| {
        assert_eq!(check_agent_id(c.profile, || "/p".into(), 70000), None);
        assert_eq!(check_agent_id(c.profile, || "/p".into(), 999_999), None);
        assert!(check_agent_id(c.profile, || "/p".into(), 65000).is_some());
        assert!(check_agent_id(c.profile, || "/p".into(), 1_000_000).is_some());
    });
}

#[test]
fn value_ranges_take_their_limits_from_the_profile() {
    with("2023-12", |c| {
        let p = c.profile;
        assert!(check_state(p, || "/s".into(), "currentState", 10).is_none());
        assert!(check_state(p, || "/s".into(), "currentState", 11).is_some());
        assert!(check_duration(p, || "/d".into(), "prevStateTime", 4_294_967_295).is_none());
        assert!(check_duration(p, || "/d".into(), "prevStateTime", 4_294_967_296).is_some());
        assert!(check_location(p, || "/l".into(), 65535).is_none());
        assert!(check_location(p, || "/l".into(), -1).is_some());
        assert!(check_reason(p, || "/r".into(), 258).is_none());
        assert!(check_reason(p, || "/r".into(), 65536).is_some());
        assert!(check_non_negative(&RELEASE, || "/a".into(), "agentRelease", 0).is_none());
        assert!(check_non_negative(&RELEASE, || "/a".into(), "agentRelease", -1).is_some());
    });
}

#[test]
fn the_logon_rule() {
    with("2023-12", |c| {
        let logon = |state, ms| id_of(check_logon(c, || "/t".into(), state, ms));
        assert_eq!(logon(0, 4_294_967_295_000), None);
        assert_eq!(logon(0, 4_291_747_200_000), None, "2106-01-01 itself");
        assert_eq!(logon(0, NOW).as_deref(), Some("CMS-AGENT-010"));
        assert_eq!(
            logon(1, 4_294_967_295_000).as_deref(),
            Some("CMS-AGENT-011")
        );
        assert_eq!(logon(1, 946_684_800_000).as_deref(), Some("CMS-AGENT-012"));
        assert_eq!(logon(1, NOW + 300_000), None, "within the skew");
        assert_eq!(logon(1, NOW + 300_001).as_deref(), Some("CMS-AGENT-013"));
        // Every instant a message names is written as the number and its UTC time.
        let message = |state, ms| {
            check_logon(c, || "/t".into(), state, ms).map_or_else(String::new, |v| v.message)
        };
        let future = message(1, NOW + 300_001);
        assert!(
            future.contains(&format!(
                "logonTime {}",
                crate::units::epoch_ms(NOW + 300_001)
            )) && future.contains(&format!("now, {},", crate::units::epoch_ms(NOW))),
            "{future}"
        );
        let sentinel = message(1, 4_294_967_295_000);
        assert!(
            sentinel.contains("4294967295000 (2106-02-07T06:28:15.000Z)"),
            "{sentinel}"
        );
        assert!(message(1, 946_684_800_000).contains("(2000-01-01T00:00:00.000Z)"));
    });
}

#[test]
fn the_answered_set() {
    let answered = [(0, 1031), (1, 1099), (2, 1031), (3, 2000)];
    let found = check_answered_set(&[1099, 1031, 1500], &answered, "/resultDesc");
    let ids: Vec<&str> = found.iter().map(|v| v.check.as_str()).collect();
    assert_eq!(
        ids,
        [
            "CMS-AGENT-006",
            "CMS-AGENT-005",
            "CMS-AGENT-018",
            "CMS-AGENT-019"
        ]
    );
    assert_eq!(found[0].pointer, "/resultDesc/2/agentId");
}

#[test]
fn extra_members_are_reported_once_per_name() {
    let agents: Vec<Value> = (0..3).map(|i| json!({"agentId": i, "x": 1})).collect();
    let found = check_extra_members(&agents, "/resultDesc");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].pointer, "/resultDesc/0/x");
    assert!(!found[0].is_failure());
}

#[test]
fn table4_members_are_found_in_any_order_and_extras_ignored() {
    let agent = json!({"currentPrivateCallNum": 3, "extra": true, "agentId": 1031});
    let Some(map) = agent.as_object() else {
        panic!("not an object");
    };
    let members = table4_members(map);
    assert_eq!(members[0], Some(&json!(1031)));
    assert_eq!(members[9], Some(&json!(3)));
    assert_eq!(members.iter().filter(|m| m.is_some()).count(), 2);
}
