//! Throughput of the reference mock over loopback (signed 1-agent and 6000-agent requests),
//! against a bare axum handler answering the same precomputed bytes: the ceiling that shows how
//! much the mock's own work (auth-v2, validation, the fleet, serialization) costs.

use std::time::Duration;

use cmsconform::auth::{self, Credentials, SigningInput};
use cmsconform::contract::Contract;
use cmsconform::mock::{self, MockConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

struct Signed {
    url: String,
    authorization: String,
    body: Vec<u8>,
}

fn signed(base: &str, path: &str, host: &str, body: Vec<u8>) -> Signed {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let headers = [("host", host)];
    let authorization = auth::authorization(
        &Credentials::local_default(),
        &auth::format_timestamp(now),
        &SigningInput {
            method: "POST",
            path,
            query: None,
            headers: &headers,
            body: &body,
        },
    );
    Signed {
        url: format!("{base}{path}"),
        authorization,
        body,
    }
}

async fn post(client: &reqwest::Client, request: &Signed) -> usize {
    let response = client
        .post(&request.url)
        .header("content-type", "application/json;charset=UTF-8")
        .header("authorization", &request.authorization)
        .body(request.body.clone())
        .send()
        .await
        .expect("mock answers");
    assert!(response.status().is_success());
    response.bytes().await.expect("body").len()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let contract = Contract::embedded("2023-12").expect("contract");
    let path = contract.profile().path.clone();
    let max = contract.profile().limits.agent_ids.max_items;
    let first = contract.profile().limits.agent_ids.ranges[0].min;
    let running = runtime
        .block_on(mock::spawn(MockConfig::new(contract), "127.0.0.1:0"))
        .expect("mock");
    let base = running.base_url();
    let host = running.addr.to_string();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    let one = signed(
        &base,
        &path,
        &host,
        br#"{"ccId":1,"vdn":170,"agentIds":[1031]}"#.to_vec(),
    );
    let ids: Vec<i64> = (first..first + max as i64).collect();
    let all = serde_json::json!({"ccId": 1, "vdn": 170, "agentIds": ids}).to_string();
    let many = signed(&base, &path, &host, all.into_bytes());

    // The bare handler answers the mock's own 6000-agent bytes.
    let precomputed = runtime.block_on(async {
        let response = client
            .post(&many.url)
            .header("content-type", "application/json;charset=UTF-8")
            .header("authorization", &many.authorization)
            .body(many.body.clone())
            .send()
            .await
            .expect("mock answers");
        response.bytes().await.expect("body")
    });
    let bare_addr = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let bytes = precomputed.clone();
        let app = axum::Router::new().fallback(move || {
            let bytes = bytes.clone();
            async move { ([("content-type", "application/json;charset=UTF-8")], bytes) }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });
    let bare = Signed {
        url: format!("http://{bare_addr}{path}"),
        authorization: String::new(),
        body: many.body.clone(),
    };

    let mut group = c.benchmark_group("mock");
    group.throughput(Throughput::Elements(1));
    group.bench_function("mock 1 agent", |b| {
        b.iter(|| runtime.block_on(post(&client, &one)))
    });
    group.bench_function("mock 6000 agents", |b| {
        b.iter(|| runtime.block_on(post(&client, &many)))
    });
    group.bench_function("bare axum 6000 agents (precomputed)", |b| {
        b.iter(|| runtime.block_on(post(&client, &bare)))
    });
    group.finish();
    drop(running);
}

criterion_group!(benches, bench);
criterion_main!(benches);
