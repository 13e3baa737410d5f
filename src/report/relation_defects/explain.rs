//! What differed in a failed relation, in one line a person reads, from what its requests asked
//! and its answers held ([`ExchangeShape`]) and its violations. The most specific reading that
//! fits every exchange wins: answers cut after a fixed number of agents, then agents one
//! answer left out that another held, then the violations' own words.

use super::super::model::RelationRecord;
use super::super::relation_shape::ExchangeShape;

/// One line: `answers to batches of more than 100 IDs stop after the 100th agent: ...`.
pub fn explain(relation: &RelationRecord) -> String {
    // A limit discovery sends other ccIds and vdns: an agent missing there is no loss.
    let compares_agents = !relation.relation.starts_with("discovery");
    let shapes = &relation.requests;
    let shaped = if compares_agents {
        cut_after(shapes).or_else(|| left_out(shapes))
    } else {
        None
    };
    shaped.unwrap_or_else(|| from_violations(relation))
}

/// Answers that stop early: no answer misses an agent before its last one, some leave out
/// agents asked later that another answer held, and either the answers were cut at one count
/// of agents or one ID position fits them all (every answer's last agent asked at or before
/// it, every agent left out after it). The line names the cut as precisely as the exchanges
/// allow: a count of agents when different requests were cut at the same count, an ID
/// position when the exchanges pin it down, else where the answers stopped.
fn cut_after(shapes: &[ExchangeShape]) -> Option<String> {
    let read: Vec<&ExchangeShape> = shapes.iter().filter(|s| s.answered.is_some()).collect();
    if read.iter().any(|s| s.missing_within > 0) {
        return None;
    }
    let (cut, whole): (Vec<&ExchangeShape>, Vec<&ExchangeShape>) =
        read.iter().partition(|s| s.missing_after > 0);
    // One ID position fitting every answer, when there is one: each answer's last agent asked
    // at or before it, each agent left out after it (only meaningful for one order of IDs).
    let reached = read.iter().filter_map(|s| s.last_answered_at).max()?;
    let before_first_left_out = cut
        .iter()
        .filter_map(|s| s.first_left_out_at)
        .min()?
        .checked_sub(1)?;
    let position = (reached <= before_first_left_out).then_some(reached);
    let mut held: Vec<usize> = cut.iter().filter_map(|s| s.answered).collect();
    held.sort_unstable();
    let (least, most) = (*held.first()?, *held.last()?);
    let held = match least == most {
        true => agents(least),
        false => format!("{least} to {most} agents"),
    };
    let mut sizes: Vec<usize> = cut.iter().map(|s| s.distinct_ids).collect();
    sizes.sort_unstable();
    sizes.dedup();
    let sizes: Vec<String> = sizes.into_iter().map(ids).collect();
    let sizes = sizes.join(" or ");
    let mut requests: Vec<&str> = cut.iter().map(|s| s.ids.as_str()).collect();
    requests.sort_unstable();
    requests.dedup();
    // A cut pinned to one ID position across the answers is the stronger reading: over a
    // sparse fleet, equal agent counts can be a coincidence of one request asked twice.
    let head = if position.is_some_and(|at| at == before_first_left_out) {
        format!(
            "answers to batches of more than {} stop after the {} ID",
            ids(reached),
            ordinal(reached)
        )
    } else if least == most && requests.len() > 1 {
        format!(
            "answers to batches of {sizes} stop after the {} agent",
            ordinal(least)
        )
    } else if let Some(at) = position {
        // Nothing asked after `at` was held, and later agents another answer held were left
        // out: the cut is at or after it (over a sparse fleet, the IDs just after it may all
        // be unknown).
        format!(
            "answers to batches of {sizes} stop by the {} ID asked",
            ordinal(at)
        )
    } else if least == most {
        format!("answers to batches of {sizes} stop early")
    } else {
        return None;
    };
    let each = match cut.len() {
        1 => "the answer".to_owned(),
        n => format!("each of the {n} answers"),
    };
    let within = position
        .map(|at| format!(", all among its first {}", ids(at)))
        .unwrap_or_default();
    let mut line = format!(
        "{head}: {each} held only the first {held} asked{within}, and left out later ones another answer held"
    );
    let mut smaller: Vec<usize> = whole
        .iter()
        .map(|s| s.distinct_ids)
        .filter(|n| *n <= position.unwrap_or(least))
        .collect();
    smaller.sort_unstable();
    smaller.dedup();
    if !smaller.is_empty() {
        let smaller: Vec<String> = smaller.into_iter().map(ids).collect();
        line.push_str(&format!(
            "; the smaller requests ({}) were answered in full",
            smaller.join(", ")
        ));
    }
    Some(line)
}

/// `#1 left out 178 agents it asked for that another answer held (answered 100 of 6000 IDs)`,
/// for the first two exchanges that left any out.
fn left_out(shapes: &[ExchangeShape]) -> Option<String> {
    let parts: Vec<String> = shapes
        .iter()
        .enumerate()
        .filter_map(|(index, shape)| {
            let missing = shape.missing_within + shape.missing_after;
            let answered = shape.answered?;
            (missing > 0).then(|| {
                format!(
                    "#{index} left out {} it asked for that another answer held (it answered {answered} of {} asked)",
                    agents(missing),
                    ids(shape.distinct_ids)
                )
            })
        })
        .take(2)
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// `179 findings of CMS-REL-005, the first: agent 101: currentState 1 → 2 with no state
/// change`; a lone finding's message as it is.
fn from_violations(relation: &RelationRecord) -> String {
    let failures: Vec<_> = relation
        .violations
        .iter()
        .filter(|v| v.is_failure())
        .collect();
    let Some(first) = failures.first() else {
        return format!(
            "the relation failed without a finding; see its findings: {}",
            relation.findings.join("; ")
        );
    };
    let mut checks: Vec<&str> = Vec::new();
    for v in &failures {
        if !checks.contains(&v.check.as_str()) {
            checks.push(&v.check);
        }
    }
    match relation.total_violations() {
        0 | 1 => first.message.clone(),
        total => format!(
            "{total} findings of {}, the first: {}",
            checks.join(", "),
            first.message
        ),
    }
}

/// `1 ID`, `6000 IDs`.
pub fn ids(count: usize) -> String {
    match count {
        1 => "1 ID".to_owned(),
        n => format!("{n} IDs"),
    }
}

/// `1 agent`, `100 agents`.
pub fn agents(count: usize) -> String {
    match count {
        1 => "1 agent".to_owned(),
        n => format!("{n} agents"),
    }
}

/// `1st`, `2nd`, `3rd`, `11th`, `100th`, `101st`.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verdict;

    /// A shape: `at` is (last answered, first left out) as positions among the IDs asked.
    fn shape(
        distinct: usize,
        answered: Option<usize>,
        (within, after): (usize, usize),
        at: (Option<usize>, Option<usize>),
    ) -> ExchangeShape {
        ExchangeShape {
            ids_asked: distinct,
            distinct_ids: distinct,
            ids: String::new(),
            answered,
            missing_within: within,
            missing_after: after,
            last_answered_at: at.0,
            first_left_out_at: at.1,
        }
    }

    fn relation(name: &str, requests: Vec<ExchangeShape>) -> RelationRecord {
        let violation = serde_json::json!({"check": "CMS-REL-001", "clause": "notes:6.14",
            "severity": "failure", "pointer": "#1/resultDesc/0 vs #0/resultDesc",
            "message": "agent 5186 is answered in #1 but missing from #0, though both asked for it"});
        RelationRecord {
            relation: name.into(),
            verdict: Verdict::Failed,
            violations: serde_json::from_value(serde_json::json!([violation])).unwrap(),
            exchanges: Vec::new(),
            findings: Vec::new(),
            violations_total: 178,
            requests,
        }
    }

    #[test]
    fn answers_cut_at_one_id_position_read_as_a_truncation() {
        // sub-batch::tail against a server that keeps only agents among the first 100 IDs
        // asked, over a dense fleet: the batch and its re-ask held 100, the tail of 20 was whole.
        let cut = || shape(6000, Some(100), (0, 20), (Some(100), Some(101)));
        let whole = || shape(20, Some(20), (0, 0), (Some(20), None));
        let tail = relation("sub-batch::tail", vec![cut(), whole(), cut(), whole()]);
        assert_eq!(
            explain(&tail),
            "answers to batches of more than 100 IDs stop after the 100th ID: each of the 2 \
             answers held only the first 100 agents asked, all among its first 100 IDs, and left \
             out later ones another answer held; the smaller requests (20 IDs) were answered in \
             full"
        );
        // A sparse fleet: the last agent held was asked 98th, the first left out 5980th.
        let sparse = relation(
            "sub-batch::tail",
            vec![
                shape(6000, Some(91), (0, 20), (Some(98), Some(5980))),
                shape(20, Some(20), (0, 0), (Some(20), None)),
            ],
        );
        assert_eq!(
            explain(&sparse),
            "answers to batches of 6000 IDs stop by the 98th ID asked: the answer held only the \
             first 91 agents asked, all among its first 98 IDs, and left out later ones another answer held; the \
             smaller requests (20 IDs) were answered in full"
        );
        // Two orders of one batch: neither answer held an agent asked after the 100th ID.
        let narrow = relation(
            "permutation",
            vec![
                shape(6000, Some(91), (0, 88), (Some(100), Some(103))),
                shape(6000, Some(89), (0, 90), (Some(97), Some(104))),
            ],
        );
        assert!(
            explain(&narrow).starts_with(
                "answers to batches of 6000 IDs stop by the 100th ID asked: each of the 2 \
                 answers held only the first 89 to 91 agents asked, all among its first \
                 100 IDs"
            ),
            "{}",
            explain(&narrow)
        );
    }

    #[test]
    fn two_requests_cut_at_one_count_read_as_a_cut_after_that_agent() {
        let mut ascending = shape(300, Some(100), (0, 5), (Some(150), Some(170)));
        ascending.ids = "101-400".into();
        let mut shuffled = shape(300, Some(100), (0, 4), (Some(160), Some(175)));
        shuffled.ids = "377, … 101 (not ascending)".into();
        let permutation = relation("permutation", vec![ascending, shuffled]);
        assert_eq!(
            explain(&permutation),
            "answers to batches of 300 IDs stop after the 100th agent: each of the 2 answers \
             held only the first 100 agents asked, all among its first 160 IDs, and left out \
             later ones another answer held"
        );
        // Over a fleet that starts at the 899th ID asked, two orders stop at far-apart places.
        let mut orders = permutation.clone();
        orders.requests[0].last_answered_at = Some(998);
        orders.requests[0].first_left_out_at = Some(999);
        orders.requests[1].last_answered_at = Some(5900);
        orders.requests[1].first_left_out_at = Some(5901);
        assert_eq!(
            explain(&orders),
            "answers to batches of 300 IDs stop after the 100th agent: each of the 2 answers \
             held only the first 100 agents asked, and left out later ones another answer held"
        );
        // Cut at one ID position as well: the position is the reading.
        let mut pinned = permutation.clone();
        pinned.requests[1].first_left_out_at = Some(161);
        assert!(
            explain(&pinned).starts_with(
                "answers to batches of more than 160 IDs stop after the 160th ID: each of the 2 \
                 answers held only the first 100 agents asked"
            ),
            "{}",
            explain(&pinned)
        );
        // Cut at different counts, one ID position: the position is what they share.
        let mut by_ids = pinned.clone();
        by_ids.requests[0].answered = Some(97);
        by_ids.requests[0].last_answered_at = Some(155);
        by_ids.requests[0].first_left_out_at = Some(161);
        assert!(
            explain(&by_ids).starts_with(
                "answers to batches of more than 160 IDs stop after the 160th ID: each of the 2 \
                 answers held only the first 97 to 100 agents asked"
            ),
            "{}",
            explain(&by_ids)
        );
    }

    #[test]
    fn holes_or_uneven_cuts_fall_back_to_what_was_left_out() {
        // A hole before the last agent: not a cut.
        let holes = relation(
            "permutation",
            vec![
                shape(6000, Some(900), (0, 0), (Some(6000), None)),
                shape(6000, Some(722), (178, 0), (Some(5990), None)),
            ],
        );
        assert_eq!(
            explain(&holes),
            "#1 left out 178 agents it asked for that another answer held (it answered 722 of \
             6000 IDs asked)"
        );
        // No one cut fits both: #1 answered past where #0 left an agent out.
        let uneven = relation(
            "permutation",
            vec![
                shape(6000, Some(100), (0, 3), (Some(100), Some(120))),
                shape(6000, Some(140), (0, 13), (Some(150), Some(151))),
            ],
        );
        assert!(
            explain(&uneven).starts_with("#0 left out 3 agents"),
            "{}",
            explain(&uneven)
        );
    }

    #[test]
    fn without_shapes_or_for_a_discovery_the_violations_speak() {
        let older = relation("permutation", Vec::new());
        assert_eq!(
            explain(&older),
            "178 findings of CMS-REL-001, the first: agent 5186 is answered in #1 but missing \
             from #0, though both asked for it"
        );
        let discovery = relation(
            "discovery::vdn",
            vec![shape(1, Some(0), (0, 1), (None, Some(1)))],
        );
        assert!(explain(&discovery).starts_with("178 findings of CMS-REL-001"));
    }

    #[test]
    fn ordinals() {
        let words: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 100, 101, 112]
            .map(ordinal)
            .into();
        assert_eq!(
            words,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "100th", "101st",
                "112th"
            ]
        );
    }
}
