//! The server's body reader: what section 1 accepts, rejects as an invalid parameter, or calls
//! malformed JSON (a framework 400).

use super::SEED_BODY;
use super::common::cc_server::body::{Limits, Query, Rejection, read_query};

fn invalid(body: &str) -> bool {
    matches!(
        read_query(body.as_bytes(), &Limits::default()),
        Err(Rejection::Invalid(_))
    )
}

#[test]
fn body_reader_accepts_valid_requests() {
    assert_eq!(
        read_query(SEED_BODY, &Limits::default()),
        Ok(Query {
            cc_id: 1,
            vdn: 170,
            agent_ids: vec![1031, 1099]
        })
    );
    let extra = br#"{"agentIds":[],"vdn":5000,"ccId":65535,"extra":{"x":[1.5]}}"#;
    assert_eq!(
        read_query(extra, &Limits::default()),
        Ok(Query {
            cc_id: 65535,
            vdn: 5000,
            agent_ids: vec![]
        })
    );
}

#[test]
fn body_reader_rejects_what_section_1_rejects() {
    for body in [
        r#"{"ccId":1,"ccId":2,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":[1031],"x":{"a":1,"a":2}}"#,
        r#"{"ccId":2.0,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":1e2,"agentIds":[1031]}"#,
        r#"{"ccId":"1","vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":true,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":null,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":0,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":65536,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":18446744073709551615,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":5001,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":[100]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":[60000]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":["1031"]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":1031}"#,
        r#"{"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":1,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":170}"#,
        r#"[{"ccId":1,"vdn":170,"agentIds":[1031]}]"#,
        r#""text""#,
    ] {
        assert!(invalid(body), "{body}");
    }
    let too_many = format!(
        r#"{{"ccId":1,"vdn":170,"agentIds":[{}]}}"#,
        vec!["101"; 6001].join(",")
    );
    assert!(invalid(&too_many));
    let most = format!(
        r#"{{"ccId":1,"vdn":170,"agentIds":[{}]}}"#,
        vec!["101"; 6000].join(",")
    );
    assert!(read_query(most.as_bytes(), &Limits::default()).is_ok());
}

#[test]
fn body_reader_calls_what_is_not_json_malformed() {
    for body in [
        &b"{\"ccId\":1,\"vdn\":170,\"agentIds\":[1031,"[..],
        b"",
        b"{\"ccId\":1,\"vdn\":170,\"agentIds\":[1031]} x",
        b"{\"ccId\":NaN,\"vdn\":170,\"agentIds\":[]}",
        b"{\"ccId\":1,\"vdn\":170,\"agentIds\":[\xff]}",
    ] {
        let read = read_query(body, &Limits::default());
        assert!(matches!(read, Err(Rejection::Malformed(_))), "{read:?}");
    }
}
