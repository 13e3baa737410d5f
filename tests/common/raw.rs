//! Raw-socket servers for the binary-level hostile tests: a listener on 127.0.0.1:0 served on a
//! runtime the test owns, and the preflight answer that lets a run reach its cases before a
//! server starts to misbehave.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;

use super::binary::{Ran, cmsconform, run};
use super::read_request;

/// A server on the current runtime that hands every connection to `serve`, each on its own task.
pub async fn serve_raw<F, Fut>(serve: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream));
        }
    });
    addr
}

/// [`serve_raw`] on `runtime` (a multi-threaded one, which serves on after `block_on`).
pub fn raw_server<F, Fut>(runtime: &Runtime, serve: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    runtime.block_on(serve_raw(serve))
}

/// The answer a server gives the run's preflight (its first request) so that the cases after it
/// meet the misbehaviour under test: a business failure, which lets the run go on.
pub const PREFLIGHT_ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
    Content-Length: 55\r\n\r\n{\"result\":\"1\",\"resultCode\":\"0100002\",\"resultDesc\":\"no\"}";

/// True for the first request a server gets: the preflight. Every later one is false.
pub fn is_preflight(requests: &AtomicUsize) -> bool {
    requests.fetch_add(1, Ordering::SeqCst) == 0
}

/// Reads requests from `stream`, answering the preflight with [`PREFLIGHT_ANSWER`]; true once a
/// later request has been read, false at the end of the connection.
pub async fn next_case_request(stream: &mut TcpStream, requests: &AtomicUsize) -> bool {
    while read_request(stream).await.is_some() {
        if !is_preflight(requests) {
            return true;
        }
        if stream.write_all(PREFLIGHT_ANSWER).await.is_err() {
            return false;
        }
    }
    false
}

/// A `200` head and `body` with its Content-Length.
pub fn answer(body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

pub fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// `run --target URL` with throwaway keys, short deadlines and no reports.
pub fn run_against(dir: &Path, target: &str, extra: &[&str]) -> Ran {
    run(cmsconform(dir)
        .args(["run", "--target", target, "--ak", "a", "--sk", "s"])
        .args(["--seed", "1", "--no-progress"])
        .args(extra))
}
