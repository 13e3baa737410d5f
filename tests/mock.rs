//! The reference mock, in process: vendor behaviour through `router` (tower `oneshot`), the
//! wire-level faults and per-connection protections through `spawn` on port 0, a property test
//! throwing arbitrary requests at the router, the auth-v2 vectors computed by Python, and the
//! project's checks judging the mock's answers.

use std::collections::BTreeSet;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cmsconform::auth::{self, Credentials, SigningInput};
use cmsconform::cases::{Expectation, Outcome};
use cmsconform::checks::{self, CheckOptions};
use cmsconform::clock::now_secs;
use cmsconform::contract::{Contract, SchemaKind};
use cmsconform::exchange::{Exchange, Received, SentRequest};
use cmsconform::mock::{self, FAULT_HEADER, MockConfig};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

const HOST: &str = "127.0.0.1:8080";
const SEED_BODY: &str = r#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#;

fn contract() -> Contract {
    Contract::embedded("2023-12").unwrap()
}

fn config() -> MockConfig {
    MockConfig::new(contract())
}

fn path() -> String {
    contract().profile().path.clone()
}

/// A request signed over `host` (and `content-type` when `sign_content_type`).
struct Req {
    method: &'static str,
    path: String,
    body: Vec<u8>,
    content_type: Option<&'static str>,
    creds: Credentials,
    timestamp: i64,
    sign_content_type: bool,
    fault: Option<String>,
    authorization: Option<Option<String>>,
}

impl Req {
    fn post(body: &str) -> Req {
        Req {
            method: "POST",
            path: path(),
            body: body.as_bytes().to_vec(),
            content_type: Some("application/json; charset=UTF-8"),
            creds: Credentials::local_default(),
            timestamp: now_secs(),
            sign_content_type: false,
            fault: None,
            authorization: None,
        }
    }

    fn fault(mut self, spec: &str) -> Req {
        self.fault = Some(spec.to_owned());
        self
    }

    fn headers(&self) -> Vec<(String, String)> {
        let mut signed = vec![("host", HOST)];
        if let (true, Some(ct)) = (self.sign_content_type, self.content_type) {
            signed.push(("content-type", ct));
        }
        let (path, query) = match self.path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (self.path.as_str(), None),
        };
        let value = auth::authorization(
            &self.creds,
            &auth::format_timestamp(self.timestamp),
            &SigningInput {
                method: self.method,
                path,
                query,
                headers: &signed,
                body: &self.body,
            },
        );
        let mut headers = vec![("host".to_owned(), HOST.to_owned())];
        if let Some(ct) = self.content_type {
            headers.push(("content-type".into(), ct.into()));
        }
        match &self.authorization {
            None => headers.push(("authorization".into(), value)),
            Some(Some(other)) => headers.push(("authorization".into(), other.clone())),
            Some(None) => {}
        }
        if let Some(fault) = &self.fault {
            headers.push((FAULT_HEADER.into(), fault.clone()));
        }
        headers
    }

    fn build(&self) -> Request<Body> {
        let mut builder = Request::builder().method(self.method).uri(&self.path);
        for (name, value) in self.headers() {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(self.body.clone())).unwrap()
    }
}

struct Answer {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn send_to(app: axum::Router, request: Request<Body>) -> Answer {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        headers,
        body,
    }
}

async fn send(cfg: MockConfig, req: &Req) -> Answer {
    send_to(mock::router(cfg).unwrap(), req.build()).await
}

fn judge(req: &Req, answer: &Answer, expect: Outcome) -> Vec<checks::Violation> {
    let now = cmsconform_now_ms();
    let request = SentRequest {
        method: req.method.to_owned(),
        path: req.path.clone(),
        headers: req.headers(),
        body: req.body.clone(),
    };
    let response = Received {
        headers: answer
            .headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
            .collect(),
        ..Received::new(answer.status.as_u16(), answer.body.clone())
    };
    let exchange = Exchange::new(request, Ok(response), now, now);
    let options = CheckOptions {
        now_ms: Some(now),
        clock_skew_ms: 300_000,
        home: None,
    };
    checks::judge(&contract(), &exchange, &Expectation::One(expect), &options)
        .into_iter()
        .filter(|v| v.is_failure())
        .collect()
}

fn cmsconform_now_ms() -> i64 {
    now_secs() * 1000 + 999
}

fn agent_ids(answer: &Answer) -> Vec<i64> {
    answer.json()["resultDesc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["agentId"].as_i64().unwrap())
        .collect()
}

#[test]
fn auth_matches_the_python_vectors() {
    let text = std::fs::read_to_string("tests/fixtures/auth_vectors.json").unwrap();
    let file: Value = serde_json::from_str(&text).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 4);
    for v in vectors {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let headers: Vec<(String, String)> = v["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h[0].as_str().unwrap().into(), h[1].as_str().unwrap().into()))
            .collect();
        let pairs: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, h)| (n.as_str(), h.as_str()))
            .collect();
        let (method, path, body, query) = (s("method"), s("path"), s("body"), v["query"].as_str());
        let input = SigningInput {
            method: &method,
            path: &path,
            query,
            headers: &pairs,
            body: body.as_bytes(),
        };
        let name = s("name");
        assert_eq!(
            auth::canonical_request(&input),
            s("canonicalRequest"),
            "{name}"
        );
        let creds = Credentials::new(s("ak"), s("sk"));
        assert_eq!(
            auth::authorization(&creds, &s("timestamp"), &input),
            s("authorization"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn seed_example_is_answered_as_the_vendor_page_shows() {
    let req = Req::post(SEED_BODY);
    let answer = send(config(), &req).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = answer.json();
    assert_eq!(body["result"], "0");
    assert_eq!(body["resultCode"], "0100000");
    assert_eq!(body["resultDatas"], body["resultDesc"]);
    assert!(contract().is_valid(SchemaKind::Success, &body));
    let a = &body["resultDesc"];
    for (i, reason, base) in [(0, 65535, 2_224_439), (1, 258, 230_703)] {
        assert_eq!(a[i]["currentState"], 0);
        assert_eq!(a[i]["prevState"], 1);
        assert_eq!(a[i]["logonTime"], 4_294_967_295_000_i64);
        assert_eq!(a[i]["prevStateTime"], 4_294_967_295_i64);
        assert_eq!(a[i]["locationId"], 65535);
        assert_eq!(a[i]["currentStateReason"], reason);
        assert!(a[i]["currentStateTime"].as_i64().unwrap() >= base);
    }
    assert_eq!(agent_ids(&answer), vec![1031, 1099]);
    assert!(judge(&req, &answer, Outcome::Accepted).is_empty());
}

#[tokio::test]
async fn request_order_duplicates_and_unknown_agents() {
    let ids: Vec<i64> = (101..400).rev().collect();
    let mut asked = ids.clone();
    asked.extend_from_slice(&ids[..20]);
    let body = json!({"ccId": 7, "vdn": 3, "agentIds": asked}).to_string();
    let answer = send(config(), &Req::post(&body)).await;
    let answered = agent_ids(&answer);
    let unique: BTreeSet<i64> = answered.iter().copied().collect();
    assert_eq!(unique.len(), answered.len(), "an agent answered twice");
    assert!(answered.len() < ids.len() && answered.len() > ids.len() * 3 / 4);
    let order: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| unique.contains(id))
        .collect();
    assert_eq!(answered, order);
}

#[tokio::test]
async fn fleet_is_deterministic_per_seed_and_spans_every_state() {
    let body =
        json!({"ccId": 2, "vdn": 9, "agentIds": (101..6101).collect::<Vec<_>>()}).to_string();
    let a = send(config(), &Req::post(&body)).await.json();
    let b = send(config(), &Req::post(&body)).await.json();
    let mut other = config();
    other.seed = 99;
    let c = send(other, &Req::post(&body)).await.json();
    let states = |v: &Value| -> Vec<i64> {
        v["resultDesc"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["currentState"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(states(&a), states(&b));
    assert_ne!(states(&a), states(&c));
    let distinct: BTreeSet<i64> = states(&a).into_iter().collect();
    assert_eq!(distinct.len(), contract().profile().states.len());
    for agent in a["resultDesc"].as_array().unwrap() {
        let state = agent["currentState"].as_i64().unwrap();
        let reason = agent["currentStateReason"].as_i64().unwrap();
        if state == 0 {
            assert_eq!(agent["logonTime"], 4_294_967_295_000_i64);
            assert!(reason == 65535 || (256..=264).contains(&reason));
        } else if state == 8 {
            assert!((0..=255).contains(&reason));
        } else {
            assert!(agent["logonTime"].as_i64().unwrap() < cmsconform_now_ms());
        }
    }
}

/// notes:6.12: an Integer member written `2.0` or `2e0` is an invalid field to the mock, answered
/// as any other (a server that accepts it stays information in the checks).
#[tokio::test]
async fn integer_members_in_another_form_get_the_vendor_rejection() {
    for body in [
        r#"{"ccId":1,"vdn":2.0,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":2e0,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":2,"agentIds":[1031.0]}"#,
    ] {
        let req = Req::post(body);
        let answer = send(config(), &req).await;
        assert_eq!(answer.status, StatusCode::OK, "{body}");
        assert_eq!(
            answer.json(),
            json!({"resultCode":"0100002","resultDesc":"Invalid parameter"}),
            "{body}"
        );
        assert!(judge(&req, &answer, Outcome::Rejected).is_empty(), "{body}");
    }
    let plain = send(
        config(),
        &Req::post(r#"{"ccId":1,"vdn":2,"agentIds":[1031]}"#),
    )
    .await;
    assert_eq!(
        plain.json()["resultCode"],
        "0100000",
        "the plain form is answered"
    );
}

#[tokio::test]
async fn invalid_bodies_get_the_vendor_rejection() {
    let max = contract().profile().limits.agent_ids.max_items;
    let too_many = json!({"ccId": 1, "vdn": 1, "agentIds": vec![101; max + 1]}).to_string();
    for body in [
        r#"{"ccId":0,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":65536,"vdn":170,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":5001,"agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":[100]}"#,
        r#"{"ccId":1,"vdn":170,"agentIds":[60000]}"#,
        r#"{"ccId":"1","vdn":"170","agentIds":[1031]}"#,
        r#"{"ccId":1,"vdn":170}"#,
        r#"{"ccId":1,"ccId":2,"vdn":170,"agentIds":[1031]}"#,
        r#"[1,170,[1031]]"#,
        too_many.as_str(),
    ] {
        let req = Req::post(body);
        let answer = send(config(), &req).await;
        assert_eq!(answer.status, StatusCode::OK, "{body}");
        assert_eq!(
            answer.json(),
            json!({"resultCode":"0100002","resultDesc":"Invalid parameter"})
        );
        assert!(judge(&req, &answer, Outcome::Rejected).is_empty(), "{body}");
    }
    let empty = send(
        config(),
        &Req::post(r#"{"ccId":1,"vdn":170,"agentIds":[]}"#),
    )
    .await;
    assert_eq!(empty.json()["resultDesc"], json!([]));
}

#[tokio::test]
async fn framework_refusals_are_spring_shaped() {
    let spring = |a: &Answer, status: u16| {
        let body = a.json();
        assert_eq!(a.status.as_u16(), status, "{body}");
        for key in ["timestamp", "status", "error", "message", "path"] {
            assert!(body.get(key).is_some(), "{key} missing in {body}");
        }
        assert_eq!(body["status"], status);
    };
    for body in [
        "{\"ccId\":1,",
        "",
        "\u{feff}{}",
        "{\"ccId\":1e400,\"vdn\":1,\"agentIds\":[]}",
    ] {
        spring(&send(config(), &Req::post(body)).await, 400);
    }
    let deep = "[".repeat(200_000);
    spring(&send(config(), &Req::post(&deep)).await, 400);
    let mut bad_utf8 = Req::post("");
    bad_utf8.body = b"{\"ccId\":1,\"vdn\":170,\"agentIds\":[\xff]}".to_vec();
    spring(&send(config(), &bad_utf8).await, 400);

    for method in ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let mut req = Req::post(SEED_BODY);
        req.method = method;
        let answer = send(config(), &req).await;
        spring(&answer, 405);
        assert_eq!(answer.header("allow"), Some("POST"));
        assert!(judge(&req, &answer, Outcome::NotAllowedMethod).is_empty());
    }
    let mut elsewhere = Req::post(SEED_BODY);
    elsewhere.path = "/rest/other".into();
    spring(&send(config(), &elsewhere).await, 404);

    let mut small = config();
    small.max_body = 64;
    let big = json!({"ccId": 1, "vdn": 1, "agentIds": (101..200).collect::<Vec<_>>()}).to_string();
    spring(&send(small, &Req::post(&big)).await, 413);
}

#[tokio::test]
async fn content_type_other_than_json_is_a_415() {
    for ct in [Some("text/plain"), None, Some("application/xml")] {
        let mut req = Req::post(SEED_BODY);
        req.content_type = ct;
        let answer = send(config(), &req).await;
        assert_eq!(answer.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
        assert!(judge(&req, &answer, Outcome::Rejected).is_empty());
    }
    for ct in [
        "application/json",
        "Application/JSON;charset=utf-8",
        "application/problem+json",
    ] {
        let mut req = Req::post(SEED_BODY);
        req.content_type = Some(ct);
        assert_eq!(send(config(), &req).await.status, StatusCode::OK, "{ct}");
    }
}

#[tokio::test]
async fn auth_v2_is_verified() {
    let mut signed_ct = Req::post(SEED_BODY);
    signed_ct.sign_content_type = true;
    assert_eq!(send(config(), &signed_ct).await.status, StatusCode::OK);
    let mut query = Req::post(SEED_BODY);
    query.path = format!("{}?b=2&a=x%20y", path());
    assert_eq!(send(config(), &query).await.status, StatusCode::OK);

    let mut cases = Vec::new();
    let mut missing = Req::post(SEED_BODY);
    missing.authorization = Some(None);
    cases.push(missing);
    let mut malformed = Req::post(SEED_BODY);
    malformed.authorization = Some(Some("Basic Zm9vOmJhcg==".into()));
    cases.push(malformed);
    let mut wrong = Req::post(SEED_BODY);
    wrong.creds = Credentials::new(auth::DEFAULT_AK, "not-the-secret");
    cases.push(wrong);
    let mut expired = Req::post(SEED_BODY);
    expired.timestamp -= 3600;
    cases.push(expired);
    let mut unsorted = Req::post(SEED_BODY);
    unsorted.authorization = Some(Some(format!(
        "auth-v2/{}/{}/host;content-type/{}",
        auth::DEFAULT_AK,
        auth::format_timestamp(now_secs()),
        "0".repeat(64)
    )));
    cases.push(unsorted);
    for req in cases {
        let answer = send(config(), &req).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.json()["status"], 401);
        assert!(judge(&req, &answer, Outcome::Unauthenticated).is_empty());
    }
}

#[tokio::test]
async fn lockout_answers_403_after_n_failures() {
    let mut cfg = config();
    cfg.lockout = Some((2, Duration::from_secs(60)));
    let app = mock::router(cfg).unwrap();
    let mut bad = Req::post(SEED_BODY);
    bad.creds = Credentials::new(auth::DEFAULT_AK, "wrong");
    for _ in 0..2 {
        assert_eq!(
            send_to(app.clone(), bad.build()).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        send_to(app.clone(), bad.build()).await.status,
        StatusCode::FORBIDDEN
    );
    let good = Req::post(SEED_BODY);
    assert_eq!(
        send_to(app, good.build()).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn durations_grow_and_nothing_else_moves() {
    let body = json!({"ccId": 4, "vdn": 4, "agentIds": (101..160).collect::<Vec<_>>()}).to_string();
    let app = mock::router(config()).unwrap();
    let first = send_to(app.clone(), Req::post(&body).build()).await.json();
    // Durations count whole seconds since the mock started: wait for the next one by polling.
    let mut second = first.clone();
    for _ in 0..300 {
        second = send_to(app.clone(), Req::post(&body).build()).await.json();
        if second != first {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (a, b) = (
        first["resultDesc"].as_array().unwrap(),
        second["resultDesc"].as_array().unwrap(),
    );
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        let grown =
            y["currentStateTime"].as_i64().unwrap() - x["currentStateTime"].as_i64().unwrap();
        assert!((1..=3).contains(&grown), "{x} {y}");
        for key in [
            "agentId",
            "currentState",
            "prevState",
            "logonTime",
            "currentStateReason",
        ] {
            assert_eq!(x[key], y[key]);
        }
    }
}

#[tokio::test]
async fn every_mutation_deviates_on_the_requests_it_targets() {
    let clean = send(config(), &Req::post(SEED_BODY)).await;
    let many =
        json!({"ccId": 1, "vdn": 170, "agentIds": (101..400).collect::<Vec<_>>()}).to_string();
    for def in mock::mutations() {
        let name = def.name;
        let differs = match name {
            "accept-invalid" | "server-error-on-rejection" | "rejection-with-data" => {
                let a = send(
                    config(),
                    &Req::post(r#"{"ccId":0,"vdn":1,"agentIds":[101]}"#).fault(name),
                )
                .await;
                a.status != StatusCode::OK || a.json().get("resultDatas").is_some()
            }
            "success-for-get" | "wrong-allow" | "missing-allow" => {
                let mut req = Req::post(SEED_BODY).fault(name);
                req.method = "GET";
                let a = send(config(), &req).await;
                a.status == StatusCode::OK || a.header("allow") != Some("POST")
            }
            "auth-ignored" => {
                let mut req = Req::post(SEED_BODY).fault(name);
                req.authorization = Some(None);
                send(config(), &req).await.status == StatusCode::OK
            }
            n if n.starts_with("ccid-") || n.starts_with("vdn-") || n.starts_with("agentid") => {
                // Covered by the limit tests in the validate module and `limit_mutations_*`.
                continue;
            }
            "batch-dependent" | "truncate-above" | "order-dependent" => {
                let a = send(config(), &Req::post(&many)).await.json();
                let b = send(config(), &Req::post(&many).fault(name)).await.json();
                a != b
            }
            "intermittent-missing" | "unstable-state" | "shrinking-duration" => {
                let app = mock::router(config()).unwrap();
                let req = Req::post(&many).fault(name);
                let a = send_to(app.clone(), req.build()).await.json();
                let b = send_to(app, req.build()).await.json();
                a["resultDesc"].as_array().map(Vec::len) != b["resultDesc"].as_array().map(Vec::len)
                    || a.to_string().len() != b.to_string().len()
                    || a != b
            }
            _ => {
                let a = send(config(), &Req::post(SEED_BODY).fault(name)).await;
                a.body != clean.body || a.header("content-type") != clean.header("content-type")
            }
        };
        assert!(differs, "mutation {name} changed nothing");
    }
}

#[tokio::test]
async fn limit_mutations_move_exactly_one_bound() {
    let limits = contract().profile().limits.clone();
    let body = |cc: i64| json!({"ccId": cc, "vdn": 1, "agentIds": [101]}).to_string();
    let code = |a: &Answer| a.json()["resultCode"].as_str().unwrap().to_owned();
    let above = send(
        config(),
        &Req::post(&body(limits.cc_id.max + 1)).fault("ccid-accepts-above-max"),
    )
    .await;
    assert_eq!(code(&above), "0100000");
    let at = send(
        config(),
        &Req::post(&body(limits.cc_id.max)).fault("ccid-rejects-max"),
    )
    .await;
    assert_eq!(code(&at), "0100002");
    let top = limits.agent_ids.ranges.last().unwrap().max;
    let last = json!({"ccId": 1, "vdn": 1, "agentIds": [top]}).to_string();
    assert_eq!(code(&send(config(), &Req::post(&last)).await), "0100000");
    assert_eq!(
        code(&send(config(), &Req::post(&last).fault("agentid-rejects-max")).await),
        "0100002"
    );
    let n = limits.agent_ids.max_items + 1;
    let over = json!({"ccId": 1, "vdn": 1, "agentIds": vec![101; n]}).to_string();
    let over = send(
        config(),
        &Req::post(&over).fault("agentids-accepts-above-max-items"),
    )
    .await;
    assert_eq!(code(&over), "0100000");
}

#[tokio::test]
async fn fault_specs_in_the_header() {
    let a = send(config(), &Req::post(SEED_BODY).fault("status=503")).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    let a = send(config(), &Req::post(SEED_BODY).fault("malformed")).await;
    assert!(serde_json::from_slice::<Value>(&a.body).is_err());
    let a = send(config(), &Req::post(SEED_BODY).fault("no-such-fault")).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = send(
        config(),
        &Req::post(SEED_BODY).fault("latency=1ms..3ms,trickle=1ms"),
    )
    .await;
    assert_eq!(a.json()["resultCode"], "0100000");
    let mut global = config();
    global.faults = vec!["drop-field".into()];
    let a = send(global, &Req::post(SEED_BODY)).await;
    assert!(
        a.json()["resultDesc"][0]
            .get("currentPrivateCallNum")
            .is_none()
    );
    let mut bad = config();
    bad.faults = vec!["nonsense".into()];
    assert!(mock::router(bad).is_err());
}

mod wire {
    //! Over a real socket: transport faults and per-connection protections.
    use super::*;

    async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream.write_all(request).await?;
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut out))
            .await
            .map_err(|_| std::io::Error::other("no answer in 10s"))??;
        Ok(out)
    }

    fn http(req: &Req) -> Vec<u8> {
        let mut text = format!(
            "{} {} HTTP/1.1\r\nconnection: close\r\n",
            req.method, req.path
        );
        for (name, value) in req.headers() {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        text.push_str(&format!("content-length: {}\r\n\r\n", req.body.len()));
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(&req.body);
        bytes
    }

    #[tokio::test]
    async fn clean_answer_and_transport_faults() {
        let running = mock::spawn(config(), "127.0.0.1:0").await.unwrap();
        let ok = raw(running.addr, &http(&Req::post(SEED_BODY)))
            .await
            .unwrap();
        assert!(
            ok.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&ok)
        );

        let empty = raw(running.addr, &http(&Req::post(SEED_BODY).fault("empty"))).await;
        assert!(empty.map(|b| b.is_empty()).unwrap_or(true));
        let reset = raw(running.addr, &http(&Req::post(SEED_BODY).fault("reset"))).await;
        match reset {
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
            Ok(bytes) => assert!(bytes.is_empty()),
        }
        let cut = raw(running.addr, &http(&Req::post(SEED_BODY).fault("truncate"))).await;
        if let Ok(bytes) = cut {
            let text = String::from_utf8_lossy(&bytes);
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .unwrap()
                .parse()
                .unwrap();
            assert!(body.len() < length);
        }
        running.shutdown();
    }

    #[tokio::test]
    async fn slowloris_clients_are_cut_and_do_not_block_others() {
        let mut cfg = config();
        cfg.header_read_timeout = Duration::from_millis(300);
        cfg.max_connections = 4;
        let running = mock::spawn(cfg, "127.0.0.1:0").await.unwrap();
        let mut slow = Vec::new();
        for _ in 0..8 {
            let mut s = tokio::net::TcpStream::connect(running.addr).await.unwrap();
            s.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n")
                .await
                .unwrap();
            slow.push(s);
        }
        // Every slow client is closed by the server after the header timeout...
        for mut s in slow {
            let mut buf = Vec::new();
            let ended =
                tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
            assert!(ended.is_ok(), "a slowloris connection was kept open");
        }
        // ...and a normal client is served afterwards.
        let ok = raw(running.addr, &http(&Req::post(SEED_BODY)))
            .await
            .unwrap();
        assert!(ok.starts_with(b"HTTP/1.1 200"));
    }

    #[tokio::test]
    async fn slow_bodies_and_huge_content_length_are_refused() {
        let mut cfg = config();
        cfg.body_read_timeout = Duration::from_millis(200);
        let running = mock::spawn(cfg, "127.0.0.1:0").await.unwrap();
        let huge =
            b"POST /rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids HTTP/1.1\r\n\
                     host: x\r\nconnection: close\r\ncontent-length: 99999999999\r\n\r\n{";
        let answer = raw(running.addr, huge).await.unwrap();
        assert!(
            answer.starts_with(b"HTTP/1.1 413"),
            "{}",
            String::from_utf8_lossy(&answer)
        );

        let mut s = tokio::net::TcpStream::connect(running.addr).await.unwrap();
        s.write_all(
            b"POST /rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids HTTP/1.1\r\n\
              host: x\r\ncontent-length: 100\r\n\r\n{\"cc",
        )
        .await
        .unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut buf)).await;
        assert!(
            buf.starts_with(b"HTTP/1.1 408"),
            "{}",
            String::from_utf8_lossy(&buf)
        );
    }
}

mod fuzz {
    //! Arbitrary methods, paths, headers and bodies: every answer is well formed, never a 5xx.
    use super::*;
    use proptest::prelude::*;

    fn body() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            (
                any::<i64>(),
                any::<i64>(),
                proptest::collection::vec(any::<i64>(), 0..20)
            )
                .prop_map(|(c, v, ids)| json!({"ccId": c, "vdn": v, "agentIds": ids})
                    .to_string()
                    .into_bytes()),
            (
                0i64..70000,
                0i64..6000,
                proptest::collection::vec(90i64..60010, 0..30)
            )
                .prop_map(|(c, v, ids)| json!({"ccId": c, "vdn": v, "agentIds": ids})
                    .to_string()
                    .into_bytes()),
            "[\\[\\]{}:,\"0-9a-zA-Z.eE+-]{0,80}".prop_map(String::into_bytes),
        ]
    }

    fn header() -> impl Strategy<Value = (String, Vec<u8>)> {
        (
            prop_oneof![
                Just("content-type".to_owned()),
                Just("authorization".to_owned()),
                Just("content-length".to_owned()),
                Just("transfer-encoding".to_owned()),
                "[a-z][a-z0-9-]{0,15}",
            ],
            proptest::collection::vec(any::<u8>(), 0..60),
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]
        #[test]
        fn any_request_gets_a_well_formed_answer(
            method in prop_oneof![
                Just("POST".to_owned()), Just("GET".to_owned()), Just("HEAD".to_owned()), "[A-Z]{1,10}"
            ],
            on_path in any::<bool>(),
            signed in any::<bool>(),
            headers in proptest::collection::vec(header(), 0..5),
            body in body(),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let mut req = Req::post("");
            req.body = body;
            if !on_path {
                req.path = "/x".into();
            }
            let mut builder = Request::builder().method(method.as_str()).uri(&req.path);
            if signed {
                req.method = "POST";
                for (n, v) in req.headers() {
                    builder = builder.header(n, v);
                }
            }
            for (name, value) in &headers {
                if let Ok(value) = axum::http::HeaderValue::from_bytes(value) {
                    if name != FAULT_HEADER {
                        builder = builder.header(name.as_str(), value);
                    }
                }
            }
            let Ok(request) = builder.body(Body::from(req.body.clone())) else {
                return Ok(());
            };
            let answer = runtime.block_on(send_to(mock::router(config()).unwrap(), request));
            prop_assert!(answer.status.as_u16() < 500, "{}", answer.status);
            if method != "HEAD" {
                let value: Value = serde_json::from_slice(&answer.body).expect("JSON answer");
                prop_assert!(mock::has_unique_members(&answer.body));
                let code = value.get("resultCode").and_then(Value::as_str);
                if code == Some("0100000") {
                    prop_assert!(contract().is_valid(SchemaKind::Success, &value));
                } else if code.is_some() {
                    prop_assert!(contract().is_valid(SchemaKind::Failure, &value));
                } else {
                    prop_assert_eq!(value["status"].as_u64(), Some(u64::from(answer.status.as_u16())));
                }
            }
        }
    }
}

/// The single-exchange mutations, each with the request that shows it and what a conformant
/// server would have done: the project's checks must flag every one.
#[tokio::test]
async fn the_checks_catch_every_single_exchange_mutation() {
    let limits = contract().profile().limits.clone();
    let cc = |v: i64| json!({"ccId": v, "vdn": 1, "agentIds": [1031]}).to_string();
    let vdn = |v: i64| json!({"ccId": 1, "vdn": v, "agentIds": [1031]}).to_string();
    let id = |v: i64| json!({"ccId": 1, "vdn": 1, "agentIds": [v, 1031]}).to_string();
    let count = |n: usize| json!({"ccId": 1, "vdn": 1, "agentIds": vec![1031; n]}).to_string();
    let (id_min, id_max) = (
        limits.agent_ids.ranges.iter().map(|r| r.min).min().unwrap(),
        limits.agent_ids.ranges.iter().map(|r| r.max).max().unwrap(),
    );
    let mut missed = Vec::new();
    for def in mock::mutations() {
        let name = def.name;
        let (mut req, expect) = match name {
            "accept-invalid" | "server-error-on-rejection" | "rejection-with-data" => {
                (Req::post(&cc(0)), Outcome::Rejected)
            }
            "success-for-get" | "wrong-allow" | "missing-allow" => {
                let mut req = Req::post(SEED_BODY);
                req.method = "GET";
                (req, Outcome::NotAllowedMethod)
            }
            "auth-ignored" => {
                let mut req = Req::post(SEED_BODY);
                req.authorization = Some(None);
                (req, Outcome::Unauthenticated)
            }
            "ccid-accepts-above-max" => (Req::post(&cc(limits.cc_id.max + 1)), Outcome::Rejected),
            "ccid-rejects-max" => (Req::post(&cc(limits.cc_id.max)), Outcome::Accepted),
            "ccid-accepts-below-min" => (Req::post(&cc(limits.cc_id.min - 1)), Outcome::Rejected),
            "ccid-rejects-min" => (Req::post(&cc(limits.cc_id.min)), Outcome::Accepted),
            "vdn-accepts-above-max" => (Req::post(&vdn(limits.vdn.max + 1)), Outcome::Rejected),
            "vdn-rejects-max" => (Req::post(&vdn(limits.vdn.max)), Outcome::Accepted),
            "vdn-accepts-below-min" => (Req::post(&vdn(limits.vdn.min - 1)), Outcome::Rejected),
            "vdn-rejects-min" => (Req::post(&vdn(limits.vdn.min)), Outcome::Accepted),
            "agentids-accepts-above-max-items" => (
                Req::post(&count(limits.agent_ids.max_items + 1)),
                Outcome::Rejected,
            ),
            "agentids-rejects-max-items" => (
                Req::post(&count(limits.agent_ids.max_items)),
                Outcome::Accepted,
            ),
            "agentid-accepts-above-max" => (Req::post(&id(id_max + 1)), Outcome::Rejected),
            "agentid-rejects-max" => (Req::post(&id(id_max)), Outcome::Accepted),
            "agentid-accepts-below-min" => (Req::post(&id(id_min - 1)), Outcome::Rejected),
            "agentid-rejects-min" => (Req::post(&id(id_min)), Outcome::Accepted),
            // Multi-exchange mutations: the consistency checks' business.
            "batch-dependent"
            | "order-dependent"
            | "truncate-above"
            | "intermittent-missing"
            | "unstable-state"
            | "shrinking-duration" => continue,
            _ => (Req::post(SEED_BODY), Outcome::Accepted),
        };
        req = req.fault(name);
        let answer = send(config(), &req).await;
        if judge(&req, &answer, expect).is_empty() {
            missed.push(name);
        }
        // The same request without the mutation is conformant.
        req.fault = None;
        let clean = send(config(), &req).await;
        let violations = judge(&req, &clean, expect);
        assert!(violations.is_empty(), "{name} (clean): {violations:?}");
    }
    assert!(
        missed.is_empty(),
        "mutations the checks did not catch: {missed:?}"
    );
}

#[test]
fn the_command_lists_faults_and_refuses_unknown_ones() {
    let listing = assert_cmd::cargo::cargo_bin_cmd!("cmsconform")
        .args(["mock", "--list-faults"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&listing.get_output().stdout).into_owned();
    for def in mock::mutations() {
        assert!(
            text.contains(def.name) && text.contains(def.clause),
            "{}",
            def.name
        );
    }
    assert!(
        text.contains("415"),
        "the Content-Type decision is documented"
    );
    assert_cmd::cargo::cargo_bin_cmd!("cmsconform")
        .args(["mock", "--listen", "127.0.0.1:0", "--fault", "nonsense"])
        .assert()
        .code(2);
    assert_cmd::cargo::cargo_bin_cmd!("cmsconform")
        .args(["mock", "--listen", "127.0.0.1:0", "--lockout", "five"])
        .assert()
        .code(2);
}
