//! The reference mock of CC-CMS: the vendor's behaviour (auth-v2, HTTP 200 rejections, Spring
//! 400s, 405 with Allow), a deterministic agent fleet, and fault injection and contract
//! mutations. It reads the same contract data as the checks and must never contradict them.

use std::net::SocketAddr;
use std::time::Duration;

use crate::auth::Credentials;
use crate::cli::{GlobalArgs, MockArgs};
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
}

impl MockConfig {
    /// The defaults: local credentials, 15 minutes of skew, seed 0, no faults, 1 MiB bodies.
    pub fn new(contract: Contract) -> Self {
        MockConfig {
            contract,
            creds: Credentials::local_default(),
            clock_skew: Duration::from_secs(15 * 60),
            seed: 0,
            faults: Vec::new(),
            lockout: None,
            max_body: 1 << 20,
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
    &[]
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

/// The mock's router, for in-process tests (`tower::ServiceExt::oneshot`).
pub fn router(_config: MockConfig) -> Result<axum::Router> {
    Ok(axum::Router::new())
}

/// Binds `addr` (use `127.0.0.1:0` in tests) and serves in the background on the current
/// tokio runtime.
pub async fn spawn(config: MockConfig, addr: &str) -> Result<RunningMock> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::Runtime(format!("mock: cannot listen on {addr}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::Runtime(format!("mock: {e}")))?;
    let app = router(config)?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(RunningMock {
        addr: local,
        shutdown: Some(tx),
    })
}

pub fn command(_args: &MockArgs, _global: &GlobalArgs) -> Result<i32> {
    Err(Error::Usage("mock is not built yet".into()))
}
