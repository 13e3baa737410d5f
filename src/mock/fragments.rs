//! A bounded cache of the agents' JSON text, per block of consecutive agent IDs in one
//! (ccId, vdn): everything of an agent's object but `currentStateTime` (the one member that
//! grows with real time) is fixed for the life of the fleet, so a clean answer is cached
//! fragments plus one number per agent. Owns no decision about what an agent looks like: the
//! fragments are the fleet's records written by the ordinary writer, and answers with mutations
//! do not come here.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex};

use super::fleet::{Fleet, IdHasher};
use super::write::{push_int, write_agent_head, write_agent_tail};

/// Agent IDs per block (a power of two: the block is `id >> BLOCK_BITS`).
const BLOCK_BITS: u32 = 6;
const BLOCK_LEN: usize = 1 << BLOCK_BITS;

/// Blocks kept before the cache is emptied: about 4 MiB of text, room for two 6000-agent
/// (ccId, vdn) answers at once.
const MAX_BLOCKS: usize = 256;

/// One agent's fixed text: `text[start..split]` + its current duration + `text[split..end]`.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    start: u32,
    split: u32,
    end: u32,
    /// `currentStateTime` with no time elapsed; `None` when the agent does not exist.
    base_time: Option<i64>,
}

#[derive(Debug)]
struct Block {
    text: Vec<u8>,
    slots: [Slot; BLOCK_LEN],
}

impl Block {
    fn build(fleet: &Fleet, cc: i64, vdn: i64, block: i64) -> Block {
        let mut text = Vec::with_capacity(BLOCK_LEN * 240);
        let mut slots = [Slot::default(); BLOCK_LEN];
        let first = block << BLOCK_BITS;
        for (offset, slot) in slots.iter_mut().enumerate() {
            let Some(record) = fleet.record(cc, vdn, first + offset as i64, 0) else {
                continue;
            };
            let start = text.len() as u32;
            write_agent_head(&mut text, &record);
            let split = text.len() as u32;
            write_agent_tail(&mut text, &record);
            *slot = Slot {
                start,
                split,
                end: text.len() as u32,
                base_time: Some(record.current_state_time),
            };
        }
        Block { text, slots }
    }
}

type Key = (i64, i64, i64);

/// What a clean answer is asked for, and when (seconds since the mock started).
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub cc: i64,
    pub vdn: i64,
    pub ids: &'a [i64],
    pub elapsed: i64,
}

/// The cache (shared by every request of one mock).
#[derive(Debug, Default)]
pub struct Fragments {
    blocks: Mutex<HashMap<Key, Arc<Block>>>,
}

/// Whether the cache pays for `ids`: their blocks are few (far under the bound, so one request
/// never empties the cache it is filling) and mostly used (building a block of 64 agents for
/// one ID of a sparse request would cost more than writing that agent directly).
pub fn suits(ids: &[i64]) -> bool {
    let mut changes = 0usize;
    let mut held = None;
    for &id in ids {
        let block = id >> BLOCK_BITS;
        if held != Some(block) {
            held = Some(block);
            changes += 1;
            if changes > MAX_BLOCKS / 2 {
                return false;
            }
        }
    }
    changes * BLOCK_LEN <= 4 * ids.len()
}

impl Fragments {
    fn block(&self, fleet: &Fleet, key: Key) -> Arc<Block> {
        let cached = {
            let blocks = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
            blocks.get(&key).cloned()
        };
        if let Some(block) = cached {
            return block;
        }
        let built = Arc::new(Block::build(fleet, key.0, key.1, key.2));
        let mut blocks = self.blocks.lock().unwrap_or_else(|p| p.into_inner());
        if blocks.len() >= MAX_BLOCKS {
            blocks.clear();
        }
        blocks.insert(key, Arc::clone(&built));
        built
    }

    /// Appends the known agents among `ids` (each once, in request order), comma-separated,
    /// exactly as `write_agent` would write `fleet.answer_at(cc, vdn, ids, elapsed)`.
    pub fn write_agents(&self, fleet: &Fleet, request: Asked<'_>, out: &mut Vec<u8>) {
        let Asked {
            cc,
            vdn,
            ids,
            elapsed,
        } = request;
        let mut current: Option<(i64, Arc<Block>)> = None;
        let mut first = true;
        let mut write = |id: i64, out: &mut Vec<u8>| {
            let block_id = id >> BLOCK_BITS;
            let block = match &current {
                Some((held, block)) if *held == block_id => block,
                _ => {
                    let block = self.block(fleet, (cc, vdn, block_id));
                    &current.insert((block_id, block)).1
                }
            };
            let slot = block.slots[(id & (BLOCK_LEN as i64 - 1)) as usize];
            let Some(base_time) = slot.base_time else {
                return;
            };
            if !first {
                out.push(b',');
            }
            first = false;
            let (start, split, end) = (slot.start as usize, slot.split as usize, slot.end as usize);
            out.extend_from_slice(&block.text[start..split]);
            push_int(out, base_time.saturating_add(elapsed));
            out.extend_from_slice(&block.text[split..end]);
        };
        if ids.windows(2).all(|w| w[0] < w[1]) {
            for &id in ids {
                write(id, out);
            }
        } else {
            let mut seen: HashSet<i64, BuildHasherDefault<IdHasher>> =
                HashSet::with_capacity_and_hasher(ids.len(), BuildHasherDefault::default());
            for &id in ids {
                if seen.insert(id) {
                    write(id, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::Contract;
    use crate::mock::write::{SuccessShape, write_success, write_success_with};

    #[test]
    fn only_dense_requests_use_the_cache() {
        let dense: Vec<i64> = (101..6101).collect();
        let sparse: Vec<i64> = (0..6000).map(|i| 101 + i * 9).collect();
        assert!(suits(&dense));
        assert!(!suits(&sparse));
        assert!(!suits(&[1031, 1099]));
    }

    #[test]
    fn cached_text_equals_the_written_records() {
        let contract = Contract::embedded("2025-11").unwrap();
        let fleet = Fleet::new(contract.profile(), 11);
        let fragments = Fragments::default();
        let shape = SuccessShape {
            result: Some("0"),
            result_code: "0",
            with_datas: true,
        };
        let sorted: Vec<i64> = (101..2101).collect();
        let mixed = vec![1099, 1031, 1099, 5, -3, 59_999, 70_000, 64, 63, 1031];
        for (cc, vdn, ids) in [(1, 170, &sorted), (1, 170, &mixed), (9, 4, &mixed)] {
            for elapsed in [0, 86_400] {
                let expected = write_success(&fleet.answer_at(cc, vdn, ids, elapsed), shape);
                let asked = Asked {
                    cc,
                    vdn,
                    ids,
                    elapsed,
                };
                let cached = write_success_with(shape, ids.len(), |out| {
                    fragments.write_agents(&fleet, asked, out)
                });
                assert_eq!(
                    String::from_utf8(cached).unwrap(),
                    String::from_utf8(expected).unwrap()
                );
            }
        }
    }
}
