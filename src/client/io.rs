//! The client's own I/O thread (issue 23: judging a large answer must not starve the
//! connections' tasks). A run drives its cases on one thread (a current-thread runtime, see
//! benches/README.md for why), and judging a 6000-agent answer holds that thread for tens of
//! milliseconds. hyper's connection tasks would then sit unpolled: a kept-alive connection the
//! server closed meanwhile still looks open to the pool, so the next request is written on it
//! and fails, and a body being read stalls. So every exchange (connect, send, read the capped
//! body) runs here, on a runtime with one worker of its own, where hyper spawns its connection
//! tasks too; the caller's thread only signs, decodes and judges. The cost is two cross-thread
//! wake-ups per request (the default run's wall time in benches/README.md; its effect on the
//! seed-request rate of benches/run.sh is not measured yet).
//!
//! It owns the runtime and the hand-off only: what is sent is `Client`'s.

use std::future::Future;

use tokio::runtime::{Handle, Runtime};
use tokio::task::JoinHandle;

use super::ClientError;

pub(super) struct IoThread {
    /// `Some` until dropped.
    runtime: Option<Runtime>,
    handle: Handle,
}

impl IoThread {
    pub(super) fn start() -> Result<IoThread, ClientError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cmsconform-io")
            .enable_all()
            .build()
            .map_err(|error| ClientError::Build(format!("cannot start the I/O thread: {error}")))?;
        Ok(IoThread {
            handle: runtime.handle().clone(),
            runtime: Some(runtime),
        })
    }

    /// Runs `work` on the I/O thread and waits for it. Dropping the returned future (a caller's
    /// deadline, a cancelled run) aborts `work`. `None` when it did not finish: the I/O thread
    /// is shutting down.
    pub(super) async fn run<F>(&self, work: F) -> Option<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let mut running = AbortOnDrop(self.handle.spawn(work));
        (&mut running.0).await.ok()
    }
}

impl Drop for IoThread {
    fn drop(&mut self) {
        // A runtime dropped inside another one (a client dropped in async code) would panic;
        // shutting it down in the background never blocks.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A runtime of the caller's, apart from the I/O thread's.
    fn caller() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn work_runs_on_the_io_thread_and_the_thread_survives_a_drop_in_async_code() {
        let caller = caller();
        caller.block_on(async {
            let io = IoThread::start().unwrap_or_else(|e| panic!("{e}"));
            let name = io
                .run(async { std::thread::current().name().map(str::to_owned) })
                .await;
            assert_eq!(name, Some(Some("cmsconform-io".to_owned())));
            drop(io);
        });
    }

    #[test]
    fn dropping_the_wait_aborts_the_work() {
        let caller = caller();
        caller.block_on(async {
            let io = IoThread::start().unwrap_or_else(|e| panic!("{e}"));
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let waiting = io.run(async move {
                std::future::pending::<()>().await;
                drop(tx);
            });
            assert!(futures_util::FutureExt::now_or_never(waiting).is_none());
            // The aborted task drops its sender (started or not): the receiver sees it closed.
            assert!(rx.await.is_err());
        });
    }
}
