//! The client's circuit breaker over answers that cannot be judged, and its connections after a
//! timeout (issue 16), against raw-socket servers started in-process on 127.0.0.1:0. Each test
//! asserts what was sent and what the breaker made of it, never a time. The whole run against
//! such servers is in `tests/e2e_breaker.rs`.

mod common;
use common::raw::{answer, serve_raw};
use common::read_request;
use common::signed_request as request;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cmsconform::auth::Credentials;
use cmsconform::client::{Client, ClientConfig};
use cmsconform::exchange::TransportFailure;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const SEED_ANSWER: &[u8] = include_bytes!("../cases/fixtures/seed_example.response.json");

fn client(addr: SocketAddr, breaker: u32, max_body: usize) -> Client {
    let mut config = ClientConfig::new(format!("http://{addr}"), Credentials::local_default());
    config.timeout = Duration::from_millis(800);
    config.breaker = breaker;
    config.max_body = max_body;
    Client::new(config).unwrap_or_else(|e| panic!("client: {e}"))
}

/// A server whose `n`-th request (from 1, over all connections) gets `answer_for(n)`, on
/// connections kept alive; returns its address and the request count.
async fn server(answer_for: fn(usize) -> Vec<u8>) -> (SocketAddr, Arc<AtomicUsize>) {
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    let addr = serve_raw(move |mut stream| {
        let counted = Arc::clone(&counted);
        async move {
            while read_request(&mut stream).await.is_some() {
                let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
                if stream.write_all(&answer_for(n)).await.is_err() {
                    return;
                }
            }
        }
    })
    .await;
    (addr, requests)
}

fn is_not_sent(exchange: &cmsconform::exchange::Exchange) -> bool {
    matches!(&exchange.response, Err(TransportFailure::NotSent(m)) if m.starts_with("circuit breaker opened"))
}

#[tokio::test]
async fn bodies_cut_at_max_body_open_the_breaker() {
    let (addr, requests) = server(|_| answer(&[b' '; 4096])).await;
    let client = client(addr, 3, 1024);
    for _ in 0..3 {
        let exchange = client.send(&request()).await;
        assert!(exchange.response.is_ok_and(|r| r.truncated));
    }
    assert!(client.breaker_open());
    assert!(is_not_sent(&client.send(&request()).await));
    assert_eq!(requests.load(Ordering::SeqCst), 3);
    let reason = client.breaker_reason().unwrap_or_default();
    assert!(
        reason.contains("the body was cut at --max-body (1024 bytes)"),
        "{reason}"
    );
}

#[tokio::test]
async fn what_the_judge_cannot_judge_counts_and_a_judged_answer_resets() {
    let (addr, requests) = server(|_| answer(b"<html>not the contract</html>")).await;
    let client = client(addr, 2, 1 << 20);
    let not_json = |_: &cmsconform::exchange::Exchange| ((), Some("not JSON".to_owned()));
    let fine = |_: &cmsconform::exchange::Exchange| ((), None);
    client.send_judged(&request(), not_json).await;
    client.send_judged(&request(), fine).await;
    client.send_judged(&request(), not_json).await;
    assert!(!client.breaker_open(), "a judged answer came between");
    // `send` alone judges by what the client sees: a whole answer is judged.
    client.send(&request()).await;
    client.send_judged(&request(), not_json).await;
    assert!(!client.breaker_open());
    client.send_judged(&request(), not_json).await;
    assert!(client.breaker_open());
    assert_eq!(
        client.breaker_reason().as_deref(),
        Some(
            "circuit breaker opened after 2 consecutive answers that could not be judged (last: not JSON)"
        )
    );
    let (exchange, ()) = client.send_judged(&request(), fine).await;
    assert!(is_not_sent(&exchange));
    assert_eq!(requests.load(Ordering::SeqCst), 6);
}

#[tokio::test]
async fn a_request_still_refused_for_rate_after_its_retries_counts() {
    // Requests 2 to 5 (one send and its 3 retries) are refused for rate, with no wait; every
    // other answer is cut at the cap.
    let (addr, requests) = server(|n| {
        if (2..=5).contains(&n) {
            b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
                .to_vec()
        } else {
            answer(&[b' '; 4096])
        }
    })
    .await;
    let client = client(addr, 3, 1024);
    client.send(&request()).await;
    let refused = client.send(&request()).await;
    assert!(refused.response.is_ok_and(|r| r.status == 429));
    assert!(!client.breaker_open(), "two of three");
    client.send(&request()).await;
    assert!(
        client
            .breaker_reason()
            .is_some_and(|r| r.contains("circuit breaker opened after 3 consecutive")),
        "the refusal after its retries counted"
    );
    assert_eq!(requests.load(Ordering::SeqCst), 6);
}

/// Answers the first request on each connection with the seed's answer, then leaves the
/// connection open and reads nothing more; counts connections, and requests sent on a silent one.
async fn silent_after_one_answer() -> (SocketAddr, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let connections = Arc::new(AtomicUsize::new(0));
    let reused = Arc::new(AtomicUsize::new(0));
    let (opened, again) = (Arc::clone(&connections), Arc::clone(&reused));
    let addr = serve_raw(move |stream| {
        opened.fetch_add(1, Ordering::SeqCst);
        answer_once(stream, Arc::clone(&again))
    })
    .await;
    (addr, connections, reused)
}

async fn answer_once(mut stream: TcpStream, reused: Arc<AtomicUsize>) {
    if read_request(&mut stream).await.is_none()
        || stream.write_all(&answer(SEED_ANSWER)).await.is_err()
    {
        return;
    }
    let mut one = [0u8; 1];
    if matches!(stream.peek(&mut one).await, Ok(n) if n > 0) {
        reused.fetch_add(1, Ordering::SeqCst);
    }
    std::future::pending::<()>().await;
}

#[tokio::test]
async fn after_a_timeout_no_connection_is_reused() {
    let (addr, connections, reused) = silent_after_one_answer().await;
    let client = client(addr, 5, 1 << 20);
    assert!(client.send(&request()).await.response.is_ok());
    assert!(!client.fresh_connections());
    // The kept-alive connection is reused, and the server stays silent on it.
    let stalled = client.send(&request()).await;
    assert!(matches!(
        stalled.response,
        Err(TransportFailure::Timeout(_))
    ));
    assert!(client.fresh_connections());
    for _ in 0..5 {
        let exchange = client.send(&request()).await;
        assert!(exchange.response.is_ok_and(|r| r.status == 200));
    }
    assert_eq!(
        reused.load(Ordering::SeqCst),
        1,
        "one request met a silent connection"
    );
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1 + 5,
        "a fresh one for each after"
    );
    assert!(!client.breaker_open());
}
