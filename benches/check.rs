//! Speed of `judge` on a 6000-agent success answer (~2.3 MB), side by side with plain
//! `serde_json::from_slice::<Value>` on the same bytes. Goal (issue 2): judge <= 3x the parse.
//! And the same on the seed request's two-agent answer, the judging every small case of a run
//! pays (issue 4: the harness's rate against oha's is bound by its CPU per request).

use cmsconform::cases::{Expectation, Outcome};
use cmsconform::checks::{CheckOptions, judge, sample};
use cmsconform::contract::Contract;
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use serde_json::{Value, json};

const NOW_MS: i64 = 1_780_000_000_000;

fn bench(c: &mut Criterion) {
    let contract = Contract::embedded("2023-12").expect("embedded profile");
    let profile = contract.profile();
    for (group, ids) in [
        ("the seed request's answer", vec![1031, 1099]),
        (
            "6000-agent success",
            sample::agent_ids(profile, profile.limits.agent_ids.max_items),
        ),
    ] {
        bench_answer(c, &contract, group, &ids);
    }
}

fn bench_answer(c: &mut Criterion, contract: &Contract, group: &str, ids: &[i64]) {
    let profile = contract.profile();
    let request = serde_json::to_vec(&json!({"ccId": 1, "vdn": 170, "agentIds": ids})).unwrap();
    let body = serde_json::to_vec(&sample::success_body(profile, ids, NOW_MS)).unwrap();
    let exchange = cmsconform::checks::captured::captured_exchange(
        contract,
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
        home: None,
    };
    let found = judge(contract, &exchange, &expect, &options);
    assert!(
        found.is_empty(),
        "the bench answer must be conformant: {found:?}"
    );
    eprintln!("answer: {} agents, {} bytes", ids.len(), body.len());

    let mut group = c.benchmark_group(group);
    group.sample_size(if ids.len() > 100 { 20 } else { 100 });
    group.bench_function("serde_json::from_slice", |b| {
        b.iter(|| serde_json::from_slice::<Value>(black_box(&body)).unwrap())
    });
    group.bench_function("parse_strict", |b| {
        b.iter(|| cmsconform::checks::json::parse_strict(black_box(&body)))
    });
    group.bench_function("judge", |b| {
        b.iter(|| judge(contract, black_box(&exchange), &expect, &options))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
