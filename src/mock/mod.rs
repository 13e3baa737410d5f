//! The reference mock of CC-CMS: the vendor's behaviour (auth-v2, HTTP 200 rejections, Spring
//! 400s, 405 with Allow), a deterministic agent fleet, and fault injection and contract
//! mutations. It reads the same contract data as the checks and must never contradict them.
//!
//! - [`router`]: the order of the vendor's answers (path, method, lock-out, body cap, auth,
//!   Content-Type, JSON, validation, success) and the bodies of each.
//! - `fleet`: the deterministic agents; `fragments`: their cached JSON text for clean answers;
//!   `validate`: request validation through the contract's request schema (with a typed fast
//!   check for the common shape); `mutations`: the catalogue of contract deviations; `faults`:
//!   fault specs and transport faults; `server`: the accept loop with per-connection protections.
//!
//! Decisions the vendor page leaves open, as the mock settles them (Spring's defaults):
//! - **Content-Type.** A POST whose Content-Type is not `application/json` (or
//!   `application/*+json`), parameters ignored, is refused with HTTP 415 and a Spring body,
//!   after authentication; a missing Content-Type counts as `application/octet-stream` and is
//!   refused the same way.
//! - **Duplicate member names** in a request body are an invalid parameter (HTTP 200,
//!   `0100002`): clients disagree on which value wins, so the mock refuses to guess.
//! - Empty `agentIds` is a success with empty arrays; integral floats (`1031.0`) count as
//!   integers, as JSON Schema does; a body that is not JSON (including an empty one, invalid
//!   UTF-8, over-deep nesting, `1e400`) is a Spring 400.
//! - Slow clients: 408 when the body is not received within the read deadline; connections
//!   that do not send a request head in time are closed.

mod faults;
mod fleet;
mod fragments;
mod mutations;
mod rewrite;
mod router;
mod server;
mod validate;
mod write;

pub use faults::{FAULTS, Plan, Transport};
pub use fleet::{AgentRecord, Fleet};
pub use mutations::Mutation;
pub use validate::has_unique_members;
pub use write::{SuccessShape, write_success};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::Credentials;
use crate::contract::Contract;
use crate::error::{Error, Result};

/// Header carrying per-request faults and mutations (comma-separated specs).
pub const FAULT_HEADER: &str = "x-cmsconform-fault";

/// Everything the mock needs to serve.
#[derive(Debug, Clone)]
pub struct MockConfig {
    pub contract: Contract,
    pub creds: Credentials,
    /// Accepted distance between a signature's timestamp and the mock's clock.
    pub clock_skew: Duration,
    /// Seed of the agent fleet.
    pub seed: u64,
    /// Global fault/mutation specs, applied to every request (see `--list-faults`).
    pub faults: Vec<String>,
    /// 403 after `max_failures` authentication failures per `window`, per client IP.
    pub lockout: Option<(u32, Duration)>,
    /// 413 beyond this many body bytes.
    pub max_body: usize,
    /// 408 when the whole body has not arrived within this time.
    pub body_read_timeout: Duration,
    /// A connection that does not deliver a request head within this time is closed.
    pub header_read_timeout: Duration,
    /// Connections served at once; further clients wait in the accept backlog.
    pub max_connections: usize,
    /// A connection is closed after this long, whatever it is doing.
    pub connection_lifetime: Duration,
    /// How far this mock's clock is ahead of the host's, ms (negative: behind): two mocks
    /// with different offsets are two nodes of a load-balanced deployment (notes:6.16).
    pub clock_offset_ms: i64,
    /// `--fleet`: when not empty, agents exist only at these IDs (every one of them, at every
    /// call centre), a sparse centre; empty: about nine IDs in ten exist everywhere.
    pub fleet: Vec<crate::contract::Range>,
}

impl MockConfig {
    /// The defaults: local credentials, 15 minutes of skew, seed 0, no faults, the profile's
    /// body cap (1 MiB), 10 s to send a head or a body, 256 connections living at most 5 min.
    pub fn new(contract: Contract) -> Self {
        let max_body = contract.profile().max_request_body_bytes;
        MockConfig {
            contract,
            creds: Credentials::local_default(),
            clock_skew: Duration::from_secs(15 * 60),
            seed: 0,
            faults: Vec::new(),
            lockout: None,
            max_body,
            body_read_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 256,
            connection_lifetime: Duration::from_secs(300),
            clock_offset_ms: 0,
            fleet: Vec::new(),
        }
    }
}

/// A contract mutation: one specific deviation from the contract the mock can commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutationDef {
    /// Spec name, usable in `--fault` and the fault header.
    pub name: &'static str,
    /// The clause it breaks.
    pub clause: &'static str,
    pub description: &'static str,
}

/// Every contract mutation the mock knows.
pub fn mutations() -> &'static [MutationDef] {
    mutations::CATALOGUE
}

/// Parses fault/mutation specs (`latency=200ms,drop-field`), as `--fault` and the header do.
pub fn parse_faults(specs: &str) -> std::result::Result<Plan, String> {
    let mut plan = Plan::default();
    plan.add_specs(specs)?;
    Ok(plan)
}

/// A mock serving in the background; dropping it (or calling `shutdown`) stops it.
pub struct RunningMock {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl RunningMock {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for RunningMock {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The mock's router, for in-process tests (`tower::ServiceExt::oneshot`). Fails (usage error)
/// when a global fault spec does not parse.
pub fn router(config: MockConfig) -> Result<axum::Router> {
    let shared = router::Shared::new(config).map_err(|e| Error::Usage(format!("--fault {e}")))?;
    Ok(axum::Router::new()
        .fallback(router::handle)
        .with_state(Arc::new(shared)))
}

/// Binds `addr` (use `127.0.0.1:0` in tests) and serves in the background on the current
/// tokio runtime, with the per-connection protections of [`MockConfig`].
pub async fn spawn(config: MockConfig, addr: &str) -> Result<RunningMock> {
    let (local, serving) = bind(config, addr).await?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serving(rx));
    Ok(RunningMock {
        addr: local,
        shutdown: Some(tx),
    })
}

/// The mock's accept loop, to run until the receiver fires.
pub type Serving = Box<
    dyn FnOnce(
            tokio::sync::oneshot::Receiver<()>,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        + Send,
>;

/// Binds `addr` and returns the bound address and the accept loop, not yet running.
pub async fn bind(config: MockConfig, addr: &str) -> Result<(SocketAddr, Serving)> {
    let limits = server::ConnectionLimits {
        header_read_timeout: config.header_read_timeout,
        max_connections: config.max_connections,
        connection_lifetime: config.connection_lifetime,
    };
    let app = router(config)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Runtime(format!("mock: cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Runtime(format!("mock: {e}")))?;
    let serving: Serving = Box::new(move |rx| Box::pin(server::serve(listener, app, limits, rx)));
    Ok((local, serving))
}

/// `--list-faults`: every transport fault and contract mutation, with its clause.
pub fn fault_listing() -> String {
    let mut out = String::from(
        "Faults and mutations: --fault SPEC (repeatable) applies to every request; the header\n\
         X-Cmsconform-Fault: SPEC[,SPEC] to one. SPEC is NAME or NAME=VALUE.\n\nTransport faults:\n",
    );
    for (syntax, description) in FAULTS {
        out.push_str(&format!("  {syntax:<34} {description}\n"));
    }
    out.push_str("\nContract mutations (each breaks the clause shown):\n");
    for def in mutations() {
        out.push_str(&format!(
            "  {:<34} {:<22} {}\n",
            def.name, def.clause, def.description
        ));
    }
    out.push_str(
        "\nVendor choices the mock makes: a POST whose Content-Type is not application/json\n\
         (or application/*+json; missing counts as application/octet-stream) gets a Spring 415\n\
         after authentication; duplicate member names in a request body are an invalid\n\
         parameter (HTTP 200, 0100002); empty agentIds is a success with empty arrays.\n",
    );
    out
}
