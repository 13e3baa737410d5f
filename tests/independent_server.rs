//! The independent CC-CMS test server (tests/common/cc_server) held to what it claims: its
//! auth-v2 verifier reproduces the two fixed vectors of CONTRACT-NOTES section 3, its body
//! reader rejects what section 1 rejects, a default `cmsconform run` against it is conformant
//! (exit 0), and its scenario knobs and counters do what they say.

mod common;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::cc_server::auth::{self, EmptyBody, SignedRequest, Verifier};
use common::cc_server::body::{Limits, Query, Rejection, read_query};
use common::cc_server::{self, BodyDefect, Centre, Counts, RunningServer, ServerConfig};
use common::{runtime, tempdir};

const SEED_BODY: &[u8] = br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#;

fn vector_request<'a>(headers: &'a [(String, String)]) -> SignedRequest<'a> {
    SignedRequest {
        method: "POST",
        target: cc_server::PATH,
        headers,
        body: SEED_BODY,
    }
}

fn vector_headers() -> Vec<(String, String)> {
    vec![
        ("Host".to_owned(), "10.22.26.181:28080".to_owned()),
        (
            "Content-Type".to_owned(),
            "application/json; charset=UTF-8".to_owned(),
        ),
    ]
}

fn sign_vector(signed_headers: &str) -> String {
    let headers = vector_headers();
    auth::authorization(
        &vector_request(&headers),
        "globalaktest",
        "example-secret-key",
        "2023-12-19T08:00:00Z",
        signed_headers,
        EmptyBody::NoTrailingNewline,
    )
    .unwrap_or_else(|e| panic!("{e:?}"))
}

#[test]
fn verifier_reproduces_the_notes_vector_signing_host() {
    assert_eq!(
        sign_vector("host"),
        "auth-v2/globalaktest/2023-12-19T08:00:00Z/host/\
         e1bcd53bf06a7535fbae86212692d77babb40e3d233a5b95ec60ca6185ff6d3b"
    );
}

#[test]
fn verifier_reproduces_the_notes_vector_signing_content_type_and_host() {
    assert_eq!(
        sign_vector("content-type;host"),
        "auth-v2/globalaktest/2023-12-19T08:00:00Z/content-type;host/\
         9ad20d6ac9b168668533b203f8a01e1e82f4a5680684491631aef439c8016245"
    );
}

fn vector_verifier(empty_body: EmptyBody) -> Verifier<'static> {
    Verifier {
        ak: "globalaktest",
        sk: "example-secret-key",
        skew: Duration::from_secs(15 * 60),
        empty_body,
    }
}

fn at_vector_time() -> std::time::SystemTime {
    let secs = auth::parse_timestamp("2023-12-19T08:05:00Z").unwrap_or_else(|| panic!("time"));
    std::time::UNIX_EPOCH + Duration::from_secs(secs as u64)
}

#[test]
fn verifier_accepts_the_vector_and_refuses_it_altered() {
    let verifier = vector_verifier(EmptyBody::NoTrailingNewline);
    let mut headers = vector_headers();
    headers.push(("Authorization".to_owned(), sign_vector("host")));
    assert_eq!(
        verifier.verify(&vector_request(&headers), at_vector_time()),
        Ok(())
    );
    let other_body = SignedRequest {
        body: br#"{"ccId":1,"vdn":170,"agentIds":[1099]}"#,
        ..vector_request(&headers)
    };
    assert_eq!(
        verifier.verify(&other_body, at_vector_time()),
        Err(auth::AuthFailure::BadSignature)
    );
    let a_day_later = at_vector_time() + Duration::from_secs(86_400);
    assert!(matches!(
        verifier.verify(&vector_request(&headers), a_day_later),
        Err(auth::AuthFailure::Skewed(_))
    ));
    headers.retain(|(n, _)| n != "Host");
    assert_eq!(
        verifier.verify(&vector_request(&headers), at_vector_time()),
        Err(auth::AuthFailure::SignedHeaderAbsent("host".into()))
    );
}

#[test]
fn the_two_empty_body_readings_give_different_canonical_requests() {
    let headers = vector_headers();
    let empty = SignedRequest {
        body: b"",
        ..vector_request(&headers)
    };
    let without = auth::canonical_request(&empty, "host", EmptyBody::NoTrailingNewline);
    let with = auth::canonical_request(&empty, "host", EmptyBody::TrailingNewline);
    let without = without.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        without,
        format!("POST\n{}\nhost\nhost:10.22.26.181%3A28080", cc_server::PATH)
    );
    assert_eq!(with.unwrap_or_else(|e| panic!("{e:?}")), without + "\n");
    // A non-empty body reads the same either way.
    let full = vector_request(&headers);
    assert_eq!(
        auth::canonical_request(&full, "host", EmptyBody::NoTrailingNewline),
        auth::canonical_request(&full, "host", EmptyBody::TrailingNewline)
    );
}

#[test]
fn normalize_keeps_only_the_unreserved_bytes() {
    assert_eq!(auth::normalize(b"aZ09-._~"), "aZ09-._~");
    assert_eq!(
        auth::normalize("{\"a\": é/}".as_bytes()),
        "%7B%22a%22%3A%20%C3%A9%2F%7D"
    );
}

#[test]
fn timestamps_round_trip_and_reject_what_is_not_one() {
    let secs = auth::parse_timestamp("2106-02-07T06:28:15Z");
    assert_eq!(secs, Some(4_294_967_295));
    let time = std::time::UNIX_EPOCH + Duration::from_secs(4_294_967_295);
    assert_eq!(auth::format_timestamp(time), "2106-02-07T06:28:15Z");
    for bad in [
        "2023-02-30T00:00:00Z",
        "2023-12-19 08:00:00Z",
        "2023-12-19T08:00:00",
        "+023-12-19T08:00:00Z",
    ] {
        assert_eq!(auth::parse_timestamp(bad), None, "{bad}");
    }
}

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

/// A raw client on one connection: writes a request, reads one Content-Length answer.
struct Client {
    stream: TcpStream,
    host: String,
}

/// One answer: status, head (lower-cased) and body.
#[derive(Debug)]
struct Got {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Client {
    async fn connect(server: &RunningServer) -> Client {
        let stream = TcpStream::connect(server.addr)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        Client {
            stream,
            host: server.addr.to_string(),
        }
    }

    /// Sends `method` with `body` and `authorization` (none when `None`).
    async fn send(
        &mut self,
        method: &str,
        authorization: Option<String>,
        body: &[u8],
    ) -> Option<Got> {
        let mut request = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json;charset=UTF-8\r\n\
             Content-Length: {}\r\n",
            cc_server::PATH,
            self.host,
            body.len()
        );
        if let Some(value) = authorization {
            request.push_str(&format!("Authorization: {value}\r\n"));
        }
        request.push_str("\r\n");
        let mut bytes = request.into_bytes();
        bytes.extend_from_slice(body);
        self.stream.write_all(&bytes).await.ok()?;
        self.read_answer().await
    }

    async fn signed(&mut self, body: &[u8]) -> Option<Got> {
        let config = ServerConfig::default();
        let auth = cc_server::authorization(&config, "POST", cc_server::PATH, &self.host, body);
        self.send("POST", Some(auth), body).await
    }

    async fn read_answer(&mut self) -> Option<Got> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or_else(|| panic!("no content-length in {head}"));
                while buf.len() < end + 4 + length {
                    let n = self.stream.read(&mut chunk).await.ok()?;
                    if n == 0 {
                        return None;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                let body = buf[end + 4..end + 4 + length].to_vec();
                return Some(Got { status, head, body });
            }
            let n = self.stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// True once the server has closed the connection (reads to its end).
    async fn closed_by_server(&mut self) -> bool {
        let mut rest = Vec::new();
        matches!(self.stream.read_to_end(&mut rest).await, Ok(_) if rest.is_empty())
    }
}

fn json(got: &Got) -> serde_json::Value {
    serde_json::from_slice(&got.body).unwrap_or_else(|e| panic!("{e}: {got:?}"))
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
        "the auth probes were refused: {counts:?}"
    );
    let report = common::binary::report_json(&reports);
    assert_eq!(
        report["meta"]["agents"]["judged_agents"], 300,
        "{}",
        report["meta"]["agents"]
    );
}

#[test]
fn signed_requests_are_answered_and_wrong_ones_refused_with_counts() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        let got = client
            .signed(SEED_BODY)
            .await
            .unwrap_or_else(|| panic!("no answer"));
        assert_eq!(got.status, 200, "{got:?}");
        assert!(
            got.head
                .contains("content-type: application/json;charset=utf-8")
        );
        let value = json(&got);
        assert_eq!(value["resultCode"], "0100000");
        assert_eq!(value["resultDatas"], value["resultDesc"]);
        let agents = value["resultDesc"].as_array().map(Vec::len);
        assert_eq!(agents, Some(2));

        let config = ServerConfig::default();
        let other = br#"{"ccId":1,"vdn":170,"agentIds":[1099]}"#;
        let replayed =
            cc_server::authorization(&config, "POST", cc_server::PATH, &client.host, SEED_BODY);
        let got = client.send("POST", Some(replayed), other).await;
        assert_eq!(got.map(|g| g.status), Some(401));
        let got = client.send("POST", None, SEED_BODY).await;
        assert_eq!(got.map(|g| g.status), Some(401));
        let got = client
            .signed(b"{\"ccId\":1,\"vdn\":170,\"agentIds\":[")
            .await;
        assert_eq!(got.map(|g| g.status), Some(400));
        let got = client
            .signed(br#"{"ccId":2,"vdn":170,"agentIds":[1031]}"#)
            .await;
        assert_eq!(
            got.as_ref().map(|g| json(g)["resultCode"].clone()),
            Some("0100001".into())
        );
        let got = client
            .signed(br#"{"ccId":1,"vdn":170,"agentIds":[99]}"#)
            .await;
        assert_eq!(
            got.as_ref().map(|g| json(g)["resultCode"].clone()),
            Some("0100002".into())
        );
        let body = br#"{"ccId":1,"vdn":170,"agentIds":[]}"#;
        let auth = cc_server::authorization(&config, "GET", cc_server::PATH, &client.host, body);
        let got = client
            .send("GET", Some(auth), body)
            .await
            .unwrap_or_else(|| panic!("none"));
        assert_eq!(got.status, 405);
        assert!(got.head.contains("allow: post"), "{got:?}");
    });
    let counts = server.stats.counts();
    let expected = Counts {
        connections: 1,
        requests: 7,
        answered_401: 2,
        bad_signatures: 2,
        successes: 1,
        ..Counts::default()
    };
    assert_eq!(counts, expected);
    assert_eq!(
        server.stats.pairs().into_iter().collect::<Vec<_>>(),
        [((1, 170), 1), ((2, 170), 1)]
    );
}

#[test]
fn records_stay_the_same_whatever_is_asked_with_them() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, ServerConfig::default());
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        let alone = client
            .signed(br#"{"ccId":1,"vdn":170,"agentIds":[1099]}"#)
            .await;
        let batch = client
            .signed(br#"{"ccId":1,"vdn":170,"agentIds":[5,1099,1031,1099,7]}"#)
            .await;
        let (alone, batch) = (alone.map(|g| json(&g)), batch.map(|g| json(&g)));
        let alone = alone.unwrap_or_else(|| panic!("none"));
        let batch = batch.unwrap_or_else(|| panic!("none"));
        assert_eq!(batch["resultCode"], "0100002", "5 and 7 are out of range");
        let batch = client
            .signed(br#"{"ccId":1,"vdn":170,"agentIds":[101,1099,1031,1099]}"#)
            .await;
        let batch = json(&batch.unwrap_or_else(|| panic!("none")));
        let ids: Vec<_> = batch["resultDesc"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| a["agentId"].clone())
            .collect();
        assert_eq!(ids, [1099, 1031]);
        let from_batch = &batch["resultDesc"][0];
        let record = &alone["resultDesc"][0];
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

fn with(config: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut value = ServerConfig::default();
    config(&mut value);
    value
}

#[test]
fn lockout_refuses_everything_after_n_failures() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.lockout_after = Some(2)));
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        for expected in [401, 401, 403] {
            let got = client.send("POST", None, SEED_BODY).await;
            assert_eq!(got.map(|g| g.status), Some(expected));
        }
        assert_eq!(client.signed(SEED_BODY).await.map(|g| g.status), Some(403));
    });
    assert_eq!(server.stats.counts().answered_403, 2);
}

#[test]
fn refusal_and_expiry_knobs_answer_401_to_correct_signatures() {
    let runtime = runtime();
    let config = with(|c| {
        c.refuse_signature_when = Some(cc_server::body_contains("1099"));
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
            assert_eq!(client.signed(body).await.map(|g| g.status), Some(expected));
        }
    });
    let counts = server.stats.counts();
    assert_eq!(
        (
            counts.refused_by_knob,
            counts.expired,
            counts.bad_signatures
        ),
        (1, 1, 0)
    );
}

#[test]
fn close_every_and_idle_close_drop_connections_without_notice() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.close_every = Some(2)));
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        let first = client
            .signed(SEED_BODY)
            .await
            .unwrap_or_else(|| panic!("none"));
        let second = client
            .signed(SEED_BODY)
            .await
            .unwrap_or_else(|| panic!("none"));
        assert!(
            !first.head.contains("connection: close") && !second.head.contains("connection: close")
        );
        assert!(client.closed_by_server().await);
    });
    assert_eq!(server.stats.counts().every_n_closes, 1);

    let idle = cc_server::start(
        &runtime,
        with(|c| c.idle_close = Some(Duration::from_millis(50))),
    );
    runtime.block_on(async {
        let mut client = Client::connect(&idle).await;
        assert_eq!(client.signed(SEED_BODY).await.map(|g| g.status), Some(200));
        // The read waits until the server drops the idle connection.
        assert!(client.closed_by_server().await);
    });
    assert_eq!(idle.stats.counts().idle_closes, 1);
}

#[test]
fn body_defects_are_written_into_every_json_answer() {
    let runtime = runtime();
    for (defect, check) in [
        (
            BodyDefect::Bom,
            (|b: &[u8]| b.starts_with(b"\xEF\xBB\xBF{")) as fn(&[u8]) -> bool,
        ),
        (BodyDefect::TrailingBytes, |b: &[u8]| {
            b.ends_with(b"}<!-- node 2 -->")
        }),
        (BodyDefect::NaN, |b: &[u8]| {
            String::from_utf8_lossy(b).contains("\"agentRelease\":NaN,")
        }),
    ] {
        let server = cc_server::start(&runtime, with(|c| c.body_defect = Some(defect)));
        runtime.block_on(async {
            let mut client = Client::connect(&server).await;
            let got = client
                .signed(SEED_BODY)
                .await
                .unwrap_or_else(|| panic!("none"));
            assert!(
                check(&got.body),
                "{defect:?}: {}",
                String::from_utf8_lossy(&got.body)
            );
        });
    }
}

#[test]
fn endless_after_first_streams_without_end_after_one_success() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.endless_after_first = true));
    runtime.block_on(async {
        let mut client = Client::connect(&server).await;
        assert_eq!(client.signed(SEED_BODY).await.map(|g| g.status), Some(200));
        let mut second = Client::connect(&server).await;
        let body = SEED_BODY;
        let auth = cc_server::authorization(&ServerConfig::default(), "POST", cc_server::PATH, &second.host, body);
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Authorization: {auth}\r\n\r\n",
            cc_server::PATH, second.host, body.len()
        );
        let sent = second.stream.write_all(&[request.as_bytes(), body].concat()).await;
        assert!(sent.is_ok());
        let mut read = 0usize;
        let mut chunk = vec![0u8; 64 * 1024];
        while read < 4 << 20 {
            match second.stream.read(&mut chunk).await {
                Ok(n) if n > 0 => read += n,
                other => panic!("the stream ended after {read} bytes: {other:?}"),
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
            let got = json(
                &client
                    .signed(body.as_bytes())
                    .await
                    .unwrap_or_else(|| panic!("none")),
            );
            let states: Vec<i64> = got["resultDesc"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["currentState"].as_i64())
                .collect();
            assert_eq!(states.len(), 4);
            assert_eq!(
                states.iter().all(|s| *s == 11),
                cc_id == 2,
                "{cc_id}: {states:?}"
            );
        }
    });
}
