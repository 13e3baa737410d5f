//! Connections a server closes without notice (issue 23, item 2), against the independent
//! server (tests/common/cc_server): a load balancer closing idle kept-alive connections after
//! 100 ms, a server closing after every 5th answer without `Connection: close`, and one that
//! drops a reused connection just as a request arrives on it. A default run against each is
//! conformant with no failure, and the requests sent once more are counted in the console and
//! report.json; a request is never sent more than twice, and never twice after a fresh
//! connection's failure.

mod common;

use std::time::Duration;

use cmsconform::client::Client;

use common::cc_server::{self, ServerConfig};
use common::runtime;

fn with(config: impl FnOnce(&mut ServerConfig)) -> ServerConfig {
    let mut value = ServerConfig::default();
    config(&mut value);
    value
}

/// A default run against `server`: its exit code, stdout and report.json.
fn default_run(server: &cc_server::RunningServer) -> (common::binary::Ran, serde_json::Value) {
    let run = common::binary::run_target(&server.url(), &[]);
    let report = run
        .report
        .unwrap_or_else(|| panic!("no report.json: {}", run.ran));
    (run.ran, report)
}

/// Exit 0, no failed case, and the re-send count of report.json, the same in the console.
fn conformant_with_resends(ran: &common::binary::Ran, report: &serde_json::Value) -> u64 {
    assert_eq!(ran.code, Some(0), "{ran}");
    assert_eq!(report["meta"]["totals"]["failed"], 0, "{ran}");
    let resent = report["meta"]["resent_after_close"]
        .as_u64()
        .unwrap_or_else(|| panic!("no meta.resent_after_close: {}", report["meta"]));
    let line = "re-sent after the server closed an idle connection";
    if resent == 0 {
        assert!(!ran.stdout.contains(line), "{ran}");
    } else {
        let noun = if resent == 1 { "request" } else { "requests" };
        assert!(
            ran.stdout.contains(&format!("{resent} {noun} {line}")),
            "{ran}"
        );
    }
    resent
}

#[test]
fn a_load_balancer_closing_idle_connections_after_100ms_leaves_the_run_conformant() {
    let runtime = runtime();
    let idle = Some(Duration::from_millis(100));
    let server = cc_server::start(&runtime, with(|c| c.idle_close = idle));
    let (ran, report) = default_run(&server);
    conformant_with_resends(&ran, &report);
    let counts = server.stats.counts();
    assert!(counts.successes > 10, "{counts:?}");
}

#[test]
fn a_server_closing_after_every_5th_answer_leaves_the_run_conformant() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.close_every = Some(5)));
    let (ran, report) = default_run(&server);
    conformant_with_resends(&ran, &report);
    let counts = server.stats.counts();
    assert!(counts.every_n_closes > 10, "the knob closed: {counts:?}");
}

#[test]
fn every_request_dropped_on_a_reused_connection_is_sent_once_more_and_counted() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.drop_unread_after = Some(3)));
    let (ran, report) = default_run(&server);
    let resent = conformant_with_resends(&ran, &report);
    let counts = server.stats.counts();
    assert!(counts.dropped_unread > 5, "the knob dropped: {counts:?}");
    // Each dropped request was sent once more, and only those were.
    assert_eq!(resent, counts.dropped_unread as u64, "{counts:?}");
}

#[test]
fn a_fresh_connection_closed_before_an_answer_is_not_sent_again() {
    let runtime = runtime();
    let server = cc_server::start(&runtime, with(|c| c.drop_unread_after = Some(1)));
    let mut config = cmsconform::client::ClientConfig::new(
        server.url(),
        cmsconform::auth::Credentials::local_default(),
    );
    config.breaker = 0;
    let client = Client::new(config).unwrap_or_else(|e| panic!("client: {e}"));
    let request = common::signed_request();
    runtime.block_on(async {
        let first = client.send(&request).await;
        assert!(first.response.is_ok(), "{:?}", first.response);
        // The next request reuses the connection, which the server drops: sent once more on a
        // fresh connection, whose first answer comes back.
        let second = client.send(&request).await;
        assert!(second.response.is_ok(), "{:?}", second.response);
    });
    assert_eq!(client.resent_after_close(), 1);
    assert_eq!(server.stats.counts().dropped_unread, 1);

    // A server that closes every fresh connection unanswered: never sent twice.
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap_or_else(|e| panic!("bind: {e}"));
    let address = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("addr: {e}"));
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&accepted);
    runtime.spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    let mut config = cmsconform::client::ClientConfig::new(
        format!("http://{address}"),
        cmsconform::auth::Credentials::local_default(),
    );
    config.breaker = 0;
    let client = Client::new(config).unwrap_or_else(|e| panic!("client: {e}"));
    let exchange = runtime.block_on(client.send(&request));
    assert!(exchange.response.is_err(), "{:?}", exchange.response);
    assert_eq!(client.resent_after_close(), 0);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}
