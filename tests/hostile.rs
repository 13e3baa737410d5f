//! Hostile servers against the client (issue 7 items 1-4): each test starts an in-process
//! misbehaving server on 127.0.0.1:0 (raw tokio sockets for wire-level faults, tokio-rustls for
//! TLS) and asserts the verdict, the message, and the bound (time or memory). Deadlines are
//! short so the file runs fast; bounds are generous (deadline + a margin), never tight timings.
//! Servers may sleep to simulate slowness; the tests never sleep to wait for anything.

mod common;
use common::raw::serve_raw;
use common::read_request;
use common::signed_request as request;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cmsconform::auth::Credentials;
use cmsconform::cases::AuthMode;
use cmsconform::client::{Client, ClientConfig, ClientError};
use cmsconform::exchange::{Exchange, Received, TransportFailure};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// A secret nobody would type by chance: it must never show up outside the Authorization value.
const CANARY_SK: &str = "SK-canary-5f1e9d7c-do-not-leak";
const TIMEOUT: Duration = Duration::from_millis(600);
/// Allowance on top of a deadline for scheduling on a loaded 2-core machine.
const MARGIN: Duration = Duration::from_secs(2);

fn config(base: &str) -> ClientConfig {
    let mut config = ClientConfig::new(base, Credentials::new("ak-hostile", CANARY_SK));
    config.timeout = TIMEOUT;
    config.connect_timeout = TIMEOUT;
    config
}

fn client(config: ClientConfig) -> Client {
    Client::new(config).unwrap_or_else(|e| panic!("client: {e}"))
}

fn answer(exchange: &Exchange) -> &Received {
    match &exchange.response {
        Ok(received) => received,
        Err(failure) => panic!("expected an answer, got {failure:?}"),
    }
}

fn failure(exchange: &Exchange) -> &TransportFailure {
    match &exchange.response {
        Err(failure) => failure,
        Ok(received) => panic!(
            "expected a transport failure, got status {}",
            received.status
        ),
    }
}

fn message(failure: &TransportFailure) -> &str {
    match failure {
        TransportFailure::Connect(m)
        | TransportFailure::Timeout(m)
        | TransportFailure::Protocol(m)
        | TransportFailure::NotSent(m) => m,
    }
}

/// Sends one request and returns the exchange and how long it took.
async fn timed_send(client: &Client) -> (Exchange, Duration) {
    let started = Instant::now();
    let exchange = client.send(&request()).await;
    (exchange, started.elapsed())
}

/// A server that reads the request, then writes `bytes` and closes.
async fn canned_server(bytes: &'static [u8]) -> SocketAddr {
    serve_raw(move |mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            let _ = stream.write_all(bytes).await;
            let _ = stream.shutdown().await;
        }
    })
    .await
}

fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

#[tokio::test]
async fn connection_refused_names_the_target_and_the_fix() {
    let dead = {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"))
    };
    let client = client(config(&url(dead)));
    let (exchange, took) = timed_send(&client).await;
    assert_eq!(
        failure(&exchange),
        &TransportFailure::Connect(format!(
            "connection refused by {dead}: is the target up? check --target"
        ))
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn connection_reset_is_a_protocol_failure() {
    let addr = serve_raw(|mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            // SO_LINGER 0: closing sends a RST instead of a FIN.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
    })
    .await;
    let client = client(config(&url(addr)));
    let (exchange, took) = timed_send(&client).await;
    assert_eq!(
        failure(&exchange),
        &TransportFailure::Protocol(format!("connection reset by {addr} before it answered"))
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn empty_reply_is_a_protocol_failure() {
    let addr = canned_server(b"").await;
    let client = client(config(&url(addr)));
    let (exchange, took) = timed_send(&client).await;
    assert_eq!(
        failure(&exchange),
        &TransportFailure::Protocol(format!(
            "empty reply: {addr} closed the connection without sending an answer"
        ))
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn garbage_bytes_are_not_http() {
    let addr = canned_server(b"\x16\x03\x01\x00\xffnot http at all\r\n\r\n").await;
    let client = client(config(&url(addr)));
    let (exchange, took) = timed_send(&client).await;
    let failure = failure(&exchange);
    assert!(
        matches!(failure, TransportFailure::Protocol(m)
            if m.starts_with(&format!("garbage: the answer of {addr} is not valid HTTP"))
            && m.ends_with("is --target the right host, port and scheme (http/https)?")),
        "{failure:?}"
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn a_stalling_server_ends_at_the_deadline() {
    let addr = serve_raw(|mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            // Hold the connection open and say nothing.
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    })
    .await;
    let client = client(config(&url(addr)));
    let (exchange, took) = timed_send(&client).await;
    assert_eq!(
        failure(&exchange),
        &TransportFailure::Timeout(format!(
            "{addr} sent no answer within the whole-request deadline of 600ms (--timeout): the server stalls (raise --timeout only if it is merely slow)"
        ))
    );
    assert!(took >= TIMEOUT && took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn a_trickling_body_cannot_stretch_the_deadline() {
    let addr = serve_raw(|mut stream| async move {
        if read_request(&mut stream).await.is_none() {
            return;
        }
        let head =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
        if stream.write_all(head).await.is_err() {
            return;
        }
        // One byte every 50 ms: a per-read timeout would never fire.
        while stream.write_all(b" ").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    let client = client(config(&url(addr)));
    let (exchange, took) = timed_send(&client).await;
    let failure = failure(&exchange);
    assert!(
        matches!(failure, TransportFailure::Timeout(m)
            if m.starts_with(&format!("{addr} did not finish its answer within the whole-request deadline of 600ms (--timeout): status 200 arrived, then only "))
            && m.ends_with(" of 100000 body bytes (a server trickling its answer)")),
        "{failure:?}"
    );
    assert!(took >= TIMEOUT && took < TIMEOUT + MARGIN, "took {took:?}");
}

/// Peak resident memory of this process so far (VmHWM), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

#[tokio::test]
async fn a_300_mb_body_is_cut_at_the_cap_without_buffering_it() {
    const TOTAL: u64 = 300 * 1000 * 1000;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let server = tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return 0;
        };
        if read_request(&mut stream).await.is_none() {
            return 0;
        }
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {TOTAL}\r\n\r\n");
        if stream.write_all(head.as_bytes()).await.is_err() {
            return 0;
        }
        let block = vec![b'x'; 64 << 10];
        let mut written = 0u64;
        while written < TOTAL && stream.write_all(&block).await.is_ok() {
            written += block.len() as u64;
        }
        written
    });

    let mut config = config(&url(addr));
    config.timeout = Duration::from_secs(60);
    let cap = config.max_body;
    assert_eq!(cap, 32 << 20, "the default cap is 32 MiB");
    let client = client(config);
    let before = peak_rss();
    let exchange = client.send(&request()).await;
    let after = peak_rss();

    let received = answer(&exchange);
    assert!(received.truncated, "the body must be marked truncated");
    assert_eq!(received.body.len(), cap, "exactly the cap is kept");
    let growth = after.saturating_sub(before);
    eprintln!(
        "300 MB stream, cap {} MiB: peak RSS {} -> {} MiB",
        cap >> 20,
        before >> 20,
        after >> 20
    );
    assert!(
        before > 0 && growth < 128 << 20,
        "peak RSS grew by {} MiB (before {} MiB)",
        growth >> 20,
        before >> 20
    );
    // The client hung up at the cap, so the server's writes failed long before 300 MB.
    let written = tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .unwrap_or_else(|_| panic!("the server was still writing: the connection was not dropped"))
        .unwrap_or_default();
    assert!(written < TOTAL, "the server wrote all {written} bytes");
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_reported() {
    let addr =
        canned_server(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"result\":\"0\"}").await;
    let client = client(config(&url(addr)));
    let (exchange, took) = timed_send(&client).await;
    assert_eq!(
        failure(&exchange),
        &TransportFailure::Protocol(format!(
            "body shorter than its Content-Length: {addr} closed the connection after 14 of 100 bytes"
        ))
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn malformed_chunked_encoding_is_reported() {
    let addr = canned_server(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\nZZ\r\n1}\r\n0\r\n\r\n",
    )
    .await;
    let client = client(config(&url(addr)));
    let (exchange, took) = timed_send(&client).await;
    let failure = failure(&exchange);
    assert!(
        matches!(failure, TransportFailure::Protocol(m)
            if m.starts_with(&format!("malformed chunked encoding in the body from {addr} after 5 bytes ("))),
        "{failure:?}"
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn a_redirect_is_recorded_not_followed_and_authorization_stays_home() {
    // The other host: a listener nobody may connect to. 127.0.0.2 is another loopback address.
    let elsewhere = std::net::TcpListener::bind("127.0.0.2:0")
        .or_else(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("bind: {e}"));
    elsewhere
        .set_nonblocking(true)
        .unwrap_or_else(|e| panic!("nonblocking: {e}"));
    let other = elsewhere
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let location = format!("http://{other}/steal");
    let response: &'static [u8] =
        format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n")
            .leak()
            .as_bytes();
    let addr = canned_server(response).await;

    let client = client(config(&url(addr)));
    let (exchange, took) = timed_send(&client).await;
    let received = answer(&exchange);
    assert_eq!(received.status, 302, "the 3xx is the answer");
    assert_eq!(received.header("location"), Some(location.as_str()));
    assert!(
        exchange.request.header("authorization").is_some(),
        "the target itself got the signature"
    );
    // Had the client followed, its connection would already sit in the other host's backlog.
    match elsewhere.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("the redirect was followed: {peer} connected to {other}"),
        Err(e) => panic!("accept: {e}"),
    }
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn the_rate_limit_spaces_concurrent_sends() {
    let addr = serve_raw(|mut stream| async move {
        while read_request(&mut stream).await.is_some() {
            if stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                .await
                .is_err()
            {
                return;
            }
        }
    })
    .await;
    let mut config = config(&url(addr));
    config.rate_limit = Some(20.0);
    let client = client(config);
    let request = request();
    let started = Instant::now();
    let exchanges = futures_util::future::join_all((0..5).map(|_| client.send(&request))).await;
    let took = started.elapsed();
    assert!(exchanges.iter().all(|e| answer(e).status == 200));
    // Five starts at 20/s: the last one waits four intervals of 50 ms. A lower bound only.
    assert!(took >= Duration::from_millis(195), "took {took:?}");
}

/// A TLS server with a self-signed certificate for 127.0.0.1, answering every request 200.
/// Returns its address and the certificate (PEM).
async fn self_signed_tls_server() -> (SocketAddr, String) {
    tls_server(None).await
}

/// A key and a self-signed certificate for `name`.
fn self_signed(name: &str) -> (rcgen::KeyPair, rcgen::Certificate) {
    let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("key: {e}"));
    let cert = rcgen::CertificateParams::new(vec![name.to_owned()])
        .and_then(|params| params.self_signed(&key))
        .unwrap_or_else(|e| panic!("cert: {e}"));
    (key, cert)
}

/// Like [`self_signed_tls_server`]; with `client_root`, it demands a client certificate
/// issued by (or equal to) that certificate.
async fn tls_server(client_root: Option<&rcgen::Certificate>) -> (SocketAddr, String) {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    let (key, cert) = self_signed("127.0.0.1");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("tls versions: {e}"));
    let builder = match client_root {
        None => builder.with_no_client_auth(),
        Some(root) => {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from(root.der().to_vec()))
                .unwrap_or_else(|e| panic!("client root: {e}"));
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap_or_else(|e| panic!("client verifier: {e}"));
            builder.with_client_cert_verifier(verifier)
        }
    };
    let server_config = builder
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap_or_else(|e| panic!("tls config: {e}"));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let addr = serve_raw(move |stream| {
        let acceptor = acceptor.clone();
        async move {
            // A client that refuses the certificate ends the handshake: nothing to serve.
            let Ok(mut tls) = acceptor.accept(stream).await else {
                return;
            };
            while read_request(&mut tls).await.is_some() {
                let body = br#"{"result":"0","resultCode":"0100000","resultDatas":[],"resultDesc":[]}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                if tls.write_all(head.as_bytes()).await.is_err()
                    || tls.write_all(body).await.is_err()
                {
                    return;
                }
            }
        }
    })
    .await;
    (addr, cert.pem())
}

#[tokio::test]
async fn an_untrusted_certificate_names_the_fix() {
    let (addr, _) = self_signed_tls_server().await;
    let client = client(config(&format!("https://{addr}")));
    let (exchange, took) = timed_send(&client).await;
    let failure = failure(&exchange);
    assert!(
        matches!(failure, TransportFailure::Protocol(m)
            if m.starts_with(&format!("TLS: certificate of {addr} not trusted ("))
            && m.ends_with("pass --cacert FILE with your CA, or --insecure for a server you trust")),
        "{failure:?}"
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn https_to_a_plain_http_port_suggests_http() {
    // Like a plain HTTP server given a TLS hello: it answers "400" without waiting.
    let addr = serve_raw(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
        let _ = stream.shutdown().await;
    })
    .await;
    let client = client(config(&format!("https://{addr}")));
    let (exchange, took) = timed_send(&client).await;
    let failure = failure(&exchange);
    assert!(
        matches!(failure, TransportFailure::Protocol(m)
            if m.starts_with(&format!("TLS handshake with {addr} failed: the server does not speak TLS on this port ("))
            && m.ends_with("try http:// in --target")),
        "{failure:?}"
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");
}

#[tokio::test]
async fn the_self_signed_server_is_accepted_with_insecure_or_cacert() {
    let (addr, cert_pem) = self_signed_tls_server().await;
    let base = format!("https://{addr}");

    let mut insecure = config(&base);
    insecure.insecure = true;
    let exchange = client(insecure).send(&request()).await;
    assert_eq!(answer(&exchange).status, 200, "--insecure");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, cert_pem).unwrap_or_else(|e| panic!("write: {e}"));
    let mut trusted = config(&base);
    trusted.cacert = Some(ca_file);
    let exchange = client(trusted).send(&request()).await;
    let received = answer(&exchange);
    assert_eq!(received.status, 200, "--cacert");
    assert!(received.body.starts_with(br#"{"result":"0""#));
}

#[tokio::test]
async fn a_server_demanding_a_client_certificate_gets_the_one_given() {
    let (client_key, client_cert) = self_signed("cmsconform.client");
    let (addr, server_pem) = tls_server(Some(&client_cert)).await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let ca_file = dir.path().join("server-ca.pem");
    std::fs::write(&ca_file, server_pem).unwrap_or_else(|e| panic!("write: {e}"));
    let identity = dir.path().join("client.pem");
    let pem = format!("{}{}", client_key.serialize_pem(), client_cert.pem());
    std::fs::write(&identity, pem).unwrap_or_else(|e| panic!("write: {e}"));
    let base = format!("https://{addr}");

    let mut without = config(&base);
    without.cacert = Some(ca_file.clone());
    let (exchange, took) = timed_send(&client(without)).await;
    let failure = failure(&exchange);
    assert!(
        matches!(failure, TransportFailure::Protocol(m)
            if m.starts_with(&format!("TLS: {addr} requires a client certificate ("))
            && m.ends_with("pass --client-cert FILE")),
        "{failure:?}"
    );
    assert!(took < TIMEOUT + MARGIN, "took {took:?}");

    let mut with = config(&base);
    with.cacert = Some(ca_file);
    with.client_cert = Some(identity);
    let exchange = client(with).send(&request()).await;
    assert_eq!(answer(&exchange).status, 200, "--client-cert");
}

#[test]
fn unusable_certificate_files_are_named() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let missing = dir.path().join("missing.pem");
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap_or_else(|e| panic!("write: {e}"));

    let mut with_missing_ca = config("https://127.0.0.1:1");
    with_missing_ca.cacert = Some(missing.clone());
    let mut with_bad_ca = config("https://127.0.0.1:1");
    with_bad_ca.cacert = Some(not_pem.clone());
    let mut with_bad_identity = config("https://127.0.0.1:1");
    with_bad_identity.client_cert = Some(not_pem.clone());

    // A usable client identity (key and certificate in one PEM file) is accepted.
    let (key, cert) = self_signed("client.example");
    let identity = dir.path().join("client.pem");
    std::fs::write(&identity, format!("{}{}", key.serialize_pem(), cert.pem()))
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut with_identity = config("https://127.0.0.1:1");
    with_identity.client_cert = Some(identity);
    assert!(Client::new(with_identity).is_ok());

    for (config, file, says) in [
        (
            with_missing_ca,
            &missing,
            "cannot read the CA bundle (--cacert)",
        ),
        (
            with_bad_ca,
            &not_pem,
            "no \"-----BEGIN CERTIFICATE-----\" block found",
        ),
        (
            with_bad_identity,
            &not_pem,
            "not a PEM private key and certificate",
        ),
    ] {
        match Client::new(config) {
            Err(ClientError::Certificate {
                file: named,
                message,
            }) => {
                assert_eq!(named, file.display().to_string());
                assert!(message.contains(says), "{message}");
            }
            other => panic!(
                "expected a certificate error for {}, got {other:?}",
                file.display()
            ),
        }
    }
}

#[test]
fn bad_targets_are_configuration_errors() {
    for target in [
        "ftp://127.0.0.1",
        "http://127.0.0.1:1/x?debug=1",
        "127.0.0.1:8080",
    ] {
        let result = Client::new(config(target));
        assert!(
            matches!(&result, Err(ClientError::BadUrl { url, .. }) if url == target),
            "{target}: {result:?}"
        );
    }
}

#[tokio::test]
async fn the_breaker_opens_after_k_failures_and_refuses_the_rest_at_once() {
    const K: u32 = 3;
    const SENDS: usize = 10;
    let addr = serve_raw(|mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    })
    .await;
    let mut config = config(&url(addr));
    config.timeout = Duration::from_millis(300);
    config.breaker = K;
    let bound = config.timeout * K + MARGIN;
    let client = client(config);

    let started = Instant::now();
    let mut exchanges = Vec::new();
    for _ in 0..K {
        exchanges.push(client.send(&request()).await);
    }
    assert!(client.breaker_open(), "open after {K} consecutive timeouts");
    // The rest go out concurrently through the shared client and are all refused at once.
    let again = request();
    let rest = futures_util::future::join_all((K as usize..SENDS).map(|_| client.send(&again)));
    exchanges.extend(rest.await);
    let took = started.elapsed();

    for exchange in &exchanges[..K as usize] {
        assert!(matches!(failure(exchange), TransportFailure::Timeout(_)));
    }
    let expected_prefix = format!(
        "circuit breaker opened after {K} consecutive answers that could not be judged (last: timed out: {addr} sent no answer"
    );
    for exchange in &exchanges[K as usize..] {
        assert!(
            matches!(failure(exchange), TransportFailure::NotSent(m) if m.starts_with(&expected_prefix)),
            "{:?}",
            exchange.response
        );
    }
    assert_eq!(
        client
            .breaker_reason()
            .as_deref()
            .map(|m| m.starts_with(&expected_prefix)),
        Some(true)
    );
    assert!(took < bound, "{SENDS} sends took {took:?}, bound {bound:?}");
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every `tracing` event of this test binary from now on, at TRACE. A global subscriber, not
/// a scoped one: tracing caches per-callsite interest across threads, so a scoped subscriber
/// misses events when other tests run in parallel. Capturing the other tests' logs too only
/// widens the audit.
fn captured_logs() -> Captured {
    static LOGS: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .unwrap_or_else(|e| panic!("tracing subscriber: {e}"));
        logs
    })
    .clone()
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

#[tokio::test]
async fn no_failure_message_or_log_line_carries_the_secret_or_a_signature() {
    let logs = captured_logs();

    let dead = {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        listener
            .local_addr()
            .unwrap_or_else(|e| panic!("addr: {e}"))
    };
    let garbage = canned_server(b"SK? no: garbage\r\n\r\n").await;
    let healthy = canned_server(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n").await;
    let stall = serve_raw(|mut stream| async move {
        if read_request(&mut stream).await.is_some() {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    })
    .await;
    let (tls, _) = self_signed_tls_server().await;

    let mut exchanges = Vec::new();
    for base in [
        url(dead),
        url(garbage),
        url(healthy),
        url(stall),
        format!("https://{tls}"),
    ] {
        let mut config = config(&base);
        config.timeout = Duration::from_millis(300);
        let client = client(config);
        assert!(!format!("{client:?}").contains(CANARY_SK));
        for auth in [AuthMode::Signed, AuthMode::BadSignature] {
            let mut request = request();
            request.auth = auth;
            exchanges.push(client.send(&request).await);
        }
    }

    let logged = logs.text();
    assert!(
        logged.contains("no answer"),
        "the client logs its failures: {logged}"
    );
    let failures: Vec<&TransportFailure> = exchanges
        .iter()
        .filter_map(|e| e.response.as_ref().err())
        .collect();
    assert_eq!(failures.len(), 8, "all but the two 401 answers fail");
    for exchange in &exchanges {
        let signature = exchange
            .request
            .header("authorization")
            .and_then(|value| value.rsplit('/').next())
            .unwrap_or_else(|| panic!("signed: {:?}", exchange.request.headers));
        assert!(!logged.contains(signature), "a signature reached the log");
        if let Err(failure) = &exchange.response {
            let text = format!("{failure:?} {}", message(failure));
            assert!(
                !text.contains(CANARY_SK) && !text.contains(signature),
                "{text}"
            );
        }
    }
    assert!(!logged.contains(CANARY_SK), "the SK reached the log");
}

/// Bodies that stress a JSON parser, each served as is.
fn pathological_bodies() -> Vec<Vec<u8>> {
    let depth = 200_000;
    let mut nested = vec![b'['; depth];
    nested.extend(std::iter::repeat_n(b']', depth));
    vec![
        nested,
        br#"{"result":"0","resultCode":"0100000","resultDesc":[{"agentId":1e400}]}"#.to_vec(),
        br#"{"resultDesc":[{"agentId":1031.5}]}"#.to_vec(),
        br#"{"resultCode":"0100000","resultCode":"0100002"}"#.to_vec(),
        b"{\"resultDesc\":\"\xff\xfe\xc3\x28 not utf-8\"}".to_vec(),
        b"\xef\xbb\xbf{\"result\":\"0\"}".to_vec(),
        b"{\"result\":\"0\x00\",\x00\"x\":1}".to_vec(),
    ]
}

#[tokio::test]
async fn pathological_json_bodies_arrive_byte_for_byte() {
    let bodies = Arc::new(pathological_bodies());
    let served = bodies.clone();
    let addr = serve_raw(move |mut stream| {
        let served = served.clone();
        async move {
            let Some(head) = read_request(&mut stream).await else {
                return;
            };
            // The request path names the body: GET /body/N.
            let index: usize = head
                .split_whitespace()
                .nth(1)
                .and_then(|path| path.strip_prefix("/body/"))
                .and_then(|n| n.parse().ok())
                .unwrap_or(usize::MAX);
            let Some(body) = served.get(index) else {
                return;
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body).await;
        }
    })
    .await;
    let client = client(config(&url(addr)));
    for (index, expected) in bodies.iter().enumerate() {
        let mut request = request();
        request.path = format!("/body/{index}");
        let exchange = client.send(&request).await;
        let received = answer(&exchange);
        assert_eq!(received.status, 200);
        assert!(!received.truncated);
        assert!(received.body == *expected, "body {index} was altered");
    }
}
