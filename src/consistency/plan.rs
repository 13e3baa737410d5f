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
use crate::contract::profile::AgentIdLimits;
use crate::exchange::Exchange;
use crate::splitmix::SplitMix64;

/// Violations listed per relation; the rest are counted in a finding.
pub const MAX_LISTED_VIOLATIONS: usize = 20;
/// Times the batch is halved when the server does not answer it as a success.
const BATCH_RETRIES: usize = 3;

/// Runs the relations (repetition, permutation, sub-batch tail, head and single, duplication)
/// against the target and returns what `keep` made of each outcome. Sends 8 requests, plus 2
/// per relation with a suspect to re-ask.
pub async fn run_relations<S: Sender, R>(
    contract: &Contract,
    sender: &S,
    config: &ConsistencyConfig,
    keep: impl Fn(RelationOutcome) -> R + Sync,
) -> Vec<R> {
    let limits = &contract.profile().limits.agent_ids;
    let body = |ids: &[AgentId]| json!({"ccId": config.cc_id, "vdn": config.vdn, "agentIds": ids});
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
    let repeat_ex = sender.send(body(&batch)).await;
    let mut shuffled = batch.clone();
    shuffler.shuffle(&mut shuffled);
    let shuffled_ex = sender.send(body(&shuffled)).await;

    // Agents known to exist, from any of the big answers: a truncating server still answers
    // the tail's agents when they come first in the shuffled order.
    let known: BTreeSet<AgentId> = [&batch_ex, &repeat_ex, &shuffled_ex]
        .into_iter()
        .filter_map(|e| answer::answer(contract, e).ok())
        .flat_map(|a| a.agents.into_keys())
        .collect();
    let mut tail = pick(batch.iter().rev(), &known, config.sub_batch_size);
    tail.reverse();
    let head = pick(batch.iter(), &known, config.sub_batch_size);
    let tail_ex = sender.send(body(&tail)).await;
    let head_ex = sender.send(body(&head)).await;
    // One agent alone: no composition-dependent answer can hide behind a small threshold.
    let middle = &batch[batch.len() / 2..];
    let single = pick(middle.iter(), &known, 1);
    let single_ex = sender.send(body(&single)).await;

    let distinct = spread(
        &batch,
        &known,
        config.duplication_size.min(limits.max_items / 2).max(1),
    );
    let mut doubled = distinct.clone();
    let mut again = distinct.clone();
    shuffler.shuffle(&mut again);
    doubled.extend(again);
    let distinct_ex = sender.send(body(&distinct)).await;
    let doubled_ex = sender.send(body(&doubled)).await;

    let judge = Judge {
        contract,
        sender,
        config,
        keep: &keep,
        notes: &notes,
    };
    vec![
        judge
            .relation(
                "repetition",
                &relations::REPETITION,
                (body(&batch), batch_ex.clone()),
                (body(&batch), repeat_ex),
            )
            .await,
        judge
            .relation(
                "permutation",
                &relations::PERMUTATION,
                (body(&batch), batch_ex.clone()),
                (body(&shuffled), shuffled_ex),
            )
            .await,
        judge
            .relation(
                "sub-batch::tail",
                &relations::SUB_BATCH,
                (body(&batch), batch_ex.clone()),
                (body(&tail), tail_ex),
            )
            .await,
        judge
            .relation(
                "sub-batch::head",
                &relations::SUB_BATCH,
                (body(&batch), batch_ex.clone()),
                (body(&head), head_ex),
            )
            .await,
        judge
            .relation(
                "sub-batch::single",
                &relations::SUB_BATCH,
                (body(&batch), batch_ex),
                (body(&single), single_ex),
            )
            .await,
        judge
            .relation(
                "duplication",
                &relations::DUPLICATION,
                (body(&distinct), distinct_ex),
                (body(&doubled), doubled_ex),
            )
            .await,
    ]
}

/// The first `count` valid agent IDs of the profile, range by range, leaving out each range's
/// two ends: a server that mishandles an end must not spoil every relation and length probe
/// (the ends are discovery's business).
pub fn block(limits: &AgentIdLimits, count: usize) -> Vec<AgentId> {
    let mut ids = Vec::with_capacity(count.min(1 << 20));
    for range in &limits.ranges {
        let interior = range.max - range.min >= 2;
        let (first, last) = if interior {
            (range.min + 1, range.max - 1)
        } else {
            (range.min, range.max)
        };
        let mut id = first;
        while id <= last && ids.len() < count {
            ids.push(id);
            id += 1;
        }
    }
    ids
}

/// `count` IDs for the big batch: the fleet's valid agents first (as many as fit), topped up
/// with [`block`]'s IDs, all in ascending order. An empty fleet gives [`block`] itself.
pub fn aimed_block(limits: &AgentIdLimits, count: usize, fleet: &[AgentId]) -> Vec<AgentId> {
    let mut chosen: BTreeSet<AgentId> = fleet
        .iter()
        .copied()
        .filter(|id| limits.contains(*id))
        .take(count)
        .collect();
    if chosen.is_empty() {
        return block(limits, count);
    }
    let missing = count.saturating_sub(chosen.len());
    let filler: Vec<AgentId> = block(limits, count)
        .into_iter()
        .filter(|id| !chosen.contains(id))
        .take(missing)
        .collect();
    chosen.extend(filler);
    chosen.into_iter().collect()
}

/// Up to `count` IDs from `ordered`, those known to exist first, listed in `ordered`'s order.
fn pick<'a>(
    ordered: impl Iterator<Item = &'a AgentId> + Clone,
    known: &BTreeSet<AgentId>,
    count: usize,
) -> Vec<AgentId> {
    let mut chosen: BTreeSet<AgentId> = ordered
        .clone()
        .filter(|id| known.contains(id))
        .take(count)
        .copied()
        .collect();
    let missing = count.saturating_sub(chosen.len());
    let filler: Vec<AgentId> = ordered
        .clone()
        .filter(|id| !chosen.contains(id))
        .take(missing)
        .copied()
        .collect();
    chosen.extend(filler);
    ordered.filter(|id| chosen.contains(id)).copied().collect()
}

/// `count` IDs of `batch` spread over the known agents (every k-th), topped up from the batch.
fn spread(batch: &[AgentId], known: &BTreeSet<AgentId>, count: usize) -> Vec<AgentId> {
    let step = (known.len() / count.max(1)).max(1);
    let mut chosen: Vec<AgentId> = known.iter().step_by(step).take(count).copied().collect();
    let taken: BTreeSet<AgentId> = chosen.iter().copied().collect();
    let missing = count.saturating_sub(chosen.len());
    chosen.extend(batch.iter().filter(|id| !taken.contains(id)).take(missing));
    chosen
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
        let (judgement, mut violations) = match first {
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
        if violations.len() > MAX_LISTED_VIOLATIONS {
            findings.push(format!(
                "{} violations in all; the first {MAX_LISTED_VIOLATIONS} are listed",
                violations.len()
            ));
            violations.truncate(MAX_LISTED_VIOLATIONS);
        }
        let kept = (self.keep)(RelationOutcome {
            relation: name.to_owned(),
            judgement,
            violations,
            exchanges,
            findings,
        });
        // The pair's large answers are freed here: hand their pages back before the next
        // relation parses its own (the run's peak memory is reached in the relations).
        crate::memory::release_free();
        kept
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
    use super::*;
    use crate::contract::Range;

    #[test]
    fn block_walks_the_ranges_in_order() {
        let limits = AgentIdLimits {
            max_items: 6,
            ranges: vec![Range { min: 101, max: 103 }, Range { min: 200, max: 201 }],
        };
        assert_eq!(block(&limits, 2), vec![102, 200]);
        assert_eq!(block(&limits, 9), vec![102, 200, 201]);
    }

    #[test]
    fn the_batch_is_made_of_the_fleet_first() {
        let limits = AgentIdLimits {
            max_items: 6,
            ranges: vec![Range { min: 101, max: 200 }, Range { min: 300, max: 400 }],
        };
        assert_eq!(aimed_block(&limits, 3, &[]), block(&limits, 3));
        assert_eq!(
            aimed_block(&limits, 4, &[5, 350, 351]),
            vec![102, 103, 350, 351],
            "invalid fleet IDs are left out, the rest is topped up"
        );
        assert_eq!(aimed_block(&limits, 2, &[350, 351, 352]), vec![350, 351]);
    }

    #[test]
    fn pick_prefers_known_agents_in_order() {
        let batch: Vec<AgentId> = (1..=10).collect();
        let known: BTreeSet<AgentId> = [3, 9].into_iter().collect();
        let mut tail = pick(batch.iter().rev(), &known, 3);
        tail.reverse();
        assert_eq!(tail, vec![3, 9, 10]);
        assert_eq!(pick(batch.iter(), &known, 3), vec![1, 3, 9]);
    }

    #[test]
    fn spread_covers_the_known_agents() {
        let batch: Vec<AgentId> = (1..=100).collect();
        let known: BTreeSet<AgentId> = (1..=100).filter(|i| i % 10 == 0).collect();
        assert_eq!(spread(&batch, &known, 5), vec![10, 30, 50, 70, 90]);
        assert_eq!(spread(&batch, &BTreeSet::new(), 3), vec![1, 2, 3]);
    }
}
