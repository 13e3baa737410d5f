//! The independent CC-CMS test server (tests/common/cc_server) held to what it claims: its
//! auth-v2 verifier reproduces the two fixed vectors of CONTRACT-NOTES section 3 (verifier.rs),
//! its body reader rejects what section 1 rejects (body.rs), a default `cmsconform run` against
//! it is conformant (exit 0), and its scenario knobs and counters do what they say.

mod common;

#[path = "independent_server/body.rs"]
mod body;
#[path = "independent_server/verifier.rs"]
mod verifier;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::cc_server::client::{Client, Got};
use common::cc_server::{self, BodyDefect, Centre, Counts, ServerConfig};
use common::{runtime, tempdir};

const SEED_BODY: &[u8] = br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#;

fn with(config: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut value = ServerConfig::default();
    config(&mut value);
    value
}

fn status(got: Option<Got>) -> Option<u16> {
    got.map(|g| g.status)
}

fn result_code(got: Option<Got>) -> Option<serde_json::Value> {
    got.map(|g| g.json()["resultCode"].clone())
}

fn answered(got: Option<Got>) -> Got {
    got.unwrap_or_else(|| panic!("the server closed the connection without an answer"))
}

#[test]
fn a_default_run_against_the_conformant_server_exits_0() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    let dir = tempdir();
    let reports = dir.path().join("reports");
    let ran = common::binary::run(
        common::binary::signed(dir.path())
            .args(["run", "--target", &server.url(), "--no-progress"])
            .arg("--report-dir")
            .arg(&reports),
    );
    assert_eq!(ran.code, Some(0), "{ran}");
    let counts = server.stats.counts();
    assert_eq!(counts.answered_403, 0, "{counts:?}");
    assert!(counts.successes > 10, "{counts:?}");
    assert!(
        counts.bad_signatures >= 1,
        "no auth probe refused: {counts:?}"
    );
    let agents = &common::binary::report_json(&reports)["meta"]["agents"];
    assert_eq!(agents["judged_agents"], 300, "{agents}");
}

#[test]
fn signed_requests_are_answered_and_wrong_ones_refused_with_counts() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        let got = answered(client.signed(SEED_BODY).await);
        assert_eq!(got.status, 200, "{got:?}");
        assert!(
            got.head
                .contains("content-type: application/json;charset=utf-8")
        );
        let value = got.json();
        assert_eq!(value["resultCode"], "0100000");
        assert_eq!(value["resultDatas"], value["resultDesc"]);
        assert_eq!(value["resultDesc"].as_array().map(Vec::len), Some(2));

        let replayed = client.sign("POST", SEED_BODY);
        let other = br#"{"ccId":1,"vdn":170,"agentIds":[1099]}"#;
        assert_eq!(
            status(client.send("POST", Some(&replayed), other).await),
            Some(401)
        );
        assert_eq!(
            status(client.send("POST", None, SEED_BODY).await),
            Some(401)
        );
        let not_json = client
            .signed(b"{\"ccId\":1,\"vdn\":170,\"agentIds\":[")
            .await;
        assert_eq!(status(not_json), Some(400));
        let unhosted = client
            .signed(br#"{"ccId":2,"vdn":170,"agentIds":[1031]}"#)
            .await;
        assert_eq!(result_code(unhosted), Some("0100001".into()));
        let invalid = client
            .signed(br#"{"ccId":1,"vdn":170,"agentIds":[99]}"#)
            .await;
        assert_eq!(result_code(invalid), Some("0100002".into()));
        let body = br#"{"ccId":1,"vdn":170,"agentIds":[]}"#;
        let auth = client.sign("GET", body);
        let got = answered(client.send("GET", Some(&auth), body).await);
        assert_eq!(got.status, 405);
        assert!(got.head.contains("allow: post"), "{got:?}");
    });
    let expected = Counts {
        connections: 1,
        requests: 7,
        answered_401: 2,
        bad_signatures: 2,
        successes: 1,
        ..Counts::default()
    };
    assert_eq!(server.stats.counts(), expected);
    let pairs: Vec<_> = server.stats.pairs().into_iter().collect();
    assert_eq!(pairs, [((1, 170), 1), ((2, 170), 1)]);
}

#[test]
fn records_stay_the_same_whatever_is_asked_with_them() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        let alone = answered(
            client
                .signed(br#"{"ccId":1,"vdn":170,"agentIds":[1099]}"#)
                .await,
        );
        let batch = br#"{"ccId":1,"vdn":170,"agentIds":[101,1099,1031,1099]}"#;
        let batch = answered(client.signed(batch).await).json();
        let ids: Vec<_> = batch["resultDesc"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a["agentId"].clone())
            .collect();
        assert_eq!(ids, [1099, 1031], "unknown 101 left out, 1099 once");
        let (record, from_batch) = (&alone.json()["resultDesc"][0], &batch["resultDesc"][0]);
        for field in [
            "logonTime",
            "currentState",
            "prevState",
            "locationId",
            "agentRelease",
        ] {
            assert_eq!(record[field], from_batch[field], "{field}");
        }
    });
}

#[test]
fn lockout_refuses_everything_after_n_failures() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.lockout_after = Some(2)));
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        for expected in [401, 401, 403] {
            assert_eq!(
                status(client.send("POST", None, SEED_BODY).await),
                Some(expected)
            );
        }
        assert_eq!(status(client.signed(SEED_BODY).await), Some(403));
    });
    assert_eq!(server.stats.counts().answered_403, 2);
}

#[test]
fn refusal_and_expiry_knobs_answer_401_to_correct_signatures() {
    let runtime = runtime();
    let config = with(|c| {
        c.refuse_signature_when = Some(cc_server::asks_for_agent(1099));
        c.credentials_expire_after = Some(3);
    });
    let server = cc_server::start(&runtime, config);
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        let only_1031 = br#"{"ccId":1,"vdn":170,"agentIds":[1031]}"#;
        for (body, expected) in [
            (&only_1031[..], 200),
            (SEED_BODY, 401),
            (only_1031, 200),
            (only_1031, 401),
        ] {
            assert_eq!(status(client.signed(body).await), Some(expected));
        }
    });
    let counts = server.stats.counts();
    let causes = (
        counts.refused_by_knob,
        counts.expired,
        counts.bad_signatures,
    );
    assert_eq!(causes, (1, 1, 0));
}

#[test]
fn close_every_and_idle_close_drop_connections_without_notice() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.close_every = Some(2)));
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        for _ in 0..2 {
            let got = answered(client.signed(SEED_BODY).await);
            assert!(!got.head.contains("connection: close"), "{got:?}");
        }
        assert!(client.closed_by_server().await);
    });
    assert_eq!(server.stats.counts().every_n_closes, 1);

    let idle = Some(Duration::from_millis(50));
    let server = cc_server::start(&runtime, with(|c| c.idle_close = idle));
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        assert_eq!(status(client.signed(SEED_BODY).await), Some(200));
        // The read returns once the server drops the idle connection.
        assert!(client.closed_by_server().await);
    });
    assert_eq!(server.stats.counts().idle_closes, 1);
}

/// A property of an answer body's text.
type Holds = fn(&str) -> bool;

#[test]
fn body_defects_are_written_into_every_json_answer() {
    let runtime = runtime();
    // Each defect, seen on a success and on a Spring-style refusal (a 401 here).
    let cases: [(BodyDefect, Holds, Holds); 3] = [
        (
            BodyDefect::Bom,
            |b| b.starts_with("\u{FEFF}{"),
            |b| b.starts_with("\u{FEFF}{"),
        ),
        (
            BodyDefect::TrailingBytes,
            |b| b.ends_with("}<!-- node 2 -->"),
            |b| b.ends_with("}<!-- node 2 -->"),
        ),
        (
            BodyDefect::NaN,
            |b| b.contains("\"agentRelease\":NaN,"),
            |b| b.contains("\"status\":NaN,"),
        ),
    ];
    for (defect, on_success, on_refusal) in cases {
        let server = cc_server::start(&runtime, with(|c| c.body_defect = Some(defect)));
        runtime.block_on(async {
            let mut client = Client::connect(&server).await;
            let body = answered(client.signed(SEED_BODY).await).body;
            let text = String::from_utf8_lossy(&body);
            assert!(on_success(&text), "{defect:?}: {text}");
            let body = answered(client.send("POST", None, SEED_BODY).await).body;
            let text = String::from_utf8_lossy(&body);
            assert!(on_refusal(&text), "{defect:?}: {text}");
        });
    }
}

#[test]
fn endless_after_first_streams_without_end_after_one_success() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.endless_after_first = true));
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        assert_eq!(status(client.signed(SEED_BODY).await), Some(200));
        let mut other = Client::connect(&server).await;
        let auth = other.sign("POST", SEED_BODY);
        let request = other.request_bytes("POST", Some(&auth), SEED_BODY);
        assert!(other.stream.write_all(&request).await.is_ok());
        let mut read = 0usize;
        let mut chunk = vec![0u8; 64 * 1024];
        while read < 4 << 20 {
            match other.stream.read(&mut chunk).await {
                Ok(n) if n > 0 => read += n,
                ended => panic!("the stream ended after {read} bytes: {ended:?}"),
            }
        }
    });
    assert_eq!(server.stats.counts().endless_streams, 1);
}

#[test]
fn a_faulty_centre_breaks_the_agent_rule_and_the_others_do_not() {
    let runtime = runtime();
    let centres = (1..=3)
        .map(|cc_id| Centre {
            cc_id,
            vdns: 100..=200,
            agents: (2000..=2099).collect(),
            breaks_agent_rule: cc_id == 2,
        })
        .collect();
    let server = cc_server::start(&runtime, with(|c| c.centres = centres));
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        for cc_id in 1..=3 {
            let body = format!(r#"{{"ccId":{cc_id},"vdn":150,"agentIds":[2000,2001,2002,2003]}}"#);
            let got = answered(client.signed(body.as_bytes()).await).json();
            let states: Vec<i64> = got["resultDesc"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["currentState"].as_i64())
                .collect();
            assert_eq!(states.len(), 4);
            let broken = states.iter().all(|s| *s == 11);
            assert_eq!(broken, cc_id == 2, "{cc_id}: {states:?}");
        }
    });
}

#[test]
fn broken_requests_get_bounded_answers_and_chunked_bodies_are_read() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        let auth = client.sign("POST", SEED_BODY);
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Transfer-Encoding: chunked\r\nAuthorization: {auth}\r\n\r\n",
            server.path(),
            client.host
        );
        let (first, rest) = SEED_BODY.split_at(10);
        let chunked = [
            head.as_bytes(),
            format!("{:x}\r\n", first.len()).as_bytes(),
            first,
            format!("\r\n{:x};ext=1\r\n", rest.len()).as_bytes(),
            rest,
            b"\r\n0\r\n\r\n",
        ]
        .concat();
        assert!(client.stream.write_all(&chunked).await.is_ok());
        let got = answered(client.read_answer().await);
        assert_eq!(got.json()["resultCode"], "0100000", "{got:?}");

        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(70 * 1024));
        let mut other = Client::connect(&server).await;
        assert!(other.stream.write_all(huge.as_bytes()).await.is_ok());
        assert_eq!(status(other.read_answer().await), Some(431));

        let mut other = Client::connect(&server).await;
        let too_long = "POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n";
        assert!(other.stream.write_all(too_long.as_bytes()).await.is_ok());
        let got = answered(other.read_answer().await);
        assert_eq!(got.status, 413);
        assert!(got.head.contains("connection: close"));

        let mut other = Client::connect(&server).await;
        assert!(other.stream.write_all(b"HELLO\r\n\r\n").await.is_ok());
        assert_eq!(status(other.read_answer().await), Some(400));
    });
    assert_eq!(server.stats.counts().requests, 1);
}

#[test]
fn method_first_answers_405_before_looking_at_the_signature() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.auth_before_method = false));
    let default = cc_server::start(&runtime, ServerConfig::default());
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        assert_eq!(status(client.send("PUT", None, SEED_BODY).await), Some(405));
        let mut client = Client::connect(&default).await;
        assert_eq!(status(client.send("PUT", None, SEED_BODY).await), Some(401));
    });
}
