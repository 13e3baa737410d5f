//! Helpers shared by the integration tests. Each test crate compiles this module on its own and
//! uses only part of it, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod binary;
pub mod cc_server;
pub mod proxy;
pub mod raw;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::runtime::Runtime;

use cmsconform::cases::{AuthMode, HeaderEdits};
use cmsconform::client::OutgoingRequest;
use cmsconform::contract::Contract;
use cmsconform::mock::{self, MockConfig, RunningMock};

/// A runtime owned by the test, so its servers serve while the binary runs.
pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
}

/// A mock configuration for the default profile (2023-12), as the default run uses.
pub fn mock_config() -> MockConfig {
    MockConfig::new(Contract::embedded("2023-12").unwrap_or_else(|e| panic!("contract: {e}")))
}

/// The crate's mock with `config` on 127.0.0.1:0, serving on `runtime`.
pub fn spawn_mock(runtime: &Runtime, config: MockConfig) -> RunningMock {
    runtime
        .block_on(mock::spawn(config, "127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("mock: {e}"))
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// Reads one HTTP request (head and Content-Length body); returns the head, `None` on EOF.
pub async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let declared: usize = head
                .lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, value)| value.trim().parse().ok())
                .unwrap_or(0);
            let mut missing = declared.saturating_sub(buf.len() - end - 4);
            while missing > 0 {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    break;
                }
                missing = missing.saturating_sub(n);
            }
            return Some(head);
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() > 1 << 20 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// A request signed with the run's own signature, for two agents at the seed's home pair.
pub fn signed_request() -> OutgoingRequest {
    OutgoingRequest {
        method: "POST".into(),
        path: "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids".into(),
        auth: AuthMode::Signed,
        header_edits: HeaderEdits::default(),
        body: br#"{"ccId":1,"vdn":170,"agentIds":[1031,1099]}"#.to_vec(),
    }
}
