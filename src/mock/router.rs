//! The vendor's behaviour, request by request: path, method, IP lock-out, body cap and read
//! deadline, auth-v2, Content-Type, JSON, validation, and the fleet's answer, each refusal in the
//! shape CONTRACT-NOTES gives it; then the request's fault plan decides how the answer is sent.
//! Owns the order of these steps and the answer bodies; validation, the fleet, mutations and
//! transport faults live in their own modules.
//!
//! Order (as a Spring service behind an auth filter would answer): unknown path → 404; method
//! other than POST → 405 + `Allow: POST`; locked IP → 403; body over the cap → 413 (read
//! deadline → 408); bad signature → 401; Content-Type not JSON → 415; not JSON → 400; invalid →
//! HTTP 200 `0100002`; else the success. Every refusal but the `0100002` uses Spring's
//! `{"timestamp","status","error","message","path"}` body.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use super::faults::{self, ConnControl, Plan};
use super::fleet::{AgentRecord, Fleet};
use super::fragments::{self, Asked, Fragments};
use super::mutations::Mutation;
use super::rewrite::{RecordContext, rewrite_records, rewrite_success_body};
use super::validate::{FastCheck, Refusal, ValidRequest, extract, validate};
use super::write::{SuccessShape, write_agent, write_success, write_success_with};
use super::{FAULT_HEADER, MockConfig};
use crate::auth::{self, VerifyInput};
use crate::contract::Contract;

/// The client's address, set by the mock's accept loop (absent in in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct PeerAddr(pub SocketAddr);

/// Everything a request handler reads, built once per router.
pub struct Shared {
    contract: Contract,
    config: MockConfig,
    fleet: Fleet,
    fragments: Fragments,
    fast_check: Option<FastCheck>,
    global: Plan,
    counter: AtomicU64,
    lockout: Option<Lockout>,
}

/// Per-IP authentication failures within a window (CONTRACT-NOTES 3: 403 when locked).
struct Lockout {
    max_failures: u32,
    window: Duration,
    failures: std::sync::Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// How many client IPs the lock-out table remembers before it forgets expired ones.
const LOCKOUT_TABLE_SIZE: usize = 10_000;

impl Lockout {
    fn is_locked(&self, ip: IpAddr) -> bool {
        let table = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        table.get(&ip).is_some_and(|(since, count)| {
            since.elapsed() < self.window && *count >= self.max_failures
        })
    }

    fn record_failure(&self, ip: IpAddr) {
        let mut table = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if table.len() >= LOCKOUT_TABLE_SIZE {
            let window = self.window;
            table.retain(|_, (since, _)| since.elapsed() < window);
            if table.len() >= LOCKOUT_TABLE_SIZE {
                table.clear();
            }
        }
        let entry = table.entry(ip).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

impl Shared {
    pub fn new(config: MockConfig) -> Result<Shared, String> {
        let mut global = Plan::default();
        for spec in &config.faults {
            global.add_specs(spec)?;
        }
        let lockout = config.lockout.map(|(max_failures, window)| Lockout {
            max_failures: max_failures.max(1),
            window,
            failures: std::sync::Mutex::new(HashMap::new()),
        });
        Ok(Shared {
            contract: config.contract.clone(),
            fleet: Fleet::new(config.contract.profile(), config.seed)
                .with_clock_offset(config.clock_offset_ms)
                .with_only(config.fleet.clone()),
            fragments: Fragments::default(),
            fast_check: FastCheck::new(&config.contract),
            config,
            global,
            counter: AtomicU64::new(0),
            lockout,
        })
    }
}

/// The whole mock as one axum handler (every path and method ends here).
pub async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let counter = shared.counter.fetch_add(1, Ordering::Relaxed);
    let conn = req.extensions().get::<Arc<ConnControl>>().cloned();
    let path = req.uri().path().to_owned();
    let mut plan = shared.global.clone();
    let extra = req.headers().get(FAULT_HEADER).map(|v| v.to_str());
    let plan_error = match extra {
        Some(Ok(specs)) => plan.add_specs(specs).err(),
        Some(Err(_)) => Some(format!("{FAULT_HEADER} is not ASCII")),
        None => None,
    };
    let answer = match plan_error {
        Some(message) => spring(StatusCode::BAD_REQUEST, &message, &path, &Plan::default()),
        None => answer(&shared, &plan, counter, req).await,
    };
    faults::deliver(answer, &plan, counter, shared.config.seed, conn).await
}

fn content_type(plan: &Plan) -> HeaderValue {
    if plan.has(Mutation::WrongContentType) {
        HeaderValue::from_static("text/plain;charset=UTF-8")
    } else {
        HeaderValue::from_static("application/json;charset=UTF-8")
    }
}

fn json(status: StatusCode, body: Vec<u8>, plan: &Plan) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type(plan));
    response
}

/// Spring Boot's default error body.
fn spring(status: StatusCode, message: &str, path: &str, plan: &Plan) -> Response<Bytes> {
    let now = crate::clock::now_ms();
    let stamp = auth::format_timestamp(now.div_euclid(1000));
    let timestamp = format!(
        "{}.{:03}+00:00",
        stamp.trim_end_matches('Z'),
        now.rem_euclid(1000)
    );
    let path: String = path.chars().take(512).collect();
    let body = serde_json::json!({
        "timestamp": timestamp,
        "status": status.as_u16(),
        "error": status.canonical_reason().unwrap_or("Error"),
        "message": message,
        "path": path,
    });
    json(status, body.to_string().into_bytes(), plan)
}

async fn answer(shared: &Shared, plan: &Plan, counter: u64, req: Request) -> Response<Bytes> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();
    let profile = shared.contract.profile();
    if path != profile.path {
        return spring(StatusCode::NOT_FOUND, "No message available", &path, plan);
    }
    let is_post = parts.method == Method::POST;
    if !is_post && !plan.has(Mutation::SuccessForGet) {
        let message = format!("Request method '{}' is not supported", parts.method);
        let mut refusal = spring(StatusCode::METHOD_NOT_ALLOWED, &message, &path, plan);
        let allow = if plan.has(Mutation::WrongAllow) {
            "GET, HEAD"
        } else {
            "POST"
        };
        if !plan.has(Mutation::MissingAllow) {
            refusal
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        return refusal;
    }
    let ip = parts
        .extensions
        .get::<PeerAddr>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0.ip());
    if let Some(lockout) = &shared.lockout {
        if lockout.is_locked(ip) {
            let message = "Too many authentication failures; this address is locked";
            return spring(StatusCode::FORBIDDEN, message, &path, plan);
        }
    }

    let body = match read_body(shared, &parts.headers, body).await {
        Ok(bytes) => bytes,
        Err((status, message)) => return spring(status, message, &path, plan),
    };

    if !plan.has(Mutation::AuthIgnored) {
        let headers = &parts.headers;
        let lookup = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let now = shared.fleet.now_ms().div_euclid(1000);
        let input = VerifyInput {
            method: parts.method.as_str(),
            path: &path,
            query: parts.uri.query(),
            header: &lookup,
            body: &body,
            now_epoch_secs: now,
            max_skew_secs: shared.config.clock_skew.as_secs() as i64,
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or(""));
        if let Err(error) = auth::verify(given, &shared.config.creds, &input) {
            if let Some(lockout) = &shared.lockout {
                lockout.record_failure(ip);
            }
            let message = format!("Unauthorized: {error}");
            return spring(StatusCode::UNAUTHORIZED, &message, &path, plan);
        }
    }

    if is_post && !is_json_media_type(parts.headers.get(header::CONTENT_TYPE)) {
        let given = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream");
        let given: String = given.chars().take(128).collect();
        let message = format!("Content type '{given}' not supported");
        return spring(StatusCode::UNSUPPORTED_MEDIA_TYPE, &message, &path, plan);
    }

    let fast = plan.mutations.is_empty() && is_post;
    if let Some(request) = shared
        .fast_check
        .as_ref()
        .filter(|_| fast)
        .and_then(|c| c.accept(&body))
    {
        return success(shared, plan, counter, &request);
    }
    match validate(&shared.contract, &body, &plan.mutations) {
        Ok(request) => success(shared, plan, counter, &request),
        Err(_) if !is_post => success(shared, plan, counter, &empty_request()),
        Err(Refusal::NotJson(message)) => {
            let mut refusal = spring(StatusCode::BAD_REQUEST, &message, &path, plan);
            if plan.has(Mutation::ServerErrorOnRejection) {
                *refusal.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            }
            refusal
        }
        Err(Refusal::Invalid(value)) => {
            if plan.has(Mutation::AcceptInvalid) {
                let request = extract(&value).unwrap_or_else(empty_request);
                return success(shared, plan, counter, &request);
            }
            invalid_parameter(shared, plan)
        }
    }
}

fn empty_request() -> ValidRequest {
    ValidRequest {
        cc_id: 1,
        vdn: 1,
        agent_ids: Vec::new(),
    }
}

/// `application/json` or any `application/*+json`, whatever the parameters.
fn is_json_media_type(value: Option<&HeaderValue>) -> bool {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let media = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// Reads the body under the size cap and the read deadline, never buffering past the cap.
async fn read_body(
    shared: &Shared,
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Bytes, (StatusCode, &'static str)> {
    let cap = shared.config.max_body;
    let too_large = (
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request body exceeds the size limit",
    );
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > cap as u64) {
        return Err(too_large);
    }
    let reading = Limited::new(body, cap).collect();
    match tokio::time::timeout(shared.config.body_read_timeout, reading).await {
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            "Request body not received in time",
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large),
        Ok(Err(_)) => Err((StatusCode::BAD_REQUEST, "Request body could not be read")),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

fn invalid_parameter(shared: &Shared, plan: &Plan) -> Response<Bytes> {
    let codes = &shared.contract.profile().result_codes;
    let mut body = Vec::with_capacity(512);
    body.extend_from_slice(b"{\"resultCode\":\"");
    body.extend_from_slice(codes.invalid_parameter.as_bytes());
    body.extend_from_slice(b"\",\"resultDesc\":\"Invalid parameter\"");
    if plan.has(Mutation::RejectionWithData) {
        let elapsed = shared.fleet.elapsed_secs();
        let any: Option<AgentRecord> =
            (101..1101).find_map(|id| shared.fleet.record(1, 1, id, elapsed));
        body.extend_from_slice(b",\"resultDatas\":[");
        if let Some(agent) = any {
            write_agent(&mut body, &agent);
        }
        body.push(b']');
    }
    body.push(b'}');
    let status = if plan.has(Mutation::ServerErrorOnRejection) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    json(status, body, plan)
}

fn success(shared: &Shared, plan: &Plan, counter: u64, request: &ValidRequest) -> Response<Bytes> {
    let profile = shared.contract.profile();
    if plan.mutations.is_empty() && fragments::suits(&request.agent_ids) {
        // The common, clean answer: cached agent text, written once and copied.
        let codes = &profile.result_codes;
        let shape = SuccessShape {
            result: Some(&codes.result_success),
            result_code: &codes.success,
            with_datas: true,
        };
        let asked = Asked {
            cc: request.cc_id,
            vdn: request.vdn,
            ids: &request.agent_ids,
            elapsed: shared.fleet.elapsed_secs(),
        };
        let body = write_success_with(shape, request.agent_ids.len(), |out| {
            shared.fragments.write_agents(&shared.fleet, asked, out)
        });
        return json(StatusCode::OK, body, plan);
    }
    let mut records = shared
        .fleet
        .answer(request.cc_id, request.vdn, &request.agent_ids);
    if !plan.mutations.is_empty() {
        let mut seen = std::collections::HashSet::new();
        let asked: Vec<i64> = request
            .agent_ids
            .iter()
            .copied()
            .filter(|id| seen.insert(*id))
            .collect();
        let ctx = RecordContext {
            fleet: &shared.fleet,
            profile,
            asked: &asked,
            counter,
        };
        records = rewrite_records(&plan.mutations, records, &ctx);
    }
    let codes = &profile.result_codes;
    let shape = SuccessShape {
        result: if plan.has(Mutation::MissingResult) {
            None
        } else if plan.has(Mutation::ResultNotZero) {
            Some("1")
        } else {
            Some(&codes.result_success)
        },
        result_code: &codes.success,
        with_datas: !plan.has(Mutation::MissingResultDatas),
    };
    let mut body = write_success(&records, shape);
    if !plan.mutations.is_empty() {
        body = rewrite_success_body(&plan.mutations, body);
    }
    json(StatusCode::OK, body, plan)
}
