//! The pictures of `report.html` as view data: outcomes per case family (stacked bars), the
//! clauses as a strip coloured by result, and latency per family (p50, p90, max). Only numbers
//! and labels are computed here; the template draws them as inline SVG, each shape with its
//! `<title>` and a text label, so the page stays one self-contained file with no script library
//! and every label is escaped like any other text.

use serde::Serialize;

use crate::report::group;
use crate::report::model::{CaseRecord, ClauseCoverage, Verdict};

/// Width of the drawing area of a bar, in SVG units (the label column is left of it).
const BAR_WIDTH: f64 = 560.0;
/// Height of one bar row.
pub const ROW_HEIGHT: f64 = 22.0;
/// Width of one clause cell in the strip.
const CELL_WIDTH: f64 = 30.0;

#[derive(Serialize, Debug)]
pub struct Charts {
    pub outcomes: Vec<FamilyBar>,
    pub outcomes_height: f64,
    pub clauses: Vec<ClauseCell>,
    pub clauses_width: f64,
    pub latency: Vec<LatencyBar>,
    pub latency_height: f64,
    /// The slowest answer of the run, the latency scale's end.
    pub latency_max: String,
}

/// One case family's outcomes as a stacked bar.
#[derive(Serialize, Debug)]
pub struct FamilyBar {
    pub family: String,
    pub y: f64,
    pub segments: Vec<Segment>,
    /// `12 passed, 3 failed`: the bar's text label.
    pub label: String,
    /// Where the text label starts: after the bar.
    pub label_x: f64,
}

#[derive(Serialize, Debug)]
pub struct Segment {
    /// The outcome, also the CSS class that colours it.
    pub outcome: &'static str,
    pub x: f64,
    pub width: f64,
    pub count: usize,
}

/// One clause in the strip.
#[derive(Serialize, Debug)]
pub struct ClauseCell {
    pub clause: String,
    pub title: String,
    /// `passed`, `failed` or `gap`.
    pub result: &'static str,
    pub x: f64,
    /// `failed 195 of 209` and the like, for the cell's title.
    pub detail: String,
}

/// One case family's latency: bars to p50, p90 and max on one scale.
#[derive(Serialize, Debug)]
pub struct LatencyBar {
    pub family: String,
    pub y: f64,
    pub p50: f64,
    pub p90: f64,
    pub max: f64,
    pub label: String,
    pub label_x: f64,
}

const OUTCOMES: [&str; 4] = ["passed", "failed", "baselined", "skipped"];

pub fn charts(cases: &[CaseRecord], coverage: &[ClauseCoverage]) -> Charts {
    let families = families(cases);
    let outcomes = outcome_bars(cases, &families);
    let (latency, slowest) = latency_bars(cases, &families);
    Charts {
        outcomes_height: outcomes.len() as f64 * ROW_HEIGHT,
        outcomes,
        clauses_width: coverage.len() as f64 * CELL_WIDTH,
        clauses: clause_cells(coverage),
        latency_height: latency.len() as f64 * ROW_HEIGHT,
        latency,
        latency_max: format!("{slowest:.1} ms"),
    }
}

/// Case families in the order their first case ran.
fn families(cases: &[CaseRecord]) -> Vec<&str> {
    let mut families: Vec<&str> = Vec::new();
    for case in cases {
        if !families.contains(&case.family.as_str()) {
            families.push(&case.family);
        }
    }
    families
}

fn outcome_bars(cases: &[CaseRecord], families: &[&str]) -> Vec<FamilyBar> {
    let counts: Vec<[usize; 4]> = families
        .iter()
        .map(|family| {
            let mut counts = [0; 4];
            for case in cases.iter().filter(|c| c.family == *family) {
                let label = group::outcome_label(case);
                if let Some(i) = OUTCOMES.iter().position(|o| *o == label) {
                    counts[i] += 1;
                }
            }
            counts
        })
        .collect();
    let widest = counts
        .iter()
        .map(|c| c.iter().sum::<usize>())
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = BAR_WIDTH / widest as f64;
    families
        .iter()
        .zip(&counts)
        .enumerate()
        .map(|(row, (family, counts))| {
            let mut x = 0.0;
            let mut segments = Vec::new();
            for (outcome, &count) in OUTCOMES.iter().zip(counts) {
                if count == 0 {
                    continue;
                }
                let width = count as f64 * scale;
                segments.push(Segment {
                    outcome,
                    x: round(x),
                    width: round(width),
                    count,
                });
                x += width;
            }
            let label = segments
                .iter()
                .map(|s| format!("{} {}", s.count, s.outcome))
                .collect::<Vec<_>>()
                .join(", ");
            FamilyBar {
                family: (*family).to_owned(),
                y: row as f64 * ROW_HEIGHT,
                segments,
                label,
                label_x: round(x + 6.0),
            }
        })
        .collect()
}

fn clause_cells(coverage: &[ClauseCoverage]) -> Vec<ClauseCell> {
    coverage
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let (result, detail) = if row.cases.is_empty() {
                ("gap", "not reached".to_owned())
            } else if row.failed > 0 {
                (
                    "failed",
                    format!("failed in {} of {}", row.failed, row.cases.len()),
                )
            } else {
                ("passed", format!("passed in {}", row.cases.len()))
            };
            ClauseCell {
                clause: row.clause.clone(),
                title: row.title.clone(),
                result,
                x: i as f64 * CELL_WIDTH,
                detail,
            }
        })
        .collect()
}

/// Latency bars of the families with answered cases, and the slowest answer.
fn latency_bars(cases: &[CaseRecord], families: &[&str]) -> (Vec<LatencyBar>, f64) {
    let stats: Vec<(&str, [f64; 3])> = families
        .iter()
        .filter_map(|family| {
            let mut times: Vec<f64> = cases
                .iter()
                .filter(|c| c.family == *family && c.verdict != Verdict::Skipped)
                .map(|c| c.duration_ms)
                .filter(|ms| ms.is_finite() && *ms >= 0.0)
                .collect();
            if times.is_empty() {
                return None;
            }
            times.sort_by(f64::total_cmp);
            let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
            Some((*family, [at(0.5), at(0.9), times[times.len() - 1]]))
        })
        .collect();
    let slowest = stats.iter().map(|(_, s)| s[2]).fold(0.0, f64::max);
    let scale = if slowest > 0.0 {
        BAR_WIDTH / slowest
    } else {
        0.0
    };
    let bars = stats
        .iter()
        .enumerate()
        .map(|(row, (family, [p50, p90, max]))| LatencyBar {
            family: (*family).to_owned(),
            y: row as f64 * ROW_HEIGHT,
            p50: round(p50 * scale),
            p90: round(p90 * scale),
            max: round(max * scale),
            label: format!("p50 {p50:.1} ms, p90 {p90:.1} ms, max {max:.1} ms"),
            label_x: round(max * scale + 6.0),
        })
        .collect();
    (bars, slowest)
}

/// Coordinates to a tenth: enough on screen, and a stable page text.
fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(id: &str, family: &str, verdict: &str, ms: f64) -> CaseRecord {
        serde_json::from_value(json!({
            "id": id, "title": id, "family": family, "clause": "notes:5", "verdict": verdict,
            "expected": "accepted", "observed": "accepted", "duration_ms": ms,
        }))
        .unwrap()
    }

    #[test]
    fn bars_stack_outcomes_and_latency_uses_one_scale() {
        let cases = [
            case("a1", "boundary", "passed", 2.0),
            case("a2", "boundary", "failed", 4.0),
            case("a3", "boundary", "passed", 6.0),
            case("f1", "fleet", "failed", 300.0),
            case("s1", "hand", "skipped", 0.0),
        ];
        let coverage: Vec<ClauseCoverage> = serde_json::from_value(json!([
            {"clause": "notes:5", "title": "States", "cases": ["a1"], "failed": 0},
            {"clause": "notes:6.5", "title": "Copy", "cases": ["f1"], "failed": 1},
            {"clause": "notes:2", "title": "Profiles", "cases": [], "failed": 0},
        ]))
        .unwrap();
        let charts = charts(&cases, &coverage);
        let boundary = &charts.outcomes[0];
        assert_eq!(boundary.family, "boundary");
        assert_eq!(boundary.label, "2 passed, 1 failed");
        assert_eq!(boundary.segments[1].x, round(BAR_WIDTH * 2.0 / 3.0));
        assert_eq!(boundary.segments[1].width, round(BAR_WIDTH / 3.0));
        assert_eq!(charts.outcomes[2].label, "1 skipped");
        let results: Vec<&str> = charts.clauses.iter().map(|c| c.result).collect();
        assert_eq!(results, ["passed", "failed", "gap"]);
        assert_eq!(charts.clauses[1].detail, "failed in 1 of 1");
        // The skipped family has no latency; the slowest answer spans the whole width.
        assert_eq!(charts.latency.len(), 2);
        assert_eq!(charts.latency[1].max, BAR_WIDTH);
        assert_eq!(charts.latency[0].p50, round(BAR_WIDTH / 75.0));
        assert_eq!(
            charts.latency[0].label,
            "p50 4.0 ms, p90 6.0 ms, max 6.0 ms"
        );
        assert_eq!(charts.latency_max, "300.0 ms");
    }
}
