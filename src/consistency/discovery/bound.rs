//! One documented bound under discovery: the probes made around it, the next value worth
//! probing (the bound, its first forbidden neighbour, the common off-by-one, then bisection
//! towards a far cap or an accepted anchor) and the finding it settles on. A ccId or vdn the
//! server refuses as unknown (notes:6.15) shows a limit only next to an accepted value other
//! than the home one; otherwise the end settles as "limit not observable". Pure: the driver in
//! `discovery` sends the probes.

use std::collections::{BTreeMap, BTreeSet};

use crate::checks::Violation;
use crate::consistency::relations::ENFORCED_LIMIT;

/// One documented bound and what the probes found around it. Positions are distances `d`
/// outward from the documented value: 0 is the bound itself, 1 the first forbidden value,
/// negative values lie inside.
pub(super) struct End {
    pub(super) what: String,
    pub(super) documented: i64,
    /// +1 for a maximum, -1 for a minimum.
    pub(super) outward: i64,
    /// A position inside, accepted by the baseline or worth probing when the bound is refused.
    pub(super) anchor: i64,
    /// The farthest position probed outward.
    pub(super) far: i64,
    /// Position → (accepted, index of the exchange in the parameter's record; None = baseline).
    pub(super) probes: BTreeMap<i64, (bool, Option<usize>)>,
    pub(super) inconclusive: Option<String>,
    /// What the server hosts under this member ("call centres"), for ccId and vdn only.
    pub(super) hosted: Option<&'static str>,
    /// Positions refused as unknown (a business failure inside the range, notes:6.15); they
    /// are in `probes` as refused too.
    pub(super) unhosted: BTreeSet<i64>,
}

impl End {
    pub(super) fn value(&self, d: i64) -> Option<i64> {
        d.checked_mul(self.outward)?.checked_add(self.documented)
    }

    fn accepted(&self, d: i64) -> Option<bool> {
        self.probes.get(&d).map(|p| p.0)
    }

    /// The next position worth probing, or `None` once settled.
    pub(super) fn next(&self) -> Option<i64> {
        if self.inconclusive.is_some() {
            return None;
        }
        for d in [0, 1] {
            if self.accepted(d).is_none() {
                return Some(d);
            }
        }
        let unprobed = |d: &i64| self.accepted(*d).is_none();
        match (self.accepted(0), self.accepted(1)) {
            (Some(true), Some(true)) => {
                let lo = self.last_accepted()?;
                match self.first_rejected_after(lo) {
                    None => [2, self.far].into_iter().find(|d| *d > lo && unprobed(d)),
                    Some(hi) => (hi - lo > 1).then(|| lo + (hi - lo) / 2),
                }
            }
            (Some(false), Some(false)) => {
                let hi = self.first_rejected()?;
                // The common off-by-one first: the value just inside the bound.
                match self.last_accepted_before(hi) {
                    _ if hi == 0 && unprobed(&-1) => Some(-1),
                    // Inward of a value refused as unknown, more refusals tell nothing.
                    _ if self.not_observable() => None,
                    None => Some(self.anchor).filter(|d| *d < hi && unprobed(d)),
                    Some(lo) => (hi - lo > 1).then(|| lo + (hi - lo) / 2),
                }
            }
            _ => None,
        }
    }

    /// The innermost refusal is one as unknown, and nothing between it and the home value
    /// (the baseline, which the server hosts) was accepted: the server may host nothing but
    /// its home, so no limit shows.
    fn not_observable(&self) -> bool {
        let Some(hi) = self.first_rejected() else {
            return false;
        };
        self.hosted.is_some()
            && self.unhosted.contains(&hi)
            && self
                .last_accepted_before(hi)
                .is_none_or(|lo| self.probes.get(&lo).is_some_and(|p| p.1.is_none()))
    }

    fn last_accepted(&self) -> Option<i64> {
        self.probes
            .iter()
            .filter(|(_, p)| p.0)
            .map(|(d, _)| *d)
            .max()
    }
    fn first_rejected(&self) -> Option<i64> {
        self.probes
            .iter()
            .filter(|(_, p)| !p.0)
            .map(|(d, _)| *d)
            .min()
    }
    fn first_rejected_after(&self, lo: i64) -> Option<i64> {
        self.probes
            .iter()
            .filter(|(d, p)| !p.0 && **d > lo)
            .map(|(d, _)| *d)
            .min()
    }
    fn last_accepted_before(&self, hi: i64) -> Option<i64> {
        self.probes
            .iter()
            .filter(|(d, p)| p.0 && **d < hi)
            .map(|(d, _)| *d)
            .max()
    }

    /// The one-line finding and, for a deviation, the violation with the probe showing it.
    pub(super) fn verdict(&self) -> (String, Option<Violation>) {
        let doc = format!("documented {}", self.what);
        let show = |d: i64| {
            self.value(d)
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into())
        };
        let pointer = |d: i64| {
            self.probes
                .get(&d)
                .and_then(|p| p.1)
                .map(|i| format!("#{i}"))
                .unwrap_or_else(|| "#baseline".into())
        };
        let deviation = |d: i64, text: String| {
            let violation =
                Violation::new(&ENFORCED_LIMIT, pointer(d), text.clone()).with_value(show(d));
            (text, Some(violation))
        };
        if let Some(why) = &self.inconclusive {
            return (format!("{doc}: {why}; not pursued"), None);
        }
        let bound = if self.outward > 0 { "up to" } else { "down to" };
        let rejected_from = |v: String| {
            if self.outward > 0 {
                format!("rejects from {v}")
            } else {
                format!("rejects {v} and below")
            }
        };
        match (self.accepted(0), self.accepted(1)) {
            (None, _) | (_, None) => (format!("{doc}: not probed (discovery budget spent)"), None),
            (Some(true), Some(false)) => (format!("{doc}: enforced as documented"), None),
            (Some(false), Some(true)) => deviation(
                1,
                format!(
                    "{doc}; server rejects {} but accepts {} (not monotone)",
                    show(0),
                    show(1)
                ),
            ),
            (Some(true), Some(true)) => {
                let lo = self.last_accepted().unwrap_or(1);
                let text = match self.first_rejected_after(lo) {
                    Some(hi) if hi - lo == 1 => format!(
                        "{doc}; server accepts {bound} {} ({})",
                        show(lo),
                        rejected_from(show(hi))
                    ),
                    Some(hi) => format!(
                        "{doc}; server accepts {bound} {}, rejects {} (exact limit between; discovery budget spent)",
                        show(lo),
                        show(hi)
                    ),
                    None if lo >= self.far => {
                        format!("{doc}; server accepts {bound} at least {}", show(lo))
                    }
                    None => format!(
                        "{doc}; server accepts {bound} at least {} (discovery budget spent)",
                        show(lo)
                    ),
                };
                deviation(1, text)
            }
            (Some(false), Some(false)) if self.not_observable() => {
                let refused: Vec<String> = self.unhosted.iter().rev().map(|d| show(*d)).collect();
                (
                    format!(
                        "{doc}: limit not observable: the server refuses {} it does not host \
                         ({} refused as unknown)",
                        self.hosted.unwrap_or("values"),
                        refused.join(", ")
                    ),
                    None,
                )
            }
            (Some(false), Some(false)) => {
                let hi = self.first_rejected().unwrap_or(0);
                let text = match self.last_accepted_before(hi) {
                    Some(lo) if hi - lo == 1 => format!(
                        "{doc}; server rejects {} {} (enforces {} {})",
                        if self.outward > 0 { "from" } else { "up to" },
                        show(hi),
                        if self.outward > 0 { "max" } else { "min" },
                        show(lo)
                    ),
                    Some(lo) => format!(
                        "{doc}; server rejects {} but accepts {} (exact limit between; discovery budget spent)",
                        show(hi),
                        show(lo)
                    ),
                    None => format!(
                        "{doc}; server rejects {} and every value probed inside",
                        show(hi)
                    ),
                };
                deviation(0, text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives an end against a server accepting exactly `accepts`, returning probes spent.
    fn settle(end: &mut End, accepts: impl Fn(i64) -> bool, budget: usize) -> usize {
        let mut spent = 0;
        while let Some(d) = end.next() {
            if spent == budget {
                break;
            }
            spent += 1;
            let value = end.value(d).unwrap();
            end.probes.insert(d, (accepts(value), Some(spent)));
        }
        spent
    }

    fn max_end(documented: i64, anchor_value: i64, far_value: i64) -> End {
        let mut probes = BTreeMap::new();
        probes.insert(anchor_value - documented, (true, None));
        End {
            what: format!("max x {documented}"),
            documented,
            outward: 1,
            anchor: anchor_value - documented,
            far: far_value - documented,
            probes,
            inconclusive: None,
            hosted: None,
            unhosted: BTreeSet::new(),
        }
    }

    #[test]
    fn off_by_one_costs_three_probes_either_way() {
        let mut end = max_end(65535, 1, 131072);
        assert_eq!(settle(&mut end, |v| v <= 65534, 64), 3);
        assert_eq!(
            end.verdict().0,
            "documented max x 65535; server rejects from 65535 (enforces max 65534)"
        );
        let mut end = max_end(6000, 1, 8192);
        assert_eq!(settle(&mut end, |v| v <= 6001, 64), 3);
        assert_eq!(
            end.verdict().0,
            "documented max x 6000; server accepts up to 6001 (rejects from 6002)"
        );
        assert_eq!(end.verdict().1.unwrap().pointer, "#2");
    }

    #[test]
    fn bisection_is_exact_for_any_limit_in_reach() {
        for limit in [1, 2, 100, 5999, 6000, 6003, 7000, 8191, 8192] {
            let mut end = max_end(6000, 1, 8192);
            let spent = settle(&mut end, |v| v <= limit, 64);
            assert!(spent <= 16, "limit {limit}: {spent} probes");
            let (finding, violation) = end.verdict();
            assert_eq!(violation.is_none(), limit == 6000, "{finding}");
            if limit == 6000 {
                assert!(finding.ends_with("enforced as documented"));
            } else if limit < 8192 {
                assert!(
                    finding.contains(&format!(" {limit} "))
                        || finding.ends_with(&format!(" {limit})")),
                    "{limit}: {finding}"
                );
            } else {
                assert!(
                    finding.ends_with("accepts up to at least 8192"),
                    "{finding}"
                );
            }
        }
    }

    #[test]
    fn a_lower_bound_and_a_spent_budget() {
        let mut end = End {
            what: "min y 1".into(),
            documented: 1,
            outward: -1,
            anchor: -169,
            far: 2,
            probes: BTreeMap::new(),
            inconclusive: None,
            hosted: None,
            unhosted: BTreeSet::new(),
        };
        settle(&mut end, |v| v >= -1, 64);
        assert_eq!(
            end.verdict().0,
            "documented min y 1; server accepts down to at least -1"
        );
        let mut end = max_end(6000, 1, 8192);
        assert_eq!(settle(&mut end, |v| v <= 7777, 5), 5);
        assert!(
            end.verdict().0.contains("budget spent"),
            "{}",
            end.verdict().0
        );
    }

    /// Drives a ccId end against a server hosting only `hosts`, refusing other in-range values
    /// as unknown and rejecting values beyond `limit`.
    fn settle_hosting(end: &mut End, hosts: &[i64], limit: i64) -> usize {
        let mut spent = 0;
        while let Some(d) = end.next() {
            spent += 1;
            let value = end.value(d).unwrap();
            let hosted = hosts.contains(&value) && value <= limit;
            if !hosted && (1..=65535).contains(&value) {
                end.unhosted.insert(d);
            }
            end.probes.insert(d, (hosted, Some(spent)));
            assert!(spent < 64, "the end never settles");
        }
        spent
    }

    fn hosting_end(home: i64) -> End {
        let mut end = max_end(65535, home, 131072);
        end.what = "max ccId 65535".into();
        end.hosted = Some("call centres");
        end
    }

    #[test]
    fn a_server_hosting_only_its_home_shows_no_limit() {
        let mut end = hosting_end(1);
        // 65535 and 65536, then 65534: nothing more is worth sending.
        assert_eq!(settle_hosting(&mut end, &[1], 65535), 3);
        let (finding, violation) = end.verdict();
        assert!(violation.is_none(), "{finding}");
        assert_eq!(
            finding,
            "documented max ccId 65535: limit not observable: the server refuses call centres \
             it does not host (65535, 65534 refused as unknown)"
        );
        assert!(!finding.contains("enforces"));
        // The home next to the bound is no witness either.
        let mut end = hosting_end(65534);
        settle_hosting(&mut end, &[65534], 65535);
        assert!(end.verdict().1.is_none(), "{}", end.verdict().0);
    }

    #[test]
    fn a_refusal_next_to_an_accepted_value_is_still_a_limit() {
        // Hosts 65534 (not the home) but refuses 65535: it enforces max 65534.
        let mut end = hosting_end(1);
        settle_hosting(&mut end, &[1, 65534], 65534);
        let (finding, violation) = end.verdict();
        assert!(violation.is_some(), "{finding}");
        assert!(finding.contains("enforces max 65534"), "{finding}");
    }
}
