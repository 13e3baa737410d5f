//! What a run tells whoever watches it: the lines a person reads (seed, preflight, fleet,
//! boundary faults, relations, agents, rate limits), the warnings, and how far each phase has
//! gone. The runner only calls an [`Observer`]; the commands layer decides where the lines go
//! and whether a bar is drawn, and [`Silent`] (selftest, tests) drops them.

use std::future::Future;

use serde_json::Value;

use crate::consistency::Sender;
use crate::exchange::Exchange;

/// Receives a run's own lines and phases.
pub trait Observer: Sync {
    /// A line of the run's own, in the order the run reaches it.
    fn line(&self, _line: &str) {}
    /// A warning: something the user should act on that is not a verdict.
    fn warning(&self, _line: &str) {}
    /// A phase begins (`fleet scan requests` with its `total`, `relations`, `limit discovery`
    /// with none); the phase ends when the returned [`Tick`] is dropped.
    fn phase(&self, _label: &str, _total: Option<usize>) -> Box<dyn Tick> {
        Box::new(Unwatched)
    }
}

/// One step of a phase done: a request of it answered.
pub trait Tick: Send + Sync {
    fn advance(&self);
}

/// The observer of a run nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {}

struct Unwatched;

impl Tick for Unwatched {
    fn advance(&self) {}
}

/// A [`Sender`] that ticks its phase once per answered request: the relations and the limit
/// discovery are counted from the runner's side, the consistency module knows nothing of phases.
pub struct Counted<'a, S> {
    inner: &'a S,
    tick: &'a dyn Tick,
}

impl<'a, S: Sender> Counted<'a, S> {
    pub fn new(inner: &'a S, tick: &'a dyn Tick) -> Self {
        Counted { inner, tick }
    }
}

impl<S: Sender> Sender for Counted<'_, S> {
    fn send(&self, body: Value) -> impl Future<Output = Exchange> + Send {
        let sent = self.inner.send(body);
        let tick = self.tick;
        async move {
            let exchange = sent.await;
            tick.advance();
            exchange
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    struct Echo;

    impl Sender for Echo {
        fn send(&self, body: Value) -> impl Future<Output = Exchange> + Send {
            let request = crate::exchange::SentRequest {
                body: body.to_string().into_bytes(),
                ..crate::exchange::SentRequest::default()
            };
            std::future::ready(Exchange::new(
                request,
                Ok(crate::exchange::Received::default()),
                0,
                0,
            ))
        }
    }

    #[derive(Default)]
    struct Count(AtomicU64);

    impl Tick for Count {
        fn advance(&self) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn the_counted_sender_ticks_once_per_request_and_passes_the_exchange_on() {
        let count = Count::default();
        let counted = Counted::new(&Echo, &count);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let first = runtime.block_on(counted.send(serde_json::json!(1)));
        let _second = runtime.block_on(counted.send(serde_json::json!(2)));
        assert_eq!(first.request.body, b"1");
        assert_eq!(count.0.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_silent_run_drops_its_lines_and_its_phases_cost_nothing() {
        let tick = Silent.phase("relations", None);
        tick.advance();
        Silent.line("seed: 1");
        Silent.warning("nothing");
    }
}
