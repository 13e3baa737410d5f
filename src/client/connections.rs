//! Which connections a request may use. Connections are kept alive between requests, which is
//! what keeps the rate when nothing is wrong. Once a request timed out, no idle connection is
//! reused for the rest of the client's life: a server that answers once on a connection and
//! then leaves it open and silent would make every request reusing one wait out its whole
//! deadline, so each request opens its own instead. The client without kept connections also
//! carries the one re-send of a request a server closed a reused connection under (`wire`).
//! Owns the two reqwest clients, the switch and what connections carried (`reused::Carried`),
//! nothing of what is sent on them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use super::reused::{Carried, TrackOpened};
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
    /// The connections that carried an answer, told of new ones by both clients' connectors.
    pub(super) carried: Arc<Carried>,
}

impl Connections {
    pub(super) fn new(config: &ClientConfig) -> Result<Connections, ClientError> {
        let carried = Arc::new(Carried::default());
        let track = TrackOpened {
            carried: Arc::clone(&carried),
        };
        Ok(Connections {
            config: config.clone(),
            kept: tls::http_client(config, Pool::KeepAlive, track)?,
            fresh: OnceLock::new(),
            timed_out: AtomicBool::new(false),
            carried,
        })
    }

    /// The reqwest client the next request goes out on, and whether it keeps connections
    /// (only then may a request meet one the server closed).
    pub(super) fn http(&self) -> (&reqwest::Client, bool) {
        if !self.fresh_only() {
            return (&self.kept, true);
        }
        match self.fresh_client() {
            Some(fresh) => (fresh, false),
            None => (&self.kept, true),
        }
    }

    /// A client that opens a fresh connection for each request (the kept one if it could not
    /// be built).
    pub(super) fn fresh(&self) -> &reqwest::Client {
        self.fresh_client().unwrap_or(&self.kept)
    }

    fn fresh_client(&self) -> Option<&reqwest::Client> {
        let track = TrackOpened {
            carried: Arc::clone(&self.carried),
        };
        self.fresh
            .get_or_init(|| {
                tls::http_client(&self.config, Pool::FreshEachRequest, track)
                    .inspect_err(|error| {
                        tracing::warn!(%error, "no client without kept-alive connections; reusing them")
                    })
                    .ok()
            })
            .as_ref()
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
