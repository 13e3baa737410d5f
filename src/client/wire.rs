//! One attempt on the wire, as it runs on the client's I/O thread (`io`): the request sent
//! within the whole-request deadline, its head, and its body read within the cap and the
//! budget of bytes held at once (`budget`). A request that failed on a reused connection the
//! server had closed, before any answer, is sent once more on a fresh connection (`reused`).
//! Everything it needs is owned (an `Arc<Wire>`), since it outlives no caller but runs apart.
//! Decoding and judging are left to the caller's thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::budget::{BodyBudget, Reservation};
use super::connections::Connections;
use super::failure::{self, Progress};
use super::prepare::Target;
use super::{body, reused};
use crate::exchange::TransportFailure;

/// What the I/O thread shares with every attempt.
pub(super) struct Wire {
    pub(super) connections: Connections,
    pub(super) budget: BodyBudget,
    pub(super) target: Target,
    pub(super) timeout: Duration,
    pub(super) connect_timeout: Duration,
    pub(super) max_body: usize,
    /// Requests sent once more after the server closed a reused connection under them.
    resent: AtomicU64,
}

/// An answer as it came off the wire: its body not yet decoded.
pub(super) struct Wired {
    pub(super) status: u16,
    pub(super) headers: Vec<(String, String)>,
    pub(super) raw: Vec<u8>,
    pub(super) raw_truncated: bool,
    /// The part of the budget the body holds, when it grew past the free bytes.
    pub(super) reservation: Option<Reservation>,
}

impl Wire {
    pub(super) fn new(
        connections: Connections,
        target: Target,
        config: &super::ClientConfig,
    ) -> Wire {
        Wire {
            connections,
            budget: BodyBudget::new(config.max_body),
            target,
            timeout: config.timeout,
            connect_timeout: config.effective_connect_timeout(),
            max_body: config.max_body,
            resent: AtomicU64::new(0),
        }
    }

    /// Requests sent once more after a reused connection was closed under them, so far.
    pub(super) fn resent(&self) -> u64 {
        self.resent.load(Ordering::Relaxed)
    }

    /// The attempt, bound by the whole-request deadline. `own_signature`: the request carries
    /// the harness's own valid signature. Any other (a probe) is sent on a fresh connection:
    /// it then never meets a connection the server closed, so it is never sent twice, and the
    /// bad-auth budget is spent exactly (hyper cannot tell a close after half an answer's head
    /// from a close before it, see `reused`).
    pub(super) async fn attempt(
        &self,
        request: reqwest::Request,
        own_signature: bool,
    ) -> Result<Wired, TransportFailure> {
        let mut progress = Progress::default();
        let exchange = self.exchange(request, own_signature, &mut progress);
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(outcome) => outcome,
            Err(_elapsed) => {
                // The connection may be a kept-alive one the server left silent.
                self.connections.timed_out();
                Err(failure::deadline_passed(
                    self.timeout,
                    &self.target.authority,
                    &progress,
                ))
            }
        }
    }

    /// Connect, send (once more on a fresh connection, see `reused`), and read the head and
    /// the capped body.
    async fn exchange(
        &self,
        request: reqwest::Request,
        own_signature: bool,
        progress: &mut Progress,
    ) -> Result<Wired, TransportFailure> {
        let (http, pooled) = match own_signature {
            true => self.connections.http(),
            false => (self.connections.fresh(), false),
        };
        // Kept for a re-send; a request whose body cannot be cloned (none here: bodies are
        // bytes) is simply never sent twice.
        let spare = if pooled { request.try_clone() } else { None };
        let response = match http.execute(request).await {
            Ok(response) => response,
            Err(error) => {
                let Some(again) = spare.filter(|_| self.closed_reused(&error)) else {
                    return Err(self.request_failed(&error));
                };
                self.resent.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    "the server closed a kept-alive connection under a request before answering \
                     it: sending it once more on a fresh connection"
                );
                self.connections
                    .fresh()
                    .execute(again)
                    .await
                    .map_err(|error| self.request_failed(&error))?
            }
        };
        if let Some(local) = reused::answer_address(&response) {
            // An answer head came on it: any later request on this connection reuses it.
            self.connections.carried.answered(local);
        }
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = match value.to_str() {
                    Ok(text) => text.to_owned(),
                    Err(_) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
                };
                (name.as_str().to_owned(), value)
            })
            .collect();
        progress.head_received(status, &headers);
        let coded = headers
            .iter()
            .any(|(name, value)| name == "content-encoding" && !is_identity(value));
        let read = body::read_capped(response, self.max_body, &self.budget, coded, progress)
            .await
            .map_err(|error| failure::body_failed(&error, &self.target.authority, progress))?;
        Ok(Wired {
            status,
            headers,
            raw: read.body,
            raw_truncated: read.truncated,
            reservation: read.reservation,
        })
    }

    /// True when `error` is the server closing a connection that had carried an answer, under
    /// this request and before its answer.
    fn closed_reused(&self, error: &reqwest::Error) -> bool {
        reused::closed_under_request(error)
            .is_some_and(|local| self.connections.carried.has_carried(local))
    }

    fn request_failed(&self, error: &reqwest::Error) -> TransportFailure {
        failure::request_failed(error, &self.target, self.connect_timeout)
    }
}

/// `identity` (or nothing) names no coding to undo.
pub(super) fn is_identity(value: &str) -> bool {
    value
        .split(',')
        .all(|item| matches!(item.trim().to_ascii_lowercase().as_str(), "" | "identity"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_and_empty_codings_name_none() {
        assert!(is_identity("identity") && is_identity(" , Identity") && is_identity(""));
        assert!(!is_identity("gzip") && !is_identity("identity, br"));
    }
}
