//! Which case of the new run is which case of the old: the pairs `diff` compares. Cases are
//! paired by their request ([`CaseRecord::request_hash`]): a generated id such as
//! `property::0033` names another request under another seed. Reports written before the hash
//! existed (format 1) are paired by id. Pure.

use std::collections::{BTreeMap, BTreeSet};

use crate::report::CaseRecord;

/// Families whose requests come from the seed: under another seed an id of theirs names
/// another request, so without a request hash it is not known to be the same one.
pub const SEEDED_FAMILIES: &[&str] = &["property"];

/// How the cases of two runs were paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Matching {
    /// By request hash (both reports carry it).
    Request,
    /// By case id (a report without request hashes).
    Id,
}

/// One case of either run, or one in each: a pair.
#[derive(Debug, Clone, Copy)]
pub struct Pair<'a> {
    pub old: Option<&'a CaseRecord>,
    pub new: Option<&'a CaseRecord>,
    /// Both sent the same request: only then do their answers' shapes compare.
    pub same_request: bool,
}

/// Pairs the cases of `old` and `new`; `seeds_equal` says whether generated ids name the same
/// requests in both. Pairs come in the new run's order, then the old run's cases left alone.
pub fn pair<'a>(
    old: &'a [CaseRecord],
    new: &'a [CaseRecord],
    seeds_equal: bool,
) -> (Matching, Vec<Pair<'a>>) {
    let hashed = |cases: &[CaseRecord]| cases.iter().any(|c| c.request_hash.is_some());
    let matching = if hashed(old) && hashed(new) {
        Matching::Request
    } else {
        Matching::Id
    };
    let partner = match matching {
        Matching::Request => by_request(old, new),
        Matching::Id => by_id(old, new),
    };
    let mut paired_old = BTreeSet::new();
    let mut pairs = Vec::with_capacity(new.len());
    for (n, case) in new.iter().enumerate() {
        let before = partner.get(&n).map(|&o| &old[o]);
        if let Some(&o) = partner.get(&n) {
            paired_old.insert(o);
        }
        pairs.push(Pair {
            old: before,
            new: Some(case),
            same_request: before.is_some_and(|b| same_request(b, case, seeds_equal)),
        });
    }
    for (o, case) in old.iter().enumerate() {
        if !paired_old.contains(&o) {
            pairs.push(Pair {
                old: Some(case),
                new: None,
                same_request: false,
            });
        }
    }
    (matching, pairs)
}

/// new index → old index, by id.
fn by_id(old: &[CaseRecord], new: &[CaseRecord]) -> BTreeMap<usize, usize> {
    let old_ids: BTreeMap<&str, usize> = old
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    new.iter()
        .enumerate()
        .filter_map(|(n, c)| old_ids.get(c.id.as_str()).map(|&o| (n, o)))
        .collect()
}

/// new index → old index, by request hash. Several cases may send one request (a probe and a
/// case the same body): within a hash, equal ids pair first, the rest in order. A case with no
/// hash (not sent in that run: skipped) pairs by id with a case left unpaired.
fn by_request(old: &[CaseRecord], new: &[CaseRecord]) -> BTreeMap<usize, usize> {
    let mut old_by_hash: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (o, case) in old.iter().enumerate() {
        if let Some(hash) = &case.request_hash {
            old_by_hash.entry(hash).or_default().push(o);
        }
    }
    let mut new_by_hash: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (n, case) in new.iter().enumerate() {
        if let Some(hash) = &case.request_hash {
            new_by_hash.entry(hash).or_default().push(n);
        }
    }
    let mut partner = BTreeMap::new();
    for (hash, news) in new_by_hash {
        let Some(olds) = old_by_hash.get_mut(hash) else {
            continue;
        };
        let mut left = Vec::new();
        for n in news {
            match olds.iter().position(|&o| old[o].id == new[n].id) {
                Some(at) => {
                    partner.insert(n, olds.remove(at));
                }
                None => left.push(n),
            }
        }
        for (n, o) in left.into_iter().zip(olds.drain(..)) {
            partner.insert(n, o);
        }
    }
    let paired: BTreeSet<usize> = partner.values().copied().collect();
    let mut old_left: BTreeMap<&str, usize> = old
        .iter()
        .enumerate()
        .filter(|(o, _)| !paired.contains(o))
        .map(|(o, case)| (case.id.as_str(), o))
        .collect();
    for (n, case) in new.iter().enumerate() {
        if partner.contains_key(&n) {
            continue;
        }
        let Some(&o) = old_left.get(case.id.as_str()) else {
            continue;
        };
        if case.request_hash.is_none() || old[o].request_hash.is_none() {
            old_left.remove(case.id.as_str());
            partner.insert(n, o);
        }
    }
    partner
}

/// Whether two paired cases sent the same request: their hashes agree; without hashes, their
/// recorded requests agree; without those, the id names one request (a seeded family's only
/// under the same seed).
fn same_request(old: &CaseRecord, new: &CaseRecord, seeds_equal: bool) -> bool {
    if let (Some(a), Some(b)) = (&old.request_hash, &new.request_hash) {
        return a == b;
    }
    if let (Some(a), Some(b)) = (&old.request, &new.request) {
        let path = |url: &str| {
            let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
            rest.find('/').map_or("", |at| &rest[at..]).to_owned()
        };
        return a.method == b.method
            && path(&a.url) == path(&b.url)
            && a.body == b.body
            && a.body_bytes == b.body_bytes;
    }
    seeds_equal || !SEEDED_FAMILIES.contains(&new.family.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: &str, hash: Option<&str>) -> CaseRecord {
        let json = serde_json::json!({
            "id": id, "title": id, "family": id.split("::").next(), "clause": "seed:url",
            "verdict": "passed", "expected": "accepted", "duration_ms": 1.0,
            "request_hash": hash,
        });
        serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ids(pairs: &[Pair<'_>]) -> Vec<(Option<String>, Option<String>, bool)> {
        pairs
            .iter()
            .map(|p| {
                (
                    p.old.map(|c| c.id.clone()),
                    p.new.map(|c| c.id.clone()),
                    p.same_request,
                )
            })
            .collect()
    }

    #[test]
    fn requests_pair_whatever_the_ids() {
        let old = [
            case("property::0001", Some("a")),
            case("property::0002", Some("b")),
            case("hand::x", Some("c")),
            case("hand::skipped", None),
            case("hand::probe", Some("d")),
        ];
        let new = [
            case("property::0001", Some("b")),
            case("property::0002", Some("z")),
            case("hand::x", Some("c")),
            case("hand::skipped", None),
            case("hand::probe", None),
        ];
        let (matching, pairs) = pair(&old, &new, false);
        assert_eq!(matching, Matching::Request);
        let s = |t: &str| Some(t.to_owned());
        assert_eq!(
            ids(&pairs),
            [
                (s("property::0002"), s("property::0001"), true),
                (None, s("property::0002"), false),
                (s("hand::x"), s("hand::x"), true),
                (s("hand::skipped"), s("hand::skipped"), true),
                (s("hand::probe"), s("hand::probe"), true),
                (s("property::0001"), None, false),
            ]
        );
    }

    #[test]
    fn one_request_sent_twice_pairs_equal_ids_first() {
        let old = [case("hand::a", Some("h")), case("hand::b", Some("h"))];
        let new = [case("hand::b", Some("h")), case("hand::c", Some("h"))];
        let (_, pairs) = pair(&old, &new, true);
        let s = |t: &str| Some(t.to_owned());
        assert_eq!(
            ids(&pairs),
            [
                (s("hand::b"), s("hand::b"), true),
                (s("hand::a"), s("hand::c"), true)
            ]
        );
    }

    #[test]
    fn reports_without_hashes_pair_by_id_and_seeded_ids_only_under_one_seed() {
        let old = [case("property::0001", None), case("hand::x", None)];
        let new = [
            case("property::0001", Some("a")),
            case("hand::x", Some("b")),
        ];
        let (matching, pairs) = pair(&old, &new, false);
        assert_eq!(matching, Matching::Id);
        let same: Vec<bool> = pairs.iter().map(|p| p.same_request).collect();
        assert_eq!(same, [false, true]);
        let (_, pairs) = pair(&old, &new, true);
        assert!(pairs.iter().all(|p| p.same_request));
    }
}
