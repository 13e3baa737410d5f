//! What a 401 or a 403 to a case means for the run (notes:3). A 403 stops it at once: the
//! server refuses this client, and more requests would only prolong a lock-out. A 401 to a
//! request whose signing correct servers read two ways (an empty body, a body that is not
//! UTF-8) is an allowed refusal, judged where the case is. A 401 to any other request with the
//! run's own signature is asked about: the preflight request is sent once more. Refused too,
//! the credentials stopped working and the run stops; accepted, the server signs that one
//! request differently, and the case is judged so.
//!
//! One confirmation answers for every 401 to a request sent before it (under `-j` several come
//! at once), and a run sends at most [`MAX_CONFIRMATIONS`]: each 401 the server answers counts
//! against a lock-out there, so a server that refuses request after request is left alone.

use std::time::Instant;

use super::Session;
use crate::cases::{Case, Outcome};
use crate::checks;
use crate::exchange::Exchange;

/// Confirmations a run sends at most. Past them, another 401 to the run's own signature stops
/// the run as if the credentials had stopped working.
pub const MAX_CONFIRMATIONS: u32 = 3;

/// What a case's answer says of the run.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Refusal {
    /// Nothing: judge the case as it is.
    Nothing,
    /// The run must stop sending, and why.
    Halt(String),
    /// The credentials work (the preflight request sent again was accepted): the server read
    /// this one request's signature another way.
    SignedDifferently,
}

/// The confirmations sent so far.
#[derive(Default)]
pub(super) struct Confirmations {
    state: tokio::sync::Mutex<ConfirmState>,
}

#[derive(Default)]
struct ConfirmState {
    sent: u32,
    /// When the last confirmation was sent, and whether it was accepted.
    last: Option<(Instant, bool)>,
}

impl Session {
    /// What the answer to `case`, sent at `sent_at`, says of the run; a reason to stop is kept
    /// (see [`Session::halted`]).
    pub(super) async fn refusal(
        &self,
        case: &Case,
        exchange: &Exchange,
        sent_at: Instant,
    ) -> Refusal {
        let Ok(received) = &exchange.response else {
            return Refusal::Nothing;
        };
        let found = match received.status {
            403 => Refusal::Halt(format!(
                "HTTP 403 to {}: the server refuses this client (notes:3: the client IP is \
                 locked out after repeated authentication failures); no further requests were \
                 sent, so as not to prolong a lock-out",
                case.id
            )),
            401 if case.request.carries_own_signature() => self.confirm(case, sent_at).await,
            _ => Refusal::Nothing,
        };
        if let Refusal::Halt(reason) = &found {
            if let Ok(mut halt) = self.halt.lock() {
                halt.get_or_insert(reason.clone());
            }
        }
        found
    }

    /// Whether the run's credentials still work, after a 401 to `case` sent at `sent_at`.
    async fn confirm(&self, case: &Case, sent_at: Instant) -> Refusal {
        let mut state = self.confirmations.state.lock().await;
        let accepted = match state.last {
            // A confirmation sent after this request answers for it; one refused answers for
            // every later 401 too (the run stops: no second confirmation is sent).
            Some((confirmed_at, accepted)) if confirmed_at >= sent_at || !accepted => accepted,
            _ if state.sent >= MAX_CONFIRMATIONS => {
                return Refusal::Halt(format!(
                    "HTTP 401 to {}, a request with the run's own valid signature, after \
                     {MAX_CONFIRMATIONS} others the server refused although the run's \
                     credentials worked: no further requests were sent, so as not to add to the \
                     server's count of failed signatures",
                    case.id
                ));
            }
            _ => {
                state.sent += 1;
                let confirmed_at = Instant::now();
                let accepted = self.preflight_accepted_again().await;
                state.last = Some((confirmed_at, accepted));
                accepted
            }
        };
        if accepted {
            Refusal::SignedDifferently
        } else {
            Refusal::Halt(format!(
                "HTTP 401 to {}, a request with the run's own valid signature, and the \
                 preflight request sent again was refused too: the server no longer accepts \
                 the run's credentials (check the AK/SK, the clock, a proxy rewriting Host); no \
                 further requests were sent",
                case.id
            ))
        }
    }

    /// Sends the preflight request once more: true when it is answered as it was at the start
    /// (a success, or a business failure at the home pair).
    async fn preflight_accepted_again(&self) -> bool {
        let home = self
            .check_options
            .home
            .unwrap_or(crate::cases::HomePair::SEED);
        let request = super::super::preflight::request(&self.path, home);
        let exchange = self.client.send(&request).await;
        let authenticated = exchange
            .response
            .as_ref()
            .is_ok_and(|r| r.status != 401 && r.status != 403);
        authenticated
            && matches!(
                checks::classify(&self.contract, &exchange),
                Some(Outcome::Accepted | Outcome::Rejected)
            )
    }
}
