//! Requests that met a kept-alive connection the server had already closed (issue 23). A server
//! or load balancer closes an idle connection without notice; when the client writes its next
//! request on it at the same moment, the request fails before any answer arrives, and the
//! server never read it. curl and Go's net/http then send it once more on a fresh connection,
//! and so does this client (`Client::exchange`), on three conditions that this module judges:
//!
//! 1. the connection was reused: it had carried a whole answer before this request. A fresh
//!    connection's failure is the server's doing, not a close race, and is never re-sent;
//! 2. the failure came before an answer's head (`Client::exchange` only asks for failures of
//!    `execute`, never of the body): an answer already started may have been processed;
//! 3. the failure is a close: hyper's "connection closed before message completed", or a reset
//!    or broken pipe on the socket, never a timeout or garbage.
//!
//! Reuse is known by the connection's local address, which hyper-util attaches to every
//! request's error ([`hyper_util::client::legacy::Error::connect_info`]) and answer
//! (`HttpInfo`). [`Carried`] remembers the addresses of connections that carried a whole
//! answer; a new connection at an address that an old one had (ports are reused) clears it,
//! seen by the connector layer [`TrackOpened`]. Limit: hyper reports a close after part of an
//! answer's head the same way as a close before any byte of it; such a head, cut before its end
//! on a reused connection, is taken for no answer (a server cannot have answered a request
//! with half a head: its answer is lost either way).

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use hyper::http::Extensions;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpInfo};
use std::error::Error as _;

/// Addresses remembered at most; the oldest is forgotten first. Connections alive at once are
/// a handful (`-j` and the idle pool); a forgotten one is only never re-sent on.
const REMEMBERED: usize = 4096;

/// Local addresses of the connections that carried a whole answer.
#[derive(Debug, Default)]
pub(super) struct Carried {
    addresses: Mutex<Addresses>,
}

#[derive(Debug, Default)]
struct Addresses {
    set: HashSet<SocketAddr>,
    order: VecDeque<SocketAddr>,
}

impl Carried {
    /// The connection at `local` carried a whole answer: it may be reused.
    pub(super) fn answered(&self, local: SocketAddr) {
        let Ok(mut addresses) = self.addresses.lock() else {
            return;
        };
        if !addresses.set.insert(local) {
            return;
        }
        addresses.order.push_back(local);
        if addresses.order.len() > REMEMBERED {
            if let Some(oldest) = addresses.order.pop_front() {
                addresses.set.remove(&oldest);
            }
        }
    }

    /// A new connection opened at `local`: whatever an old one there carried, it carried nothing.
    pub(super) fn opened(&self, local: SocketAddr) {
        if let Ok(mut addresses) = self.addresses.lock() {
            if addresses.set.remove(&local) {
                addresses.order.retain(|a| *a != local);
            }
        }
    }

    /// True when the connection at `local` had carried a whole answer.
    pub(super) fn has_carried(&self, local: SocketAddr) -> bool {
        self.addresses
            .lock()
            .is_ok_and(|addresses| addresses.set.contains(&local))
    }
}

/// The local address of the connection an answer came on.
pub(super) fn answer_address(response: &reqwest::Response) -> Option<SocketAddr> {
    response
        .extensions()
        .get::<HttpInfo>()
        .map(HttpInfo::local_addr)
}

/// The local address of the connection a request failed on, when the failure is the server
/// closing it under the request before an answer (condition 3 above); `None` for any other
/// failure, and for one before a connection was had (a connect error carries no connection).
pub(super) fn closed_under_request(error: &reqwest::Error) -> Option<SocketAddr> {
    if error.is_timeout() || error.is_connect() {
        return None;
    }
    let mut closed = false;
    let mut address = None;
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(client_error) = cause.downcast_ref::<hyper_util::client::legacy::Error>() {
            address = client_error.connect_info().and_then(local_address);
        }
        if let Some(hyper_error) = cause.downcast_ref::<hyper::Error>() {
            closed |= hyper_error.is_incomplete_message();
        }
        if let Some(io_error) = cause.downcast_ref::<io::Error>() {
            closed |= is_close(io_error.kind());
        }
        source = cause.source();
    }
    address.filter(|_| closed)
}

/// Socket errors of a peer that closed: a reset, or a write after its close.
fn is_close(kind: io::ErrorKind) -> bool {
    matches!(
        kind,
        io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
    )
}

fn local_address(connected: &Connected) -> Option<SocketAddr> {
    let mut extensions = Extensions::new();
    connected.get_extras(&mut extensions);
    extensions.get::<HttpInfo>().map(HttpInfo::local_addr)
}

/// The connector layer that tells [`Carried`] of every new connection.
#[derive(Debug, Clone)]
pub(super) struct TrackOpened {
    pub(super) carried: Arc<Carried>,
}

impl<S> tower::Layer<S> for TrackOpened {
    type Service = Opened<S>;

    fn layer(&self, inner: S) -> Opened<S> {
        Opened {
            inner,
            carried: Arc::clone(&self.carried),
        }
    }
}

/// The connector wrapped by [`TrackOpened`].
#[derive(Debug, Clone)]
pub(super) struct Opened<S> {
    inner: S,
    carried: Arc<Carried>,
}

type Connecting<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, R> tower::Service<R> for Opened<S>
where
    S: tower::Service<R>,
    S::Response: Connection + Send + 'static,
    S::Error: Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Connecting<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, destination: R) -> Self::Future {
        let connecting = self.inner.call(destination);
        let carried = Arc::clone(&self.carried);
        Box::pin(async move {
            let connection = connecting.await?;
            if let Some(local) = local_address(&connection.connected()) {
                carried.opened(local);
            }
            Ok(connection)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn a_connection_that_carried_an_answer_is_reused_until_its_address_opens_anew() {
        let carried = Carried::default();
        assert!(!carried.has_carried(address(40000)), "fresh");
        carried.answered(address(40000));
        carried.answered(address(40000));
        assert!(carried.has_carried(address(40000)));
        assert!(!carried.has_carried(address(40001)));
        carried.opened(address(40000));
        assert!(
            !carried.has_carried(address(40000)),
            "a new connection on a reused port carried nothing"
        );
    }

    #[test]
    fn the_oldest_address_is_forgotten_first() {
        let carried = Carried::default();
        for port in 0..=REMEMBERED as u16 {
            carried.answered(address(port));
        }
        assert!(!carried.has_carried(address(0)));
        assert!(carried.has_carried(address(1)));
        assert!(carried.has_carried(address(REMEMBERED as u16)));
    }

    #[test]
    fn only_a_close_of_the_socket_counts_as_closed() {
        assert!(is_close(io::ErrorKind::ConnectionReset));
        assert!(is_close(io::ErrorKind::BrokenPipe));
        assert!(!is_close(io::ErrorKind::TimedOut));
        assert!(!is_close(io::ErrorKind::InvalidData));
    }
}
