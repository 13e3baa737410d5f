//! The consistency relations and the limit discovery against in-process servers: a fake that
//! answers like CC-CMS on a virtual clock (so durations tick exactly as a live server's do,
//! without sleeping) and commits one deviation at a time; then the reference mock on port 0,
//! over HTTP with the real client, committing each multi-exchange mutation of its catalogue.

use std::collections::BTreeMap;
use std::sync::Mutex;

use cmsconform::clock::now_ms as system_now_ms;
use cmsconform::consistency::{self, ConsistencyConfig, Sender};
use cmsconform::contract::{Contract, DataSource};
use cmsconform::exchange::{Exchange, Received, SentRequest};
use cmsconform::redact::Redactor;
use cmsconform::report::{RelationRecord, Verdict};
use serde_json::{Value, json};

/// The one deviation a fake server commits.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Deviation {
    None,
    /// A record depends on the agent's position in the request.
    OrderDependent,
    /// In batches of more than N IDs every agent's state is shifted.
    SizeDependent(usize),
    /// Only agents among the first N IDs asked are answered.
    TruncateAbove(usize),
    /// About one agent in 40 is left out of each answer.
    IntermittentlyMissing,
    /// Duplicated IDs shift the agent's record.
    DuplicateSensitive,
    /// Duplicated IDs are answered as many times as asked.
    AnswersDuplicates,
    /// One agent changes state, once, from the request with this number on.
    StateChangeAt(u64),
    /// Enforces these limits instead of the contract's: (ccId max, vdn min, maxItems).
    Limits {
        cc_max: i64,
        vdn_min: i64,
        max_items: usize,
    },
}

const FLIPPING_AGENT: i64 = 1031;
const START_MS: i64 = 1_700_000_000_000;

struct FakeServer {
    contract: Contract,
    deviation: Deviation,
    /// The instant the agents' durations count from.
    epoch_ms: i64,
    /// Requests answered, the virtual clock (ms), and when the flipping agent flipped.
    state: Mutex<(u64, i64, Option<i64>)>,
    /// Read the system clock instead of the virtual one (which steps 700 ms per request).
    real_clock: bool,
}

impl FakeServer {
    fn new(deviation: Deviation) -> Self {
        FakeServer {
            contract: Contract::embedded("2023-12").unwrap(),
            deviation,
            epoch_ms: START_MS,
            state: Mutex::new((0, START_MS, None)),
            real_clock: false,
        }
    }

    fn on_real_clock(deviation: Deviation) -> Self {
        let now = system_now_ms();
        FakeServer {
            // A server counts whole seconds from some instant of its own.
            epoch_ms: now - now % 1000 - 40_300,
            real_clock: true,
            ..FakeServer::new(deviation)
        }
    }

    fn requests(&self) -> u64 {
        self.state.lock().unwrap().0
    }

    fn exists(id: i64) -> bool {
        id % 7 == 3 || id == FLIPPING_AGENT
    }

    fn record(&self, id: i64, now_ms: i64, flipped_at: Option<i64>) -> Value {
        let mut state = id % 11;
        let mut state_time = (id * 37) % 5000 + (now_ms - self.epoch_ms) / 1000;
        if let Some(flipped_at) = flipped_at.filter(|_| id == FLIPPING_AGENT) {
            state = (id % 11 + 1) % 11;
            state_time = (now_ms - flipped_at) / 1000;
        }
        let logon = if state == 0 {
            4_294_967_295_000i64
        } else {
            START_MS - 3_600_000
        };
        json!({"agentId": id, "locationId": 1, "currentStateReason": 65535, "prevState": 1,
               "prevStateTime": id % 1000, "currentState": state, "currentStateTime": state_time,
               "logonTime": logon, "agentRelease": 3, "currentPrivateCallNum": 0})
    }

    fn answer(
        &self,
        body: &Value,
        now_ms: i64,
        request_number: u64,
        flipped_at: Option<i64>,
    ) -> Value {
        let rejected = json!({"resultCode": "0100002", "resultDesc": "Invalid parameter"});
        let limits = &self.contract.profile().limits;
        let (mut cc, mut vdn, mut max_items) =
            (limits.cc_id, limits.vdn, limits.agent_ids.max_items);
        if let Deviation::Limits {
            cc_max,
            vdn_min,
            max_items: items,
        } = self.deviation
        {
            cc.max = cc_max;
            vdn.min = vdn_min;
            max_items = items;
        }
        let int = |name: &str| body.get(name).and_then(Value::as_i64);
        let Some(ids) = body.get("agentIds").and_then(Value::as_array) else {
            return rejected;
        };
        let ids: Vec<i64> = ids.iter().filter_map(Value::as_i64).collect();
        let valid = int("ccId").is_some_and(|c| cc.contains(c))
            && int("vdn").is_some_and(|v| vdn.contains(v))
            && ids.len() <= max_items
            && ids.iter().all(|id| limits.agent_ids.contains(*id));
        if !valid {
            return rejected;
        }
        let mut counts = BTreeMap::new();
        for id in &ids {
            *counts.entry(*id).or_insert(0i64) += 1;
        }
        let mut agents = Vec::new();
        let mut answered = BTreeMap::new();
        for (position, id) in ids.iter().enumerate() {
            if !Self::exists(*id) {
                continue;
            }
            let seen = answered.entry(*id).or_insert(0);
            *seen += 1;
            if *seen > 1 && self.deviation != Deviation::AnswersDuplicates {
                continue;
            }
            match self.deviation {
                Deviation::TruncateAbove(n) if position >= n => continue,
                Deviation::IntermittentlyMissing
                    if (id.wrapping_mul(2_654_435_761) ^ (request_number as i64 * 40_503)) % 40
                        == 0 =>
                {
                    continue;
                }
                _ => {}
            }
            let mut record = self.record(*id, now_ms, flipped_at);
            match self.deviation {
                Deviation::OrderDependent => {
                    record["currentStateTime"] = json!(
                        record["currentStateTime"].as_i64().unwrap() + (position as i64 % 50) * 10
                    )
                }
                Deviation::DuplicateSensitive => record["locationId"] = json!(counts[id]),
                Deviation::SizeDependent(n) if ids.len() > n => {
                    record["currentState"] =
                        json!((record["currentState"].as_i64().unwrap() + 1) % 11)
                }
                _ => {}
            }
            agents.push(record);
        }
        json!({"result": "0", "resultCode": "0100000", "resultDatas": agents.clone(), "resultDesc": agents})
    }
}

impl Sender for FakeServer {
    fn send(&self, body: Value) -> impl Future<Output = Exchange> + Send {
        let (number, sent_at_ms, flipped_at) = {
            let mut state = self.state.lock().unwrap();
            state.0 += 1;
            let sent = if self.real_clock {
                system_now_ms()
            } else {
                state.1
            };
            state.1 = sent + 700;
            if self.deviation == Deviation::StateChangeAt(state.0) {
                state.2 = Some(sent);
            }
            (state.0, sent, state.2)
        };
        // The server takes its snapshot 20 ms after the request leaves; the answer ends at 60 ms.
        let snapshot_ms = if self.real_clock {
            system_now_ms()
        } else {
            sent_at_ms + 20
        };
        let answer = self.answer(&body, snapshot_ms, number, flipped_at);
        let received_at_ms = if self.real_clock {
            system_now_ms()
        } else {
            sent_at_ms + 60
        };
        let request = SentRequest {
            headers: vec![(
                "content-type".into(),
                "application/json; charset=UTF-8".into(),
            )],
            ..SentRequest::post(
                "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids",
                body.to_string(),
            )
        };
        let response = Received {
            headers: vec![("content-type".into(), "application/json".into())],
            ..Received::new(200, answer.to_string())
        };
        let exchange = Exchange::new(request, Ok(response), sent_at_ms, received_at_ms);
        async move { exchange }
    }
}

/// Each outcome recorded as a run's report would record it.
fn recorded<'a>(
    base_url: &'a str,
    redactor: &'a Redactor,
) -> impl Fn(consistency::RelationOutcome) -> RelationRecord + Sync + 'a {
    move |outcome| RelationRecord::from_outcome(outcome, base_url, redactor)
}

fn config(budget: u32) -> ConsistencyConfig {
    let mut config = ConsistencyConfig::from_seed_example(&DataSource::cases()).unwrap();
    config.discovery_budget = budget;
    config.seed = 7;
    config
}

async fn relations(deviation: Deviation) -> (Vec<RelationRecord>, FakeServer) {
    relations_with(FakeServer::new(deviation)).await
}

async fn relations_with(server: FakeServer) -> (Vec<RelationRecord>, FakeServer) {
    let contract = server.contract.clone();
    let records = consistency::run_relations(
        &contract,
        &server,
        &config(0),
        recorded("http://fake", &Redactor::new()),
    )
    .await;
    (records, server)
}

fn failed(records: &[RelationRecord]) -> Vec<(&str, Vec<&str>)> {
    records
        .iter()
        .filter(|r| r.verdict == Verdict::Failed)
        .map(|r| {
            (
                r.relation.as_str(),
                r.violations
                    .iter()
                    .map(|v| v.check.as_str())
                    .collect::<Vec<_>>(),
            )
        })
        .map(|(name, mut checks)| {
            checks.dedup();
            (name, checks)
        })
        .collect()
}

fn failed_names(records: &[RelationRecord]) -> Vec<&str> {
    failed(records).into_iter().map(|(name, _)| name).collect()
}

fn relation<'a>(records: &'a [RelationRecord], name: &str) -> &'a RelationRecord {
    records.iter().find(|r| r.relation == name).unwrap()
}

#[tokio::test]
async fn a_clean_server_passes_every_relation() {
    let (records, server) = relations(Deviation::None).await;
    let names: Vec<&str> = records.iter().map(|r| r.relation.as_str()).collect();
    assert_eq!(
        names,
        [
            "repetition",
            "permutation",
            "sub-batch::tail",
            "sub-batch::head",
            "sub-batch::single",
            "duplication"
        ]
    );
    for record in &records {
        assert_eq!(record.verdict, Verdict::Passed, "{record:#?}");
        assert_eq!(
            record.exchanges.len(),
            2,
            "nothing to re-ask: {}",
            record.relation
        );
    }
    assert!(relation(&records, "repetition").findings[0].contains("agents compared"));
    assert_eq!(server.requests(), 8);
}

#[tokio::test]
async fn a_clean_server_on_the_real_clock_passes_and_so_does_a_flip() {
    let (records, _) = relations_with(FakeServer::on_real_clock(Deviation::None)).await;
    assert!(
        records.iter().all(|r| r.verdict == Verdict::Passed),
        "{records:#?}"
    );
    let (records, _) = relations_with(FakeServer::on_real_clock(Deviation::StateChangeAt(3))).await;
    assert!(failed(&records).is_empty(), "{records:#?}");
}

#[tokio::test]
async fn one_state_change_between_requests_is_not_reported() {
    // Request 2 is the repetition's second half: the agent flips between the pair.
    let (records, _) = relations(Deviation::StateChangeAt(2)).await;
    assert!(failed(&records).is_empty(), "{records:#?}");
    let repetition = relation(&records, "repetition");
    assert_eq!(repetition.exchanges.len(), 4, "the flip was re-asked");
    assert!(
        repetition
            .findings
            .iter()
            .any(|f| f.contains("0 of 1 suspect")),
        "{:?}",
        repetition.findings
    );
}

#[tokio::test]
async fn an_order_dependent_server_fails_permutation_and_sub_batches() {
    let (records, _) = relations(Deviation::OrderDependent).await;
    let failed = failed(&records);
    assert!(
        failed.contains(&("permutation", vec!["CMS-REL-002"])),
        "{failed:?}"
    );
    assert!(
        failed.contains(&("sub-batch::tail", vec!["CMS-REL-001"])),
        "{failed:?}"
    );
    let violation = &relation(&records, "permutation").violations[0];
    assert!(
        violation.pointer.starts_with("#0/resultDesc/")
            && violation.pointer.contains(" vs #1/resultDesc/")
    );
    assert!(violation.message.contains("re-asked (#2 vs #3)"));
}

#[tokio::test]
async fn a_size_dependent_server_fails_the_sub_batches_even_below_their_size() {
    let (records, _) = relations(Deviation::SizeDependent(50)).await;
    let failed = failed(&records);
    for name in ["sub-batch::tail", "sub-batch::head", "sub-batch::single"] {
        assert!(
            failed.contains(&(name, vec!["CMS-REL-001"])),
            "{name}: {failed:?}"
        );
    }
    let (records, _) = relations(Deviation::SizeDependent(2)).await;
    assert!(
        failed_names(&records).contains(&"sub-batch::single"),
        "{records:#?}"
    );
}

#[tokio::test]
async fn a_truncating_server_fails_the_tail_sub_batch() {
    let (records, _) = relations(Deviation::TruncateAbove(1000)).await;
    let failed = failed(&records);
    assert!(
        failed.contains(&("sub-batch::tail", vec!["CMS-REL-001"])),
        "{failed:?}"
    );
    assert!(
        failed.contains(&("permutation", vec!["CMS-REL-002"])),
        "{failed:?}"
    );
    let tail = relation(&records, "sub-batch::tail");
    assert!(
        tail.violations[0].message.contains("missing from #0"),
        "{:?}",
        tail.violations[0]
    );
    // A head sub-batch lies within the truncated batch: nothing to see there.
    assert_eq!(
        relation(&records, "sub-batch::head").verdict,
        Verdict::Passed
    );
}

#[tokio::test]
async fn an_intermittently_missing_server_fails_repetition() {
    let (records, _) = relations(Deviation::IntermittentlyMissing).await;
    let failed = failed(&records);
    assert!(
        failed.contains(&("repetition", vec!["CMS-REL-005"])),
        "{failed:?}"
    );
    let repetition = relation(&records, "repetition");
    assert!(repetition.violations.len() <= cmsconform::report::MAX_LISTED_VIOLATIONS);
}

#[tokio::test]
async fn duplicate_sensitive_servers_fail_duplication() {
    let (records, _) = relations(Deviation::DuplicateSensitive).await;
    assert_eq!(failed(&records), [("duplication", vec!["CMS-REL-003"])]);
    let (records, _) = relations(Deviation::AnswersDuplicates).await;
    assert_eq!(failed(&records), [("duplication", vec!["CMS-REL-004"])]);
}

async fn discover(deviation: Deviation, budget: u32) -> (Vec<RelationRecord>, u64) {
    let server = FakeServer::new(deviation);
    let contract = server.contract.clone();
    let records = consistency::discover_limits(
        &contract,
        &server,
        &config(budget),
        recorded("http://fake", &Redactor::new()),
    )
    .await;
    (records, server.requests())
}

fn findings(records: &[RelationRecord]) -> Vec<String> {
    records.iter().flat_map(|r| r.findings.clone()).collect()
}

#[tokio::test]
async fn discovery_confirms_documented_limits_cheaply() {
    let (records, sent) = discover(Deviation::None, 64).await;
    assert!(
        records.iter().all(|r| r.verdict == Verdict::Passed),
        "{:#?}",
        findings(&records)
    );
    // Baseline, then each bound and its neighbour minus what the baseline already showed.
    assert!(sent <= 14, "{sent} requests");
    assert!(
        findings(&records)
            .contains(&"documented max ccId 65535: enforced as documented".to_owned())
    );
}

#[tokio::test]
async fn discovery_finds_the_exact_off_by_one_limits() {
    let limits = Deviation::Limits {
        cc_max: 65534,
        vdn_min: 0,
        max_items: 6001,
    };
    let (records, sent) = discover(limits, 64).await;
    let found = findings(&records);
    assert!(
        found.contains(
            &"documented max ccId 65535; server rejects from 65535 (enforces max 65534)".to_owned()
        ),
        "{found:#?}"
    );
    assert!(
        found.contains(
            &"documented min vdn 1; server accepts down to 0 (rejects -1 and below)".to_owned()
        ),
        "{found:#?}"
    );
    assert!(
        found.contains(
            &"documented max 6000 items; server accepts up to 6001 (rejects from 6002)".to_owned()
        ),
        "{found:#?}"
    );
    assert!(sent <= 20, "{sent} requests");
    let cc = records
        .iter()
        .find(|r| r.relation == "discovery::ccId")
        .unwrap();
    assert_eq!(cc.verdict, Verdict::Failed);
    assert_eq!(cc.violations[0].check, "CMS-REL-006");
}

#[tokio::test]
async fn discovery_bisects_a_far_limit_within_its_budget() {
    let (records, sent) = discover(
        Deviation::Limits {
            cc_max: 65535,
            vdn_min: 1,
            max_items: 8191,
        },
        64,
    )
    .await;
    assert!(sent <= 64);
    assert!(
        findings(&records).contains(
            &"documented max 6000 items; server accepts up to 8191 (rejects from 8192)".to_owned()
        ),
        "{:#?}",
        findings(&records)
    );
    // A budget too small to settle it says so instead of guessing.
    let (records, sent) = discover(
        Deviation::Limits {
            cc_max: 65535,
            vdn_min: 1,
            max_items: 8191,
        },
        16,
    )
    .await;
    assert_eq!(sent, 16);
    assert!(
        findings(&records)
            .iter()
            .any(|f| f.contains("6000 items") && f.contains("budget spent")),
        "{:#?}",
        findings(&records)
    );
    // Off means off.
    assert_eq!(discover(Deviation::None, 0).await, (Vec::new(), 0));
}

// ---------------------------------------------------------------------------------------------
// Against the reference mock, over HTTP with the real client: each multi-exchange mutation of
// the mock's catalogue is selected per request with the fault header.

mod against_the_mock {
    use super::recorded;
    use cmsconform::auth::Credentials;
    use cmsconform::client::{Client, ClientConfig};
    use cmsconform::consistency::{self, ClientSender, ConsistencyConfig};
    use cmsconform::contract::{Contract, DataSource};
    use cmsconform::mock::{self, FAULT_HEADER, MockConfig};
    use cmsconform::redact::Redactor;
    use cmsconform::report::{RelationRecord, Verdict};

    /// A client with a deadline generous enough for a debug-built mock on a busy machine: a
    /// probe that times out is inconclusive and would hide the finding under test.
    fn client_config(running: &mock::RunningMock) -> ClientConfig {
        let mut config = ClientConfig::new(running.base_url(), Credentials::local_default());
        config.timeout = std::time::Duration::from_secs(120);
        config
    }

    /// Relations (and discovery, with `budget`) against a fresh mock committing `fault`.
    async fn run(fault: Option<&str>, budget: u32) -> Vec<RelationRecord> {
        let contract = Contract::embedded("2023-12").unwrap();
        let running = mock::spawn(MockConfig::new(contract.clone()), "127.0.0.1:0")
            .await
            .unwrap();
        let client = Client::new(client_config(&running)).unwrap();
        let mut sender = ClientSender::new(&client, contract.profile().path.clone());
        if let Some(fault) = fault {
            sender = sender.with_header(FAULT_HEADER, fault);
        }
        let mut config = ConsistencyConfig::from_seed_example(&DataSource::cases()).unwrap();
        config.discovery_budget = budget;
        // The clean run uses the contract's full batch; the mutations show at a third of it.
        if fault.is_some() {
            config.batch_size = Some(2000);
        }
        let redactor = Redactor::new().with(Credentials::local_default().sk.expose());
        consistency::run_all(
            &contract,
            &sender,
            &config,
            recorded(&running.base_url(), &redactor),
        )
        .await
    }

    fn failed(records: &[RelationRecord]) -> Vec<(String, String)> {
        records
            .iter()
            .filter(|r| r.verdict == Verdict::Failed)
            .flat_map(|r| {
                r.violations
                    .iter()
                    .map(|v| (r.relation.clone(), v.check.clone()))
            })
            .collect()
    }

    fn fails(records: &[RelationRecord], relation: &str, check: &str) -> bool {
        failed(records).contains(&(relation.to_owned(), check.to_owned()))
    }

    #[tokio::test]
    async fn the_clean_mock_passes_every_relation_and_limit() {
        let records = run(None, 64).await;
        assert!(failed(&records).is_empty(), "{:#?}", failed(&records));
        for record in &records {
            assert_eq!(record.verdict, Verdict::Passed, "{record:#?}");
        }
        let relations: Vec<&str> = records.iter().map(|r| r.relation.as_str()).collect();
        assert!(
            relations.contains(&"discovery::agentIds.length"),
            "{relations:?}"
        );
        let batch = &records[0].exchanges[0];
        assert!(
            batch
                .0
                .headers
                .iter()
                .all(|(n, v)| n != "authorization" || v.ends_with("/***"))
        );
    }

    #[tokio::test]
    async fn batch_and_order_dependence_fail_sub_batch_and_permutation() {
        let records = run(Some("batch-dependent"), 0).await;
        assert!(
            fails(&records, "sub-batch::tail", "CMS-REL-001"),
            "{:#?}",
            failed(&records)
        );
        assert!(fails(&records, "sub-batch::single", "CMS-REL-001"));
        let records = run(Some("order-dependent"), 0).await;
        assert!(
            fails(&records, "permutation", "CMS-REL-002"),
            "{:#?}",
            failed(&records)
        );
    }

    #[tokio::test]
    async fn truncation_fails_the_tail_sub_batch() {
        let records = run(Some("truncate-above=1000"), 0).await;
        assert!(
            fails(&records, "sub-batch::tail", "CMS-REL-001"),
            "{:#?}",
            failed(&records)
        );
        assert!(!fails(&records, "repetition", "CMS-REL-005"));
    }

    #[tokio::test]
    async fn unstable_answers_fail_repetition() {
        for fault in [
            "intermittent-missing",
            "unstable-state",
            "shrinking-duration",
        ] {
            let records = run(Some(fault), 0).await;
            assert!(
                fails(&records, "repetition", "CMS-REL-005"),
                "{fault}: {:#?}",
                failed(&records)
            );
        }
    }

    /// Discovery alone against a fresh mock committing `fault`.
    async fn discover(fault: &str) -> Vec<String> {
        let contract = Contract::embedded("2023-12").unwrap();
        let running = mock::spawn(MockConfig::new(contract.clone()), "127.0.0.1:0")
            .await
            .unwrap();
        let client = Client::new(client_config(&running)).unwrap();
        let sender = ClientSender::new(&client, contract.profile().path.clone())
            .with_header(FAULT_HEADER, fault);
        let mut config = ConsistencyConfig::from_seed_example(&DataSource::cases()).unwrap();
        config.discovery_budget = 32;
        let records = consistency::discover_limits(
            &contract,
            &sender,
            &config,
            recorded(&running.base_url(), &Redactor::new()),
        )
        .await;
        assert_eq!(
            failed(&records).len(),
            1,
            "{fault}: {:#?}",
            failed(&records)
        );
        records.into_iter().flat_map(|r| r.findings).collect()
    }

    #[tokio::test]
    async fn discovery_finds_every_off_by_one_limit_of_the_mock() {
        let cases = [
            (
                "ccid-rejects-max",
                "documented max ccId 65535; server rejects from 65535 (enforces max 65534)",
            ),
            (
                "ccid-accepts-above-max",
                "documented max ccId 65535; server accepts up to 65536 (rejects from 65537)",
            ),
            (
                "ccid-rejects-min",
                "documented min ccId 1; server rejects up to 1 (enforces min 2)",
            ),
            (
                "ccid-accepts-below-min",
                "documented min ccId 1; server accepts down to 0 (rejects -1 and below)",
            ),
            (
                "vdn-rejects-max",
                "documented max vdn 5000; server rejects from 5000 (enforces max 4999)",
            ),
            (
                "vdn-accepts-above-max",
                "documented max vdn 5000; server accepts up to 5001 (rejects from 5002)",
            ),
            (
                "vdn-rejects-min",
                "documented min vdn 1; server rejects up to 1 (enforces min 2)",
            ),
            (
                "vdn-accepts-below-min",
                "documented min vdn 1; server accepts down to 0 (rejects -1 and below)",
            ),
            (
                "agentids-accepts-above-max-items",
                "documented max 6000 items; server accepts up to 6001 (rejects from 6002)",
            ),
            (
                "agentids-rejects-max-items",
                "documented max 6000 items; server rejects from 6000 (enforces max 5999)",
            ),
            (
                "agentid-rejects-min",
                "documented min agent ID 101; server rejects up to 101 (enforces min 102)",
            ),
            (
                "agentid-accepts-below-min",
                "documented min agent ID 101; server accepts down to 100 (rejects 99 and below)",
            ),
            (
                "agentid-rejects-max",
                "documented max agent ID 59999; server rejects from 59999 (enforces max 59998)",
            ),
            (
                "agentid-accepts-above-max",
                "documented max agent ID 59999; server accepts up to 60000 (rejects from 60001)",
            ),
        ];
        for (fault, finding) in cases {
            let found = discover(fault).await;
            assert!(found.iter().any(|f| f == finding), "{fault}: {found:#?}");
        }
    }
}
