//! The embedded mock a run without `--target` is judged against, on a runtime of its own.

use tokio::runtime::Runtime;

use crate::error::{Error, Result};
use crate::mock::{self, MockConfig, RunningMock};

/// The embedded mock and the runtime it serves on. The harness's own runtime has one thread
/// (built by the commands layer); the mock gets a thread of its own so it answers
/// while that thread judges, as a separate server would.
pub(super) struct EmbeddedMock {
    pub(super) running: Option<RunningMock>,
    runtime: Option<Runtime>,
}

impl EmbeddedMock {
    pub(super) fn start(config: MockConfig) -> Result<EmbeddedMock> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("embedded-mock")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::Runtime(format!("cannot start the embedded mock's runtime: {e}"))
            })?;
        let running = runtime.block_on(mock::spawn(config, "127.0.0.1:0"))?;
        Ok(EmbeddedMock {
            running: Some(running),
            runtime: Some(runtime),
        })
    }
}

impl Drop for EmbeddedMock {
    fn drop(&mut self) {
        drop(self.running.take());
        // A session may end on a runtime thread, where dropping a runtime would panic.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
