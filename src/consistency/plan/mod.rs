//! The relation plan and its driver: builds every request from the contract (the largest batch
//! the profile allows, drawn from its agent-ID ranges), sends them in a fixed order through a
//! [`Sender`], compares pairs with [`relations::compare`], re-asks both requests of a pair
//! before confirming any suspect, and settles each relation as a [`RelationOutcome`].

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::answer::{self, AgentId};
use super::outcome::{Judgement, RelationOutcome};
use super::relations::{self, Comparison, Side, SuspectKind, agents};
use super::{ConsistencyConfig, Sender};
use crate::checks::CheckDef;
use crate::contract::Contract;
use crate::exchange::Exchange;
use crate::splitmix::SplitMix64;

mod ids;

pub use ids::{aimed_block, block};
use ids::{pick, spread};

/// Times the batch is halved when the server does not answer it as a success.
const BATCH_RETRIES: usize = 3;

/// The relations [`run_relations`] settles, by record name, in the order it sends them.
pub const RELATION_NAMES: [&str; 6] = [
    "repetition",
    "permutation",
    "sub-batch::tail",
    "sub-batch::head",
    "sub-batch::single",
    "duplication",
];

/// Runs the relations (repetition, permutation, sub-batch tail, head and single, duplication)
/// that `config` wants ([`ConsistencyConfig::wants`]) against the target and returns what
/// `keep` made of each outcome. Sends the batch and, for each relation wanted, its other
/// request (duplication: its two), 8 requests for all six; plus 2 per relation with a suspect
/// to re-ask. Nothing wanted, nothing sent.
pub async fn run_relations<S: Sender, R>(
    contract: &Contract,
    sender: &S,
    config: &ConsistencyConfig,
    keep: impl Fn(RelationOutcome) -> R + Sync,
) -> Vec<R> {
    if !RELATION_NAMES.iter().any(|name| config.wants(name)) {
        return Vec::new();
    }
    let limits = &contract.profile().limits.agent_ids;
    let body = |ids: &[AgentId]| json!({"ccId": config.cc_id, "vdn": config.vdn, "agentIds": ids});
    // Sent only for a relation that is wanted; the bodies are drawn alike either way, so one
    // relation rerun alone asks what it asked in the whole run.
    let send_if = |name: &'static str, ids: Vec<AgentId>| async move {
        let exchange = match config.wants(name) {
            true => Some(sender.send(body(&ids)).await),
            false => None,
        };
        (ids, exchange)
    };
    let mut shuffler = SplitMix64::new(config.seed);
    let mut notes = Vec::new();

    let mut size = config
        .batch_size
        .unwrap_or(limits.max_items)
        .min(limits.max_items)
        .max(1);
    let (batch, batch_ex) = loop {
        let ids = aimed_block(limits, size, &config.fleet);
        let exchange = sender.send(body(&ids)).await;
        let answered = answer::answer(contract, &exchange);
        let smallest = config.sub_batch_size.saturating_mul(2).max(2);
        match answered {
            Err(why) if notes.len() < BATCH_RETRIES && size / 2 >= smallest => {
                notes.push(format!(
                    "a batch of {size} IDs (the documented maximum is {}) was {why}; relations use a batch of {}",
                    limits.max_items,
                    size / 2
                ));
                size /= 2;
            }
            _ => break (ids, exchange),
        }
    };
    let (_, repeat_ex) = send_if("repetition", batch.clone()).await;
    let mut shuffled = batch.clone();
    shuffler.shuffle(&mut shuffled);
    let (shuffled, shuffled_ex) = send_if("permutation", shuffled).await;

    // Agents known to exist, from any of the big answers: a truncating server still answers
    // the tail's agents when they come first in the shuffled order.
    let known: BTreeSet<AgentId> = [Some(&batch_ex), repeat_ex.as_ref(), shuffled_ex.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|e| answer::answer(contract, e).ok())
        .flat_map(|a| a.agents.into_keys())
        .collect();
    let mut tail = pick(batch.iter().rev(), &known, config.sub_batch_size);
    tail.reverse();
    let head = pick(batch.iter(), &known, config.sub_batch_size);
    let (tail, tail_ex) = send_if("sub-batch::tail", tail).await;
    let (head, head_ex) = send_if("sub-batch::head", head).await;
    // One agent alone: no composition-dependent answer can hide behind a small threshold.
    let (single, single_ex) = send_if("sub-batch::single", ids::pick_single(&batch, &known)).await;

    let distinct = spread(
        &batch,
        &known,
        config.duplication_size.min(limits.max_items / 2).max(1),
    );
    let mut doubled = distinct.clone();
    let mut again = distinct.clone();
    shuffler.shuffle(&mut again);
    doubled.extend(again);
    let (distinct, distinct_ex) = send_if("duplication", distinct).await;
    let (doubled, doubled_ex) = send_if("duplication", doubled).await;

    let judge = Judge {
        contract,
        sender,
        config,
        keep: &keep,
        notes: &notes,
    };
    let pairs = [
        ("repetition", &relations::REPETITION, &batch, repeat_ex),
        (
            "permutation",
            &relations::PERMUTATION,
            &shuffled,
            shuffled_ex,
        ),
        ("sub-batch::tail", &relations::SUB_BATCH, &tail, tail_ex),
        ("sub-batch::head", &relations::SUB_BATCH, &head, head_ex),
        (
            "sub-batch::single",
            &relations::SUB_BATCH,
            &single,
            single_ex,
        ),
    ];
    let mut kept = Vec::with_capacity(RELATION_NAMES.len());
    for (name, def, ids, exchange) in pairs {
        if let Some(exchange) = exchange {
            let batch_side = (body(&batch), batch_ex.clone());
            kept.push(
                judge
                    .relation(name, def, batch_side, (body(ids), exchange))
                    .await,
            );
        }
    }
    if let (Some(distinct_ex), Some(doubled_ex)) = (distinct_ex, doubled_ex) {
        kept.push(
            judge
                .relation(
                    "duplication",
                    &relations::DUPLICATION,
                    (body(&distinct), distinct_ex),
                    (body(&doubled), doubled_ex),
                )
                .await,
        );
    }
    kept
}

struct Judge<'a, S, K> {
    contract: &'a Contract,
    sender: &'a S,
    config: &'a ConsistencyConfig,
    keep: &'a K,
    notes: &'a [String],
}

impl<S: Sender, R, K: Fn(RelationOutcome) -> R + Sync> Judge<'_, S, K> {
    /// Compares the pair; re-asks both requests when anything is suspect.
    async fn relation(
        &self,
        name: &str,
        def: &'static CheckDef,
        (a_body, a_ex): (Value, Exchange),
        (b_body, b_ex): (Value, Exchange),
    ) -> R {
        let mut exchanges = vec![a_ex, b_ex];
        let mut findings: Vec<String> = self.notes.to_vec();
        let first = self.compare(def, &exchanges, (0, 1));
        let (judgement, violations) = match first {
            Err((side, why)) => {
                findings.push(format!(
                    "#{side} cannot be compared: {why}; relation not judged"
                ));
                (Judgement::NotJudged, Vec::new())
            }
            Ok(first) if first.compared == 0 && first.confirmed.is_empty() => {
                findings.push(format!(
                    "no agent was answered for the IDs both requests asked for (ccId {}, vdn {}): relation not informative",
                    self.config.cc_id, self.config.vdn
                ));
                (Judgement::NotJudged, Vec::new())
            }
            Ok(first) => {
                findings.push(format!("{} compared", agents(first.compared)));
                let violations = if first.suspects.is_empty() {
                    first.reported()
                } else {
                    findings.push(describe_suspects(&first));
                    exchanges.push(self.sender.send(a_body).await);
                    exchanges.push(self.sender.send(b_body).await);
                    match self.compare(def, &exchanges, (2, 3)) {
                        Ok(second) => {
                            let settled = relations::settle(&first, &second, (2, 3));
                            let confirmed = settled.len() - first.reported().len();
                            findings.push(format!(
                                "re-asked (#2 vs #3): {confirmed} of {} suspect differences confirmed",
                                first.suspects.len()
                            ));
                            settled
                        }
                        Err((side, why)) => {
                            findings.push(format!(
                                "re-ask #{side} cannot be compared ({why}): suspects not confirmed"
                            ));
                            first.reported()
                        }
                    }
                };
                (Judgement::of(&violations), violations)
            }
        };
        (self.keep)(RelationOutcome {
            relation: name.to_owned(),
            judgement,
            violations,
            exchanges,
            findings,
        })
    }

    fn compare(
        &self,
        def: &'static CheckDef,
        exchanges: &[Exchange],
        (a, b): (usize, usize),
    ) -> Result<Comparison, (usize, answer::Unusable)> {
        relations::compare(
            self.contract,
            def,
            Side {
                exchange: &exchanges[a],
                index: a,
            },
            Side {
                exchange: &exchanges[b],
                index: b,
            },
            self.config.tolerance_ms,
        )
    }
}

fn describe_suspects(comparison: &Comparison) -> String {
    let count = |kind| {
        comparison
            .suspects
            .iter()
            .filter(|s| s.kind == kind)
            .count()
    };
    format!(
        "{} differ ({} answered in only one, {} changed state with a reset, {} implausibly): re-asking before reporting",
        agents(comparison.suspects.len()),
        count(SuspectKind::Presence),
        count(SuspectKind::Transition),
        count(SuspectKind::Implausible)
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::exchange::{Received, SentRequest};

    /// Answers every request with an empty success, counting them.
    #[derive(Default)]
    struct Counting(AtomicUsize);

    impl Sender for Counting {
        fn send(&self, body: Value) -> impl std::future::Future<Output = Exchange> + Send {
            self.0.fetch_add(1, Ordering::Relaxed);
            let ok = r#"{"result":"0","resultCode":"0100000","resultDesc":[],"resultDatas":[]}"#;
            std::future::ready(Exchange::new(
                SentRequest::post("/x", body.to_string()),
                Ok(Received::new(200, ok)),
                0,
                0,
            ))
        }
    }

    async fn names_and_requests(only: Option<&[&str]>) -> (Vec<String>, usize) {
        let contract = Contract::embedded("2023-12").unwrap();
        let mut config = ConsistencyConfig::new(1, 170);
        config.only = only.map(|names| names.iter().map(|n| (*n).to_owned()).collect());
        let sender = Counting::default();
        let names = run_relations(&contract, &sender, &config, |o| o.relation).await;
        (names, sender.0.load(Ordering::Relaxed))
    }

    #[tokio::test]
    async fn only_the_relations_wanted_are_sent() {
        let (every, sent) = names_and_requests(None).await;
        assert_eq!(
            every, RELATION_NAMES,
            "the names a selection sees are the records'"
        );
        assert_eq!(sent, 8);
        assert_eq!(
            names_and_requests(Some(&["repetition"])).await,
            (vec!["repetition".to_owned()], 2),
            "the batch and its repetition"
        );
        assert_eq!(
            names_and_requests(Some(&["duplication", "sub-batch::head"])).await,
            (
                vec!["sub-batch::head".to_owned(), "duplication".to_owned()],
                4
            )
        );
        assert_eq!(
            names_and_requests(Some(&["discovery::vdn"])).await,
            (Vec::new(), 0)
        );
    }
}
