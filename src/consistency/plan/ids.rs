//! The agent IDs of the relations' requests: the profile's interior IDs, the big batch aimed at
//! the fleet, and the sub-batches picked from it, known agents first. Pure.

use std::collections::BTreeSet;

use super::super::answer::AgentId;
use crate::contract::profile::AgentIdLimits;

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

/// The one ID of the single-agent sub-batch: a known agent from the batch's second half, or,
/// when that half holds none (a small fleet's agents may all sit in the first IDs asked), the
/// known agent nearest it. Only a batch with no known agent at all gives an ID not known to
/// exist, and the relation is then not informative.
pub(super) fn pick_single(batch: &[AgentId], known: &BTreeSet<AgentId>) -> Vec<AgentId> {
    let middle = &batch[batch.len() / 2..];
    let known_in = |ids: &[AgentId]| ids.iter().any(|id| known.contains(id));
    if known_in(middle) || !known_in(batch) {
        pick(middle.iter(), known, 1)
    } else {
        pick(batch.iter().rev(), known, 1)
    }
}

/// Up to `count` IDs from `ordered`, those known to exist first, listed in `ordered`'s order.
pub(super) fn pick<'a>(
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
pub(super) fn spread(batch: &[AgentId], known: &BTreeSet<AgentId>, count: usize) -> Vec<AgentId> {
    let step = (known.len() / count.max(1)).max(1);
    let mut chosen: Vec<AgentId> = known.iter().step_by(step).take(count).copied().collect();
    let taken: BTreeSet<AgentId> = chosen.iter().copied().collect();
    let missing = count.saturating_sub(chosen.len());
    chosen.extend(batch.iter().filter(|id| !taken.contains(id)).take(missing));
    chosen
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
    fn the_single_agent_is_a_known_one_even_when_the_second_half_holds_none() {
        let batch: Vec<AgentId> = (1..=10).collect();
        let known = |ids: &[AgentId]| ids.iter().copied().collect::<BTreeSet<AgentId>>();
        assert_eq!(pick_single(&batch, &known(&[2, 7, 9])), vec![7]);
        // A small fleet: its agents are the first IDs of the batch.
        assert_eq!(pick_single(&batch, &known(&[1, 2, 3])), vec![3]);
        assert_eq!(pick_single(&batch, &known(&[])), vec![6]);
        assert_eq!(pick_single(&[], &known(&[1])), Vec::<AgentId>::new());
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
