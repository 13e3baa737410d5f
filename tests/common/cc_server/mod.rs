//! An independent, realistic CC-CMS server for the integration tests (issue 23): written from
//! shared/CONTRACT-NOTES.md (sections 1, 3, 4, 5, 6) and the vendor page, sharing no code with
//! the crate under test. It verifies auth-v2 signatures with its own code ([`auth`]), reads
//! bodies with serde_json and a visitor of its own ([`body`]), and speaks HTTP/1.1 over a raw
//! tokio socket ([`http`]) so that connection-level behaviour is fully in its hands. It must
//! never use `cmsconform::auth`, `cmsconform::mock` or the crate's JSON reader: a test server
//! that shares the harness's code shares its mistakes.
//!
//! ```ignore
//! let runtime = common::runtime();
//! let server = cc_server::start(&runtime, ServerConfig::default());
//! // cmsconform run --target {server.url()} with CMSCONFORM_AK/SK = the config's ak/sk
//! // (tests/common/binary.rs `signed()` sets exactly those), then:
//! assert_eq!(server.stats.counts().answered_403, 0);
//! ```
//!
//! **The default server is conformant** (a default `cmsconform run --target` against it exits
//! 0; tests/independent_server.rs holds it to that):
//! - `POST {path_prefix}/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids`; any
//!   other path 404 (before authentication).
//! - auth-v2 per notes:3 with AK `cmsconform-ak`, SK `cmsconform-local-sk` (the crate's local
//!   defaults) and a 15-minute skew window; a missing or wrong `Authorization` is 401. The body
//!   is signed as UTF-8 text read lossily, as the Java demo reads it.
//! - Then (with `auth_before_method`, the default) a method other than POST is 405 with
//!   `Allow: POST`; a Content-Type other than `application/json` (missing too) is 415; a body
//!   that is not JSON is 400, both Spring-style `{"timestamp","status","error","message","path"}`.
//! - A JSON body that breaks section 1 (types, ranges, at most 6000 IDs, all three members, a
//!   duplicated member name anywhere, `2.0` for an integer) is HTTP 200
//!   `{"result":"1","resultCode":"0100002","resultDesc":"Invalid parameter"}`; unknown extra
//!   members are accepted (`limits.reject_unknown_members` refuses them).
//! - An in-range ccId/vdn that no [`Centre`] hosts is HTTP 200 resultCode 0100001 (notes:6.15).
//! - A success lists each asked agent the centre has, once, in asking order, in `resultDatas`
//!   and `resultDesc` alike, with the ten fields. Records derive from (ccId, agent ID) alone:
//!   about one agent in four is signed out (state 0, `logonTime` 4294967295000, reason 258);
//!   a signed-in agent logged on 10 min to 10 h before the server started; `currentStateTime`
//!   grows with real time. Empty `agentIds` is an empty success.
//! - HTTP/1.1 keep-alive (closed on `Connection: close` or HTTP/1.0 without keep-alive);
//!   request bodies by Content-Length or chunked; heads capped at 64 KiB (431), bodies at
//!   `max_request_body` (1 MiB, 413). Client input never panics the server.
//!
//! **Scenario knobs** ([`ServerConfig`], all off by default): `empty_body`, `lockout_after`,
//! `refuse_signature_when`, `credentials_expire_after`, `idle_close`, `close_every`,
//! `drop_unread_after`, `body_defect`, `endless_after_first`, `answer_at_most`, and per centre
//! `breaks_agent_rule`. **Counters**:
//! [`Stats`] (`server.stats.counts()`, `seen()`, `pairs()`).
//!
//! The order of the checks, first match answers: lock-out 403; endless stream (once the first
//! success went out); path 404; [method 405 when not `auth_before_method`]; expired credentials
//! 401; signature 401; method 405; `refuse_signature_when` 401; Content-Type 415; JSON 400;
//! validation 0100002; hosting 0100001; success.

pub mod agents;
pub mod auth;
pub mod body;
pub mod client;
mod config;
pub mod http;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

// Re-exported for the tests that build configurations; a test crate may use only some.
#[allow(unused_imports)]
pub use agents::BodyDefect;
#[allow(unused_imports)]
pub use auth::EmptyBody;
#[allow(unused_imports)]
pub use body::Limits;
#[allow(unused_imports)]
pub use config::{
    BodyPredicate, Centre, Counts, PATH, Seen, ServerConfig, Stats, asks_for_agent, body_contains,
};

use agents::Clock;
use auth::{SignedRequest, Verifier};
use body::Rejection;
use config::bump;
use http::{Answer, ReadError, Reader, Request};

/// A server serving on 127.0.0.1 until its runtime is dropped.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    path_prefix: String,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT`, the `--target` of a run.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The path requests go to, prefix included.
    pub fn path(&self) -> String {
        format!("{}{PATH}", self.path_prefix)
    }
}

/// Starts a server with `config` on `runtime` (multi-threaded, so it serves after `block_on`).
pub fn start(runtime: &Runtime, config: ServerConfig) -> RunningServer {
    runtime.block_on(spawn(config))
}

/// Starts a server with `config` on the current runtime.
pub async fn spawn(config: ServerConfig) -> RunningServer {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("cc_server bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("cc_server addr: {e}"));
    let stats = Arc::new(Stats::default());
    let hosted = config
        .centres
        .iter()
        .map(|c| (c.clone(), c.agents.iter().copied().collect()))
        .collect();
    let path_prefix = config.path_prefix.clone();
    let shared = Arc::new(Shared {
        config,
        hosted,
        clock: Clock::start(),
        stats: Arc::clone(&stats),
        first_success_sent: AtomicBool::new(false),
    });
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_connection(Arc::clone(&shared), stream));
        }
    });
    RunningServer {
        addr,
        stats,
        path_prefix,
    }
}

/// The `Authorization` a client with `config`'s keys sends for `method target` with `body`,
/// signing `host` = `host` under the current time (for tests that write requests by hand).
pub fn authorization(
    config: &ServerConfig,
    method: &str,
    target: &str,
    host: &str,
    body: &[u8],
) -> String {
    let headers = [("host".to_owned(), host.to_owned())];
    let request = SignedRequest {
        method,
        target,
        headers: &headers,
        body,
    };
    let timestamp = auth::format_timestamp(SystemTime::now());
    auth::authorization(
        &request,
        &config.ak,
        &config.sk,
        &timestamp,
        "host",
        config.empty_body,
    )
    .unwrap_or_else(|e| panic!("signing: {e:?}"))
}

struct Shared {
    config: ServerConfig,
    hosted: Vec<(Centre, HashSet<i64>)>,
    clock: Clock,
    stats: Arc<Stats>,
    first_success_sent: AtomicBool,
}

/// What the server does with one request.
enum Reply {
    Answer(Answer, Seen),
    /// A 200 whose body never ends.
    Endless,
}

async fn serve_connection(shared: Arc<Shared>, stream: TcpStream) {
    bump(&shared.stats.connections);
    let config = &shared.config;
    let mut reader = Reader::new(stream, config.max_request_body);
    let mut answered = 0usize;
    loop {
        let request = match reader.next(config.idle_close).await {
            Ok(request) => request,
            Err(ReadError::Idle) => {
                bump(&shared.stats.idle_closes);
                return;
            }
            Err(error) => {
                if let Some((status, reason)) = error.answer() {
                    let body = agents::spring_error(status, reason, &format!("{error:?}"), "");
                    let answer = Answer::json(status, reason, body);
                    let _ = reader.stream.write_all(&answer.to_bytes(true, false)).await;
                }
                return;
            }
        };
        if config
            .drop_unread_after
            .is_some_and(|n| n > 0 && answered > 0 && answered % n == 0)
        {
            bump(&shared.stats.dropped_unread);
            return;
        }
        bump(&shared.stats.requests);
        match handle(&shared, &request) {
            Reply::Endless => {
                bump(&shared.stats.endless_streams);
                shared.stats.record(seen(&request, 200));
                let unit = agents::record(1, 1031, false, &shared.clock) + ",";
                let opening = b"{\"result\":\"0\",\"resultCode\":\"0100000\",\"resultDatas\":[";
                http::stream_without_end(&mut reader.stream, opening, unit.as_bytes()).await;
                return;
            }
            Reply::Answer(mut answer, seen) => {
                shared.stats.record(seen);
                if let (Some(defect), true) = (config.body_defect, answer.is_json()) {
                    answer.body = agents::with_defect(defect, std::mem::take(&mut answer.body));
                }
                let close = !request.keep_alive();
                let bytes = answer.to_bytes(close, request.method == "HEAD");
                if reader.stream.write_all(&bytes).await.is_err() || close {
                    return;
                }
                answered += 1;
                if config
                    .close_every
                    .is_some_and(|n| n > 0 && answered % n == 0)
                {
                    bump(&shared.stats.every_n_closes);
                    return;
                }
            }
        }
    }
}

fn seen(request: &Request, status: u16) -> Seen {
    Seen {
        method: request.method.clone(),
        path: request.path().to_owned(),
        status,
        pair: None,
        result_code: None,
        agents: 0,
    }
}

fn spring_answer(request: &Request, status: u16, reason: &'static str, message: &str) -> Answer {
    let body = agents::spring_error(status, reason, message, request.path());
    Answer::json(status, reason, body)
}

fn spring(request: &Request, status: u16, reason: &'static str, message: &str) -> Reply {
    let answer = spring_answer(request, status, reason, message);
    Reply::Answer(answer, seen(request, status))
}

fn unauthorized(shared: &Shared, request: &Request, why: &str) -> Reply {
    bump(&shared.stats.answered_401);
    spring(request, 401, "Unauthorized", why)
}

fn business(request: &Request, code: &'static str, desc: &str, pair: Option<(i64, i64)>) -> Reply {
    let mut seen = seen(request, 200);
    seen.result_code = Some(code);
    seen.pair = pair;
    let body = agents::business_failure(code, desc);
    Reply::Answer(Answer::json(200, "OK", body), seen)
}

fn handle(shared: &Shared, request: &Request) -> Reply {
    let config = &shared.config;
    let stats = &shared.stats;
    let failures = stats.answered_401.load(Ordering::SeqCst);
    if config.lockout_after.is_some_and(|n| failures >= n) {
        bump(&stats.answered_403);
        return spring(request, 403, "Forbidden", "the client IP is locked");
    }
    if config.endless_after_first && shared.first_success_sent.load(Ordering::SeqCst) {
        return Reply::Endless;
    }
    if request.path() != format!("{}{PATH}", config.path_prefix) {
        return spring(request, 404, "Not Found", "No message available");
    }
    let not_post = request.method != "POST";
    if not_post && !config.auth_before_method {
        return method_not_allowed(request);
    }
    let number = stats.requests.load(Ordering::SeqCst);
    if config.credentials_expire_after.is_some_and(|n| number > n) {
        bump(&stats.expired);
        return unauthorized(shared, request, "the credentials expired");
    }
    let verifier = Verifier {
        ak: &config.ak,
        sk: &config.sk,
        skew: config.skew,
        empty_body: config.empty_body,
    };
    let signed = SignedRequest {
        method: &request.method,
        target: &request.target,
        headers: &request.headers,
        body: &request.body,
    };
    if let Err(failure) = verifier.verify(&signed, SystemTime::now()) {
        bump(&stats.bad_signatures);
        return unauthorized(shared, request, &format!("{failure:?}"));
    }
    if not_post {
        return method_not_allowed(request);
    }
    if config
        .refuse_signature_when
        .as_ref()
        .is_some_and(|refuse| refuse(&request.body))
    {
        bump(&stats.refused_by_knob);
        return unauthorized(shared, request, "BadSignature");
    }
    let content_type = request.header("content-type").unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        let message = format!("Content type '{content_type}' not supported");
        return spring(request, 415, "Unsupported Media Type", &message);
    }
    let query = match body::read_query(&request.body, &config.limits) {
        Ok(query) => query,
        Err(Rejection::Malformed(why)) => {
            return spring(
                request,
                400,
                "Bad Request",
                &format!("JSON parse error: {why}"),
            );
        }
        Err(Rejection::Invalid(_)) => {
            return business(request, "0100002", "Invalid parameter", None);
        }
    };
    let pair = Some((query.cc_id, query.vdn));
    let Some((centre, agents)) = shared
        .hosted
        .iter()
        .find(|(c, _)| c.cc_id == query.cc_id && c.vdns.contains(&query.vdn))
    else {
        return business(
            request,
            "0100001",
            "call failed: no such call center or vdn",
            pair,
        );
    };
    let mut answered = HashSet::new();
    let records: Vec<String> = query
        .agent_ids
        .iter()
        .filter(|id| agents.contains(id) && answered.insert(**id))
        .take(config.answer_at_most.unwrap_or(usize::MAX))
        .map(|&id| agents::record(centre.cc_id, id, centre.breaks_agent_rule, &shared.clock))
        .collect();
    bump(&stats.successes);
    shared.first_success_sent.store(true, Ordering::SeqCst);
    let mut seen = seen(request, 200);
    seen.pair = pair;
    seen.result_code = Some("0100000");
    seen.agents = records.len();
    Reply::Answer(Answer::json(200, "OK", agents::success(&records)), seen)
}

fn method_not_allowed(request: &Request) -> Reply {
    let message = format!("Request method '{}' is not supported", request.method);
    let mut answer = spring_answer(request, 405, "Method Not Allowed", &message);
    answer.headers.push(("Allow", "POST".to_owned()));
    Reply::Answer(answer, seen(request, 405))
}
