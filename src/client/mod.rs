//! The HTTP client: reqwest with rustls, auth-v2 signing (shared with the mock's verifier),
//! a whole-request deadline, a streamed response size cap, no redirects, content codings
//! decoded within the cap, a rate limit that slows down on 429, the one retry of a request the
//! server did not process (429, or 503 with `Retry-After`), a circuit breaker over answers
//! that cannot be judged, no reuse of kept-alive connections once one timed out, and the one
//! re-send of a request a server closed a reused connection under (`reused`). Exchanges run on
//! the client's own I/O thread (`io`), and the response bytes held at once are bounded by a
//! budget (`budget`), so neither judging nor `-j` multiplies what a hostile server costs. It turns
//! an [`OutgoingRequest`] into an [`Exchange`] and never panics on what a server does:
//! transport failures become [`TransportFailure`]s whose messages name the problem and the fix.
//!
//! It owns the wire and nothing else: it does not judge answers (`checks`), decide which cases
//! to send or how many auth probes (`runner`), or redact (`report`, `redact`). The exchange keeps
//! the exact bytes sent and received; what this module logs or writes into failure messages
//! never carries the SK or a signature.

mod body;
mod breaker;
mod budget;
mod connections;
mod decode;
mod failure;
mod io;
mod prepare;
mod rate;
pub mod retry;
mod reused;
mod signing;
mod tls;
mod wire;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::auth::Credentials;
use crate::cases::{AuthMode, HeaderEdits};
use crate::exchange::{Exchange, Received, SentRequest, TransportFailure};

use breaker::Breaker;
use budget::Reservation;
use connections::Connections;
use io::IoThread;
use prepare::Target;
use rate::RateGate;
pub use retry::{RateLimitStats, is_retried, rate_refusal_reason};
use wire::{Wire, Wired};

/// The `Content-Type` sent unless a case drops or replaces it: the seed's example request.
pub const DEFAULT_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Which request headers the auth-v2 signature covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignedHeaders {
    /// `host` only, as the vendor's Java demo signs.
    #[default]
    Host,
    /// `content-type;host` (when the request carries a Content-Type; else `host`).
    ContentTypeAndHost,
}

/// How to reach and talk to the target.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://host:port` (a path prefix is kept).
    pub base_url: String,
    pub creds: Credentials,
    /// Deadline for each whole request.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Largest response body read; beyond it the body is cut and `truncated` set.
    pub max_body: usize,
    pub insecure: bool,
    pub cacert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    /// Requests per second, at most.
    pub rate_limit: Option<f64>,
    /// Consecutive answers that could not be judged (transport failures, bodies cut at
    /// `max_body`, what the judge of [`Client::send_judged`] refuses) after which every further
    /// send is refused (0: never).
    pub breaker: u32,
    /// Headers the signature covers.
    pub signed_headers: SignedHeaders,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, creds: Credentials) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            creds,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            max_body: 32 << 20,
            insecure: false,
            cacert: None,
            client_cert: None,
            rate_limit: None,
            breaker: 5,
            signed_headers: SignedHeaders::Host,
        }
    }
}

/// What to send: built by the runner from a case.
#[derive(Debug, Clone, Default)]
pub struct OutgoingRequest {
    pub method: String,
    /// Path and optional query, e.g. `/rest/.../agentstatusinfobyagentids`. It is appended to
    /// the target's path prefix.
    pub path: String,
    pub auth: AuthMode,
    pub header_edits: HeaderEdits,
    pub body: Vec<u8>,
}

/// The client could not be built (exit 2: the configuration is wrong).
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("--target {url:?}: {message}")]
    BadUrl { url: String, message: String },
    #[error("{file}: {message}")]
    Certificate { file: String, message: String },
    #[error("HTTP client: {0}")]
    Build(String),
}

/// Sends requests to one target. Cheap to share: every method takes `&self`, and it is
/// `Send + Sync`, so many tasks may send through one client (they share its connection pool,
/// rate limit, rate-limit counts, circuit breaker, I/O thread and budget of response bytes).
pub struct Client {
    config: ClientConfig,
    /// The connections (kept alive until a request times out, see `connections`), the budget
    /// and the deadline, as every attempt on the I/O thread reads them.
    wire: Arc<Wire>,
    io: IoThread,
    target: Target,
    gate: RateGate,
    breaker: Breaker,
    rate_limits: retry::Counters,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ClientError> {
        let target = Target::parse(&config.base_url)?;
        if config.timeout.is_zero() {
            return Err(ClientError::Build("--timeout must be more than 0".into()));
        }
        let gate = RateGate::new(config.rate_limit)?;
        let connections = Connections::new(&config)?;
        let wire = Arc::new(Wire::new(connections, target.clone(), &config));
        Ok(Client {
            breaker: Breaker::new(config.breaker),
            config,
            wire,
            io: IoThread::start()?,
            target,
            gate,
            rate_limits: retry::Counters::default(),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sends one request and records the exchange: the last attempt's, when a refusal for
    /// rate (429, or 503 with `Retry-After`) made it send again. Never panics.
    ///
    /// Time: each attempt has the whole-request deadline (`--timeout`) to itself. The waits
    /// for the rate limit and before a retry (`Retry-After`, at most [`retry::MAX_WAIT`]) come
    /// between attempts, outside any deadline, so a deadline always measures the server alone.
    /// A send so lasts at most `(1 + MAX_RETRIES) × (timeout + MAX_WAIT)` plus its turns at the
    /// rate limit.
    ///
    /// The circuit breaker counts the exchange by what the client sees of it: a transport
    /// failure, a body cut at `--max-body` or a request still refused for rate after its
    /// retries cannot be judged; any other answer but a probe's refusal for rate resets the
    /// count. [`Client::send_judged`] lets the caller's judge say more.
    pub async fn send(&self, request: &OutgoingRequest) -> Exchange {
        self.send_judged(request, |_| ((), None)).await.0
    }

    /// [`Client::send`], with `judge` reading the final exchange before the circuit breaker
    /// counts it: `judge` returns its result and, when the answer arrived whole but still
    /// cannot be judged (a body that is not JSON at all, say), why. Returns the exchange and
    /// the judge's result.
    pub async fn send_judged<T>(
        &self,
        request: &OutgoingRequest,
        judge: impl FnOnce(&Exchange) -> (T, Option<String>),
    ) -> (Exchange, T) {
        // The answer's part of the budget of response bytes is held until it has been judged.
        let (exchange, _reservation) = self.send_retrying(request).await;
        let (judged, unjudgeable) = judge(&exchange);
        self.breaker.settle(
            &exchange.response,
            unjudgeable.as_deref(),
            retry::is_retried(request),
            (&self.target.authority, self.config.max_body),
        );
        (exchange, judged)
    }

    /// The attempts of one send (see [`Client::send`]), the last one's exchange and the part
    /// of the budget its body holds.
    async fn send_retrying(&self, request: &OutgoingRequest) -> (Exchange, Option<Reservation>) {
        let retried = retry::is_retried(request);
        let mut attempt = 0;
        loop {
            let (exchange, started, reservation) = self.send_once(request).await;
            let Ok(received) = &exchange.response else {
                return (exchange, reservation);
            };
            if !retry::is_rate_refusal(received) {
                return (exchange, reservation);
            }
            drop(reservation);
            self.rate_limits.refused();
            let wait = retry::wait_before_retry(received, SystemTime::now());
            let now = tokio::time::Instant::now();
            // Every request waits out the server's Retry-After, not only this one.
            if received.header("retry-after").is_some() {
                self.gate.hold_until(now + wait);
            }
            if received.status == 429 {
                self.gate.slow_down(started, now);
            }
            if !retried || attempt == retry::MAX_RETRIES {
                return (exchange, None);
            }
            attempt += 1;
            self.rate_limits.retried();
            tracing::info!(
                status = received.status,
                attempt,
                wait_ms = wait.as_millis() as u64,
                "rate-limited: sending again"
            );
            // The gate's hold covers the wait when the answer named one; a 429 without
            // Retry-After waits the default here.
            tokio::time::sleep_until(now + wait).await;
        }
    }

    /// One attempt: prepared afresh (a new timestamp and signature), its turn at the rate
    /// limit, then the deadline-bound exchange on the I/O thread. Returns when the attempt
    /// started too, and the part of the budget its body holds.
    async fn send_once(
        &self,
        request: &OutgoingRequest,
    ) -> (Exchange, tokio::time::Instant, Option<Reservation>) {
        let unsent = |exchange| (exchange, tokio::time::Instant::now(), None);
        let prepared = match prepare::prepare(
            &self.target,
            &self.config,
            request,
            crate::clock::now_secs(),
        ) {
            Ok(prepared) => prepared,
            Err(unsendable) => return unsent(not_sent(unsendable.sent, unsendable.reason)),
        };
        if let Some(reason) = self.breaker.refusal() {
            return unsent(not_sent(prepared.sent, reason));
        }
        self.gate.wait().await;
        // Another task may have opened the breaker while this one waited its turn.
        if let Some(reason) = self.breaker.refusal() {
            return unsent(not_sent(prepared.sent, reason));
        }

        let attempt_started = tokio::time::Instant::now();
        let sent_at_ms = crate::clock::now_ms();
        let started = Instant::now();
        let wire = Arc::clone(&self.wire);
        let own_signature = retry::is_retried(request);
        let outcome = self
            .io
            .run(async move { wire.attempt(prepared.request, own_signature).await })
            .await
            .unwrap_or_else(|| {
                Err(TransportFailure::Protocol(format!(
                    "{}: the client's I/O thread stopped before the answer",
                    self.target.authority
                )))
            });
        let (response, reservation) = match outcome {
            Ok(wired) => self.received(wired).await,
            Err(failure) => (Err(failure), None),
        };
        log_outcome(&prepared.sent, &response, started.elapsed());
        let exchange = Exchange::new(prepared.sent, response, sent_at_ms, crate::clock::now_ms());
        (exchange, attempt_started, reservation)
    }

    /// The answer as the checks see it: its body decoded. A coded body is decoded under a
    /// reservation of the whole cap (its decoded size is unknown until then).
    async fn received(
        &self,
        wired: Wired,
    ) -> (Result<Received, TransportFailure>, Option<Reservation>) {
        let Wired {
            status,
            headers,
            raw,
            raw_truncated,
            mut reservation,
        } = wired;
        let coded = headers
            .iter()
            .any(|(name, value)| name == "content-encoding" && !wire::is_identity(value));
        if coded && reservation.is_none() && !raw.is_empty() {
            reservation = self.wire.budget.reserve(self.config.max_body).await;
        }
        let decoded = self.decoded(&headers, raw, raw_truncated);
        let response = decoded.map(|(body, truncated)| Received {
            status,
            headers,
            body,
            truncated,
        });
        (response, reservation)
    }

    /// The body without its content codings (notes:6.18), cut at the same cap as the raw body.
    /// `Content-Encoding` stays in the headers, so checks and reports see the coding.
    fn decoded(
        &self,
        headers: &[(String, String)],
        raw: Vec<u8>,
        raw_truncated: bool,
    ) -> Result<(Vec<u8>, bool), TransportFailure> {
        let named = headers
            .iter()
            .filter(|(name, _)| name == "content-encoding")
            .map(|(_, value)| value.as_str());
        let protocol = |error: decode::DecodeError| {
            TransportFailure::Protocol(format!("{}: {error}", self.target.authority))
        };
        let codings = decode::codings(named).map_err(protocol)?;
        if codings.is_empty() {
            return Ok((raw, raw_truncated));
        }
        let decoded = decode::decode(&raw, &codings, self.config.max_body, raw_truncated)
            .map_err(protocol)?;
        Ok((decoded.body, decoded.truncated))
    }

    /// What the client met of rate limits so far: refusals (429, or 503 with `Retry-After`),
    /// retries, and the pace a 429 lowered it to.
    pub fn rate_limit_stats(&self) -> RateLimitStats {
        RateLimitStats {
            refusals: self.rate_limits.refusals(),
            retries: self.rate_limits.retries(),
            lowered_pace: self.gate.lowered_pace(),
        }
    }

    /// True once `breaker` consecutive answers could not be judged. It stays open: the target
    /// is unusable for the rest of the run.
    pub fn breaker_open(&self) -> bool {
        self.breaker.is_open()
    }

    /// Why the breaker opened (its refusal message), once it has.
    pub fn breaker_reason(&self) -> Option<String> {
        self.breaker.refusal()
    }

    /// True once a request ran out its whole-request deadline: every request since opens a
    /// fresh connection.
    pub fn fresh_connections(&self) -> bool {
        self.wire.connections.fresh_only()
    }

    /// Requests sent once more, on a fresh connection, after the server closed a reused
    /// kept-alive connection under them before any answer (it never read them).
    pub fn resent_after_close(&self) -> u64 {
        self.wire.resent()
    }
}

impl ClientConfig {
    /// The connect timeout actually applied: never longer than the whole-request deadline, so
    /// a dead host is reported as a connect timeout rather than a generic deadline.
    pub fn effective_connect_timeout(&self) -> Duration {
        self.connect_timeout.min(self.timeout)
    }
}

fn not_sent(sent: SentRequest, reason: String) -> Exchange {
    let now = crate::clock::now_ms();
    Exchange::new(sent, Err(TransportFailure::NotSent(reason)), now, now)
}

/// Method, path, status and sizes only: headers (the signature) and bodies are never logged.
fn log_outcome(sent: &SentRequest, response: &Result<Received, TransportFailure>, took: Duration) {
    match response {
        Ok(received) => tracing::debug!(
            method = %sent.method,
            path = %sent.path,
            status = received.status,
            body_bytes = received.body.len(),
            truncated = received.truncated,
            took_ms = took.as_millis() as u64,
            "answer"
        ),
        Err(failure) => tracing::debug!(
            method = %sent.method,
            path = %sent.path,
            took_ms = took.as_millis() as u64,
            failure = ?failure,
            "no answer"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_shareable_across_tasks() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Client>();
    }

    #[test]
    fn zero_timeout_is_a_configuration_error() {
        let mut config = ClientConfig::new("http://127.0.0.1:1", Credentials::local_default());
        config.timeout = Duration::ZERO;
        let error = Client::new(config).err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("HTTP client: --timeout must be more than 0")
        );
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let config = ClientConfig::new(
            "http://127.0.0.1:1",
            Credentials::new("ak", "sk-visible-canary"),
        );
        let client = Client::new(config).map(|c| format!("{c:?}"));
        let text = client.unwrap_or_default();
        assert!(text.contains("Client") && !text.contains("sk-visible-canary"));
    }
}
