//! Fault injection: parsing fault specs (`--fault` and the `X-Cmsconform-Fault` header) into a
//! [`Plan`], and delivering an answer through the plan's transport faults (latency, status
//! override, reset, empty reply, truncated or malformed body, slow trickle). Owns no vendor
//! behaviour and no contract mutation logic (see `mutations`); it only carries mutations along.
//!
//! Spec syntax: `spec[,spec]...`, each `name` or `name=value`, e.g.
//! `latency=100ms..300ms,status=503` or `truncate-above=50`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

use super::mutations::Mutation;
use crate::splitmix::mix;

/// How the bytes of an answer reach the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// The connection is closed with a TCP reset instead of an answer.
    Reset,
    /// The connection is closed without a byte.
    Empty,
    /// The full Content-Length is announced, half the body sent, then the connection dropped.
    Truncate,
    /// The body is cut in half and no longer JSON (Content-Length matches what is sent).
    Malformed,
    /// The body is sent one byte per interval.
    Trickle(Duration),
}

/// The faults and mutations in force for one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub latency: Option<(Duration, Duration)>,
    pub status: Option<StatusCode>,
    pub transport: Option<Transport>,
    pub mutations: Vec<Mutation>,
}

/// The transport faults, as `--list-faults` prints them: (syntax, description).
pub const FAULTS: &[(&str, &str)] = &[
    ("latency=200ms", "answer after a fixed delay"),
    (
        "latency=100ms..300ms",
        "answer after a delay drawn uniformly (deterministic per request and seed)",
    ),
    (
        "status=503",
        "override the HTTP status (100..599) of whatever the mock would answer",
    ),
    (
        "reset",
        "close the connection with a TCP reset instead of answering",
    ),
    ("empty", "close the connection without sending a byte"),
    (
        "truncate",
        "announce the full Content-Length, send half the body, drop the connection",
    ),
    (
        "malformed",
        "send half the body, no longer JSON, with a matching Content-Length",
    ),
    ("trickle=50ms", "send the body one byte per interval"),
];

fn duration(text: &str, spec: &str) -> Result<Duration, String> {
    crate::units::parse_duration(text).map_err(|e| format!("{spec}: {e}"))
}

impl Plan {
    /// Parses a comma-separated list of specs and adds them to this plan.
    pub fn add_specs(&mut self, specs: &str) -> Result<(), String> {
        for spec in specs.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            self.add_spec(spec)?;
        }
        Ok(())
    }

    fn add_spec(&mut self, spec: &str) -> Result<(), String> {
        let (name, value) = match spec.split_once('=') {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (spec, None),
        };
        let needs = |what: &str| format!("{spec}: {name} needs a value, e.g. {name}={what}");
        match (name, value) {
            ("latency", Some(v)) => {
                let (lo, hi) = match v.split_once("..") {
                    Some((a, b)) => (duration(a, spec)?, duration(b, spec)?),
                    None => (duration(v, spec)?, duration(v, spec)?),
                };
                if lo > hi || hi > Duration::from_secs(600) {
                    return Err(format!("{spec}: want MIN..MAX with MIN <= MAX <= 600s"));
                }
                self.latency = Some((lo, hi));
            }
            ("latency", None) => return Err(needs("200ms")),
            ("status", Some(v)) => {
                let code: u16 = v
                    .parse()
                    .map_err(|_| format!("{spec}: not a status code"))?;
                let status = StatusCode::from_u16(code)
                    .ok()
                    .filter(|_| (100..600).contains(&code))
                    .ok_or_else(|| format!("{spec}: status must be 100..599"))?;
                self.status = Some(status);
            }
            ("status", None) => return Err(needs("503")),
            ("reset", None) => self.transport = Some(Transport::Reset),
            ("empty", None) => self.transport = Some(Transport::Empty),
            ("truncate", None) => self.transport = Some(Transport::Truncate),
            ("malformed", None) => self.transport = Some(Transport::Malformed),
            ("trickle", v) => {
                let interval = duration(v.unwrap_or("10ms"), spec)?;
                if interval > Duration::from_secs(10) {
                    return Err(format!("{spec}: at most 10s per byte"));
                }
                self.transport = Some(Transport::Trickle(interval));
            }
            ("reset" | "empty" | "truncate" | "malformed", Some(_)) => {
                return Err(format!("{spec}: {name} takes no value"));
            }
            _ => match Mutation::parse(name, value) {
                Some(Ok(m)) => {
                    if !self.mutations.contains(&m) {
                        self.mutations.push(m);
                    }
                }
                Some(Err(e)) => return Err(e),
                None => {
                    return Err(format!(
                        "unknown fault or mutation {name:?} (see `cmsconform mock --list-faults`)"
                    ));
                }
            },
        }
        Ok(())
    }

    pub fn has(&self, m: Mutation) -> bool {
        self.mutations.contains(&m)
    }
}

/// A handle on the connection a request came in on, set by the mock's accept loop; transport
/// faults use it to close the connection without (or in the middle of) an answer.
#[derive(Debug, Default)]
pub struct ConnControl {
    reset: AtomicBool,
    killed: tokio::sync::Notify,
}

impl ConnControl {
    pub fn new() -> Arc<ConnControl> {
        Arc::new(ConnControl::default())
    }

    /// Asks the accept loop to drop the connection (with a reset if `reset`).
    pub fn kill(&self, reset: bool) {
        self.reset.store(reset, Ordering::SeqCst);
        self.killed.notify_one();
    }

    /// Resolves once [`ConnControl::kill`] was called.
    pub async fn killed(&self) -> bool {
        self.killed.notified().await;
        self.reset.load(Ordering::SeqCst)
    }
}

/// A response body that yields `prefix`, lets the server flush it, then fails: the server
/// aborts the connection mid-answer.
fn failing_body(prefix: Bytes) -> Body {
    let stream = futures_util::stream::unfold(Some(prefix), |prefix| async move {
        match prefix {
            Some(bytes) if !bytes.is_empty() => Some((Ok(bytes), None)),
            _ => {
                // Pending for a moment makes hyper write out what it buffered.
                tokio::time::sleep(Duration::from_millis(50)).await;
                let cut = std::io::Error::other("cmsconform fault: connection cut");
                Some((Err(cut), None))
            }
        }
    });
    Body::from_stream(stream)
}

fn trickle_body(body: Bytes, interval: Duration) -> Body {
    let stream = futures_util::stream::unfold((body, 0usize), move |(body, at)| async move {
        if at >= body.len() {
            return None;
        }
        if at > 0 {
            tokio::time::sleep(interval).await;
        }
        let chunk = body.slice(at..at + 1);
        Some((Ok::<_, std::io::Error>(chunk), (body, at + 1)))
    });
    Body::from_stream(stream)
}

/// Sends `response` through the plan: waits out the latency, overrides the status and applies
/// the transport fault. `counter` and `seed` make the uniform latency deterministic.
pub async fn deliver(
    mut response: Response<Bytes>,
    plan: &Plan,
    counter: u64,
    seed: u64,
    conn: Option<Arc<ConnControl>>,
) -> Response {
    if let Some((lo, hi)) = plan.latency {
        let span = (hi - lo).as_millis() as u64;
        let extra = if span == 0 {
            0
        } else {
            mix(seed ^ counter) % (span + 1)
        };
        tokio::time::sleep(lo + Duration::from_millis(extra)).await;
    }
    if let Some(status) = plan.status {
        *response.status_mut() = status;
    }
    let (mut parts, body) = response.into_parts();
    let body = match plan.transport {
        None => Body::from(body),
        Some(Transport::Reset | Transport::Empty) => {
            if let Some(conn) = conn {
                conn.kill(plan.transport == Some(Transport::Reset));
                // The accept loop drops this request's future with the connection; the wait
                // only bounds a handler that somehow outlives it.
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            parts.headers.remove(header::CONTENT_LENGTH);
            failing_body(Bytes::new())
        }
        Some(Transport::Truncate) => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            failing_body(body.slice(..body.len() / 2))
        }
        Some(Transport::Malformed) => {
            let mut cut = body.slice(..body.len() / 2).to_vec();
            cut.extend_from_slice(b"\x00\"]}{");
            parts.headers.remove(header::CONTENT_LENGTH);
            Body::from(cut)
        }
        Some(Transport::Trickle(interval)) => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
            trickle_body(body, interval)
        }
    };
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        let mut plan = Plan::default();
        plan.add_specs("latency=100ms..300ms, status=503,trickle=5ms,drop-field")
            .unwrap();
        assert_eq!(
            plan.latency,
            Some((Duration::from_millis(100), Duration::from_millis(300)))
        );
        assert_eq!(plan.status, Some(StatusCode::SERVICE_UNAVAILABLE));
        assert_eq!(
            plan.transport,
            Some(Transport::Trickle(Duration::from_millis(5)))
        );
        assert!(plan.has(Mutation::DropField));
        for bad in [
            "latency",
            "status=99",
            "status=x",
            "reset=1",
            "nope",
            "latency=3s..1s",
        ] {
            assert!(Plan::default().add_specs(bad).is_err(), "{bad}");
        }
    }
}
