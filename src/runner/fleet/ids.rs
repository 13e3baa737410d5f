//! The pure half of the fleet: `--agents` lists read into ID sets, and the profile's agent-ID
//! ranges cut into full-length discovery batches. No I/O beyond reading an `--agents` file.

use std::collections::BTreeSet;
use std::path::Path;

use crate::contract::Range;

/// Agent IDs an `--agents` list may name in all: a typo such as `1-99999999999` must not
/// allocate the machine away. Both profiles' ranges together hold fewer than this.
pub const MAX_GIVEN_AGENTS: u64 = 2_000_000;

/// Why an `--agents` value is not a list of agent IDs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentsError {
    #[error("--agents: cannot read {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{flag}: {token:?} is not an agent ID or a range FROM-TO of agent IDs")]
    BadToken { flag: &'static str, token: String },
    #[error("{flag}: the range {token:?} runs backwards (FROM must not exceed TO)")]
    Backwards { flag: &'static str, token: String },
    #[error("{flag}: {token:?} would make more than {MAX_GIVEN_AGENTS} agent IDs in all")]
    TooMany { flag: &'static str, token: String },
    #[error("{flag}: the list names no agent ID")]
    Empty { flag: &'static str },
}

/// `--agents LIST|FILE`: a file when `value` names one, else the list itself.
pub fn read_agents(value: &str) -> Result<BTreeSet<i64>, AgentsError> {
    let path = Path::new(value.trim());
    if !value.trim().is_empty() && path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| AgentsError::Unreadable {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        return parse_agents(&text);
    }
    parse_agents(value)
}

/// `1000-1199,2001`: IDs and inclusive ranges, separated by commas and/or whitespace
/// (newlines included, so a file may hold one a line); `#` starts a comment to the line's end.
pub fn parse_agents(text: &str) -> Result<BTreeSet<i64>, AgentsError> {
    let mut ids = BTreeSet::new();
    for range in parse_ranges(text, AGENTS_FLAG)? {
        ids.extend(range.min..=range.max);
    }
    Ok(ids)
}

/// The flag named in `--agents` errors.
const AGENTS_FLAG: &str = "--agents";

/// The ranges of such a list, as written (overlaps kept); errors name `flag`. At least one
/// range, at most [`MAX_GIVEN_AGENTS`] IDs in all.
pub fn parse_ranges(text: &str, flag: &'static str) -> Result<Vec<Range>, AgentsError> {
    let mut ranges = Vec::new();
    let mut total: u64 = 0;
    let tokens = text
        .lines()
        .map(|line| line.split('#').next().unwrap_or(""))
        .flat_map(|line| line.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|token| !token.is_empty());
    for token in tokens {
        let (min, max) = parse_token(token, flag)?;
        let span = u64::try_from(i128::from(max) - i128::from(min) + 1).unwrap_or(u64::MAX);
        total = total.saturating_add(span);
        if total > MAX_GIVEN_AGENTS {
            return Err(AgentsError::TooMany {
                flag,
                token: token.to_owned(),
            });
        }
        ranges.push(Range { min, max });
    }
    if ranges.is_empty() {
        return Err(AgentsError::Empty { flag });
    }
    Ok(ranges)
}

fn parse_token(token: &str, flag: &'static str) -> Result<(i64, i64), AgentsError> {
    let bad = || AgentsError::BadToken {
        flag,
        token: token.to_owned(),
    };
    let number = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse::<i64>().map_err(|_| bad())
    };
    let (from, to) = match token.split_once('-') {
        Some((from, to)) => (number(from)?, number(to)?),
        None => {
            let id = number(token)?;
            (id, id)
        }
    };
    if from > to {
        return Err(AgentsError::Backwards {
            flag,
            token: token.to_owned(),
        });
    }
    Ok((from, to))
}

/// The profile's agent-ID ranges cut into batches of `size` IDs, in order; the last batch of
/// the whole walk may be shorter (a batch may span two ranges).
#[derive(Debug, Clone)]
pub struct BatchPlan {
    ranges: Vec<Range>,
    size: usize,
}

impl BatchPlan {
    pub fn new(ranges: &[Range], size: usize) -> Self {
        let mut ranges: Vec<Range> = ranges.iter().copied().filter(|r| r.min <= r.max).collect();
        ranges.sort_by_key(|r| r.min);
        BatchPlan {
            ranges,
            size: size.max(1),
        }
    }

    /// Valid IDs in all.
    pub fn ids(&self) -> u64 {
        self.ranges
            .iter()
            .map(|r| u64::try_from(r.max - r.min + 1).unwrap_or(0))
            .sum()
    }

    /// Requests a full scan takes.
    pub fn batches(&self) -> u64 {
        self.ids().div_ceil(self.size as u64)
    }

    /// The `index`-th batch, `None` past the end.
    pub fn batch(&self, index: u64) -> Option<Vec<i64>> {
        let mut skip = index.checked_mul(self.size as u64)?;
        let mut ids = Vec::with_capacity(self.size);
        for range in &self.ranges {
            let len = u64::try_from(range.max - range.min + 1).unwrap_or(0);
            if skip >= len {
                skip -= len;
                continue;
            }
            let first = range.min + i64::try_from(skip).unwrap_or(i64::MAX);
            skip = 0;
            let mut id = first;
            while id <= range.max && ids.len() < self.size {
                ids.push(id);
                id += 1;
            }
            if ids.len() == self.size {
                break;
            }
        }
        (!ids.is_empty()).then_some(ids)
    }

    /// The `position`-th valid ID (from 0) of the walk across the ranges.
    pub fn nth(&self, mut position: u64) -> Option<i64> {
        for range in &self.ranges {
            let len = u64::try_from(range.max - range.min + 1).unwrap_or(0);
            if position < len {
                return range.min.checked_add(i64::try_from(position).ok()?);
            }
            position -= len;
        }
        None
    }

    /// The distance between neighbouring IDs of `count` sample batches ([`BatchPlan::sample`]):
    /// every run of this many consecutive valid IDs holds one of them.
    pub fn stride(&self, count: u64) -> u64 {
        let asked = (self.size as u64).saturating_mul(count.max(1));
        self.ids().div_ceil(asked).max(1)
    }

    /// Batch `index` of `count` sample batches that together ask every
    /// [`stride`](BatchPlan::stride)-th ID of the whole walk, each batch spread over all of it
    /// (a centre's few hundred agents, wherever they sit, meet the sample). The last ones may
    /// be shorter; past the walk, empty.
    pub fn sample(&self, index: u64, count: u64) -> Vec<i64> {
        let stride = self.stride(count);
        let offset = stride / 2;
        (0..self.size as u64)
            .map_while(|j| {
                let slot = j.checked_mul(count)?.checked_add(index)?;
                let position = slot.checked_mul(stride)?.checked_add(offset)?;
                self.nth(position)
            })
            .collect()
    }

    /// The valid IDs within `reach` of any of `hits` that `asked` does not hold, in order, at
    /// most a batch of them: where a sample met agents, the rest of them.
    pub fn around(&self, hits: &BTreeSet<i64>, reach: i64, asked: &BTreeSet<i64>) -> Vec<i64> {
        let mut near = BTreeSet::new();
        for &hit in hits {
            let (from, to) = (hit.saturating_sub(reach), hit.saturating_add(reach));
            for range in &self.ranges {
                let (lo, hi) = (from.max(range.min), to.min(range.max));
                near.extend((lo..=hi).filter(|id| !asked.contains(id)));
            }
            if near.len() >= self.size {
                break;
            }
        }
        near.into_iter().take(self.size).collect()
    }
}

/// `1000-1199,2001`: a set of IDs written back as ranges (for output and reports), at most
/// `max_parts` parts before `…`.
pub fn describe(ids: &BTreeSet<i64>, max_parts: usize) -> String {
    let runs = crate::units::id_runs(ids.iter().copied());
    let mut parts: Vec<String> = runs
        .iter()
        .take(max_parts)
        .map(crate::units::id_run_text)
        .collect();
    if runs.len() > max_parts {
        parts.push("…".into());
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_take_ids_ranges_commas_and_newlines() {
        let ids = parse_agents("1000-1003, 2001\n 7 # a comment, 9\n\n3000-3000,").unwrap();
        let expected: BTreeSet<i64> = [7, 1000, 1001, 1002, 1003, 2001, 3000].into();
        assert_eq!(ids, expected);
        assert_eq!(describe(&ids, 8), "7,1000-1003,2001,3000");
        assert_eq!(describe(&ids, 2), "7,1000-1003,…");
    }

    #[test]
    fn bad_tokens_are_named() {
        for (text, token) in [
            ("1000-1199,20x1", "20x1"),
            ("-5", "-5"),
            ("1-2-3", "1-2-3"),
            ("5-", "5-"),
            ("99999999999999999999", "99999999999999999999"),
        ] {
            let err = parse_agents(text).unwrap_err();
            assert_eq!(
                err,
                AgentsError::BadToken {
                    flag: "--agents",
                    token: token.into()
                },
                "{text}"
            );
            assert!(err.to_string().starts_with("--agents: "), "{err}");
        }
        assert!(matches!(
            parse_agents("200-100"),
            Err(AgentsError::Backwards { token, .. }) if token == "200-100"
        ));
        assert!(matches!(
            parse_agents("1-99999999999"),
            Err(AgentsError::TooMany { .. })
        ));
        assert_eq!(
            parse_agents(" ,\n# none"),
            Err(AgentsError::Empty { flag: "--agents" })
        );
        let err = parse_ranges("31200-31x", "--fleet")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("--fleet: ") && err.contains("31200-31x"),
            "{err}"
        );
    }

    #[test]
    fn a_file_holds_the_same_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.txt");
        std::fs::write(&path, "31200-31202\n31399\n").unwrap();
        let ids = read_agents(&path.display().to_string()).unwrap();
        assert_eq!(ids, [31200, 31201, 31202, 31399].into());
        assert_eq!(read_agents("5,6").unwrap(), [5, 6].into());
    }

    #[test]
    fn batches_cover_every_range_in_full_length_requests() {
        let plan = BatchPlan::new(
            &[Range {
                min: 101,
                max: 59999,
            }],
            6000,
        );
        assert_eq!(plan.batches(), 10);
        assert_eq!(plan.batch(0).unwrap().len(), 6000);
        assert_eq!(plan.batch(0).unwrap()[0], 101);
        assert_eq!(plan.batch(9).unwrap().last(), Some(&59999));
        assert_eq!(plan.batch(10), None);
        let two = BatchPlan::new(&[Range { min: 70, max: 74 }, Range { min: 10, max: 12 }], 3);
        let all: Vec<Vec<i64>> = (0..two.batches()).filter_map(|i| two.batch(i)).collect();
        assert_eq!(all, vec![vec![10, 11, 12], vec![70, 71, 72], vec![73, 74]]);
        let spanning = BatchPlan::new(&[Range { min: 1, max: 2 }, Range { min: 5, max: 6 }], 3);
        assert_eq!(spanning.batch(0), Some(vec![1, 2, 5]));
        assert_eq!(spanning.batch(1), Some(vec![6]));
    }

    #[test]
    fn samples_spread_over_the_whole_walk_and_their_hits_are_filled_in() {
        let plan = BatchPlan::new(
            &[Range {
                min: 101,
                max: 59999,
            }],
            6000,
        );
        assert_eq!(plan.stride(2), 5, "59899 IDs in 12000 samples");
        let (first, second) = (plan.sample(0, 2), plan.sample(1, 2));
        assert_eq!(
            first.len(),
            5990,
            "the slots past the walk's end are left out"
        );
        assert_eq!(&first[..3], &[103, 113, 123]);
        assert_eq!(&second[..2], &[108, 118]);
        assert!(second.len() <= 6000 && *second.last().unwrap() <= 59999);
        // A centre of 200 agents anywhere in the range meets the sample about 40 times.
        let centre: BTreeSet<i64> = (31_200..31_400).collect();
        let asked: BTreeSet<i64> = first.iter().chain(&second).copied().collect();
        let hits: BTreeSet<i64> = centre.intersection(&asked).copied().collect();
        assert_eq!(hits.len(), 40);
        let rest = plan.around(&hits, 4, &asked);
        let judged: BTreeSet<i64> = hits.iter().chain(&rest).copied().collect();
        assert!(
            centre.is_subset(&judged),
            "the neighbourhood covers the centre"
        );
        assert!(rest.iter().all(|id| !asked.contains(id)));
        let gap = BatchPlan::new(&[Range { min: 1, max: 4 }, Range { min: 8, max: 9 }], 4);
        assert_eq!(gap.nth(4), Some(8));
        assert_eq!(gap.nth(6), None);
        assert_eq!(gap.stride(1), 2);
        assert_eq!(gap.sample(0, 1), vec![2, 4, 9]);
        assert_eq!(gap.around(&[4].into(), 4, &[4].into()), vec![1, 2, 3, 8]);
    }
}
