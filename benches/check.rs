//! Speed of `judge` on a 6000-agent success answer (~2.3 MB), side by side with plain
//! `serde_json::from_slice::<Value>` on the same bytes. Goal (issue 2): judge <= 3x the parse.

use cmsconform::checks::{CheckOptions, Expectation, Outcome, judge, sample};
use cmsconform::contract::Contract;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde_json::{Value, json};

const NOW_MS: i64 = 1_780_000_000_000;

fn bench(c: &mut Criterion) {
    let contract = Contract::embedded("2023-12").expect("embedded profile");
    let profile = contract.profile();
    let ids = sample::agent_ids(profile, profile.limits.agent_ids.max_items);
    let request = serde_json::to_vec(&json!({"ccId": 1, "vdn": 170, "agentIds": ids})).unwrap();
    let body = serde_json::to_vec(&sample::success_body(profile, &ids, NOW_MS)).unwrap();
    let exchange = cmsconform::checks::command::captured_exchange(
        &contract,
        request,
        200,
        "application/json;charset=UTF-8",
        body.clone(),
        NOW_MS,
    );
    let expect = Expectation::One(Outcome::Accepted);
    let options = CheckOptions {
        now_ms: Some(NOW_MS),
        clock_skew_ms: profile.logon_time.default_clock_skew_ms,
    };
    let found = judge(&contract, &exchange, &expect, &options);
    assert!(
        found.is_empty(),
        "the bench answer must be conformant: {found:?}"
    );
    eprintln!("answer: {} agents, {} bytes", ids.len(), body.len());

    let mut group = c.benchmark_group("6000-agent success");
    group.sample_size(20);
    group.bench_function("serde_json::from_slice", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).unwrap())
    });
    group.bench_function("judge", |b| {
        b.iter(|| judge(&contract, black_box(&exchange), &expect, &options))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
