//! Which connections a request may use. Connections are kept alive between requests, which is
//! what keeps the rate when nothing is wrong. Once a request timed out, no idle connection is
//! reused for the rest of the client's life: a server that answers once on a connection and
//! then leaves it open and silent would make every request reusing one wait out its whole
//! deadline, so each request opens its own instead. Owns the two reqwest clients and the switch,
//! nothing of what is sent on them.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use super::tls::{self, Pool};
use super::{ClientConfig, ClientError};

pub(super) struct Connections {
    /// What the second client is built from, when it is needed.
    config: ClientConfig,
    /// Keeps idle connections for the next request.
    kept: reqwest::Client,
    /// Keeps none: a fresh connection per request. Built at the first timeout (a clean run
    /// never pays for it); `None` if that build failed, when `kept` goes on serving.
    fresh: OnceLock<Option<reqwest::Client>>,
    /// Set by the first timeout.
    timed_out: AtomicBool,
}

impl Connections {
    pub(super) fn new(config: &ClientConfig) -> Result<Connections, ClientError> {
        Ok(Connections {
            config: config.clone(),
            kept: tls::http_client(config, Pool::KeepAlive)?,
            fresh: OnceLock::new(),
            timed_out: AtomicBool::new(false),
        })
    }

    /// The reqwest client the next request goes out on.
    pub(super) fn http(&self) -> &reqwest::Client {
        if !self.fresh_only() {
            return &self.kept;
        }
        let fresh = self.fresh.get_or_init(|| {
            tls::http_client(&self.config, Pool::FreshEachRequest)
                .inspect_err(|error| {
                    tracing::warn!(%error, "no client without kept-alive connections; reusing them")
                })
                .ok()
        });
        fresh.as_ref().unwrap_or(&self.kept)
    }

    /// A request timed out: from now on every request opens a fresh connection.
    pub(super) fn timed_out(&self) {
        if !self.timed_out.swap(true, Ordering::AcqRel) {
            tracing::info!(
                "a request timed out: from now on every request opens a fresh connection (a \
                 kept-alive connection the server left silent would stall each request reusing it)"
            );
        }
    }

    /// True once a request timed out.
    pub(super) fn fresh_only(&self) -> bool {
        self.timed_out.load(Ordering::Acquire)
    }
}
