//! report.html, built from the fixed RunRecord of `common/report_fixture.rs`: self-contained
//! and escaped, the verdict and failures first, rendered in headless Chromium without console
//! errors, and every failing value of a 6000-agent answer highlighted.

#[path = "common/report_fixture.rs"]
mod report_fixture;

use report_fixture::*;

use std::path::{Path, PathBuf};

use cmsconform::checks::Violation;
use cmsconform::exchange::Received;
use cmsconform::redact::Redactor;
use cmsconform::report::{self, ResponseRecord};

#[test]
fn html_is_self_contained_escaped_and_highlights_values() {
    let (record, _) = fixture();
    let html = report::html::render(&record).unwrap();
    for forbidden in ["http://", "https://", "<link", " src=", "@import", "url("] {
        // The target URL is shown as text in code; that is not a resource reference.
        let hits = html.matches(forbidden).count();
        let as_text = html.matches(&format!(">{forbidden}")).count()
            + html.matches(&format!("'{forbidden}")).count()
            + html.matches(&format!(" {forbidden}")).count()
            + html.matches(&format!("&#x27;{forbidden}")).count();
        assert_eq!(hits, as_text, "{forbidden} used as a resource reference");
    }
    assert!(!html.contains(" src=\"http") && !html.contains("href=\"http"));
    assert!(!html.contains("<script>alert"), "server text became markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(
        html.contains("<mark>&quot;1700000000000&quot;</mark>"),
        "logonTime highlighted"
    );
    assert!(html.contains("GAP: no case reached this clause"));
    // property::0003 marks both states and the type; property::0007 its one state.
    assert_eq!(html.matches("<mark>11</mark>").count(), 3);
}

#[test]
fn html_puts_the_verdict_and_failures_first_and_draws_titled_svg() {
    let (record, _) = fixture();
    let html = report::html::render(&record).unwrap();
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing"))
    };
    // Verdict, failures, pictures, run details, coverage, cases: in reading order.
    let order = [
        "class=\"verdict bad\"",
        "<h2 id=\"failures\">",
        "<h2 id=\"pictures\">",
        "<h2 id=\"summary\">",
        "<h2 id=\"coverage\">",
        "<h2 id=\"cases\">",
    ];
    let positions: Vec<usize> = order.iter().map(|n| at(n)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    // Three pictures, inline, each with a title; every shape and group carries its own.
    assert_eq!(html.matches("<svg role=\"img\"").count(), 3);
    let svg = &html[at("<h2 id=\"pictures\">")..at("<h2 id=\"summary\">")];
    for rect in svg.split("<rect ").skip(1) {
        let element = &rect[..rect.find("</rect>").expect("rect closed")];
        assert!(element.contains("<title>"), "untitled shape: {element}");
    }
    // The clause strip: one cell per clause, a gap shown as such, text labels beside colour.
    let cells = svg.matches("<text class=\"clause\"").count();
    assert_eq!(cells, record.coverage.len());
    assert!(svg.contains("<rect class=\"gap\""));
    assert!(svg.contains("not reached"));
    assert!(svg.contains("p50 "));
    assert!(!svg.contains("<script"));
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Loads `page` in headless Chromium; returns the DOM after scripts ran and Chromium's log.
fn render_in_chromium(
    chromium: &Path,
    page: &Path,
    fragment: &str,
    profile: &Path,
) -> (String, String) {
    let output = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .expect("chromium runs");
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "chromium failed: {log}");
    (String::from_utf8_lossy(&output.stdout).into_owned(), log)
}

/// Console output of the page: Chromium logs every console message (errors, uncaught
/// exceptions) as `INFO:CONSOLE` lines; the report's script logs nothing.
fn console_lines(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

#[test]
fn html_renders_in_headless_chromium_without_console_errors() {
    let Some(chromium) = chromium() else {
        assert!(
            std::env::var_os("CMSCONFORM_SKIP_CHROMIUM").is_some(),
            "chromium is not installed (apt-get install chromium, or set CMSCONFORM_SKIP_CHROMIUM=1)"
        );
        return;
    };
    let root = temp_dir();
    let profile = root.path().join("chromium-profile");
    // The detector itself: a broken page is caught.
    let broken = root.path().join("broken.html");
    std::fs::write(
        &broken,
        "<html><body><script>console.error('boom'); missing.call();</script></body></html>",
    )
    .unwrap();
    let (_, log) = render_in_chromium(&chromium, &broken, "", &profile);
    assert_eq!(console_lines(&log).len(), 2, "detector blind: {log}");

    let (record, _) = fixture();
    report::write_all(&record, root.path()).unwrap();
    let page = root.path().join("report.html");
    let (dom, log) = render_in_chromium(&chromium, &page, "", &profile);
    assert!(
        dom.contains("data-script=\"ready\"") && dom.contains("filter ready"),
        "the inline script did not finish; log: {log}"
    );
    let console = console_lines(&log);
    assert!(console.is_empty(), "console output: {console:#?}");
    assert!(!log.contains("net::ERR"), "a resource was requested: {log}");
    assert_eq!(
        dom.matches("class=\"hidden\"").count() + dom.matches("class=\"case hidden\"").count(),
        0,
        "everything shown at first"
    );

    // The outcome filter, driven by the address: 5 of 10 case rows and the 2 detail sections
    // of the baselined and the passing case are hidden.
    let (dom, log) = render_in_chromium(&chromium, &page, "#filter=failed", &profile);
    assert!(console_lines(&log).is_empty(), "{log}");
    assert_eq!(dom.matches("<tr data-outcome=\"").count(), 10);
    assert_eq!(dom.matches("class=\"hidden\"").count(), 5, "{dom}");
    assert_eq!(dom.matches("class=\"case hidden\"").count(), 2, "{dom}");
}

/// A fleet answer of `n` agents shaped like the mock's, whose compatibility copy differs from
/// `resultDesc` (agentRelease + 1) at every index `differs` picks.
fn fleet_answer(n: usize, differs: impl Fn(usize) -> bool) -> String {
    let agent = |i: usize, release: usize| {
        serde_json::json!({
            "prevState": i % 11, "agentId": 30101 + i, "logonTime": 1796205105738u64 + i as u64,
            "agentRelease": release, "locationId": i % 17, "currentPrivateCallNum": i % 4,
            "currentStateTime": 9688 + i, "currentStateReason": 65535, "prevStateTime": 1238,
            "currentState": 3
        })
    };
    let desc: Vec<_> = (0..n).map(|i| agent(i, i % 40)).collect();
    let datas: Vec<_> = (0..n)
        .map(|i| agent(i, i % 40 + usize::from(differs(i))))
        .collect();
    serde_json::json!({
        "result": "0", "resultCode": "0100000", "resultDatas": datas, "resultDesc": desc
    })
    .to_string()
}

#[test]
fn every_failing_value_of_a_6000_agent_answer_is_the_one_highlighted() {
    // Early indices (inside a plain prefix excerpt) and late ones (far past it); their values
    // (1, 2, ...) also occur as digits of resultCode "0100000" and of every logonTime.
    let differs = |i: usize| i < 3 || i % 97 == 5 || i == 5999;
    let body = fleet_answer(6000, differs);
    let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
    let violations = cmsconform::checks::response::check_datas_equal_desc(&parsed);
    assert_eq!(violations.len(), (0..6000).filter(|&i| differs(i)).count());
    let received = Received {
        status: 200,
        headers: Vec::new(),
        body: body.into_bytes(),
        truncated: false,
    };
    let redactor = Redactor::new();
    let highlighted = |pointers: &[&Violation]| {
        let focus: Vec<&str> = pointers.iter().map(|v| v.pointer.as_str()).collect();
        let record = ResponseRecord::from_received_at(&received, &redactor, &focus);
        let excerpt = report::lay_out_excerpt(&record.body_excerpt).unwrap_or(record.body_excerpt);
        assert!(excerpt.len() < report::MAX_EXCERPT_BYTES + 64, "{excerpt}");
        let findings: Vec<(&str, Option<&str>)> = pointers
            .iter()
            .map(|v| (v.pointer.as_str(), v.value.as_deref()))
            .collect();
        report::html::highlight::highlight(&excerpt, &findings)
    };
    // One section per failing value, as a case failing on one agent shows it.
    for violation in &violations {
        let expected = parsed.pointer(&violation.pointer).unwrap().to_string();
        let shown = highlighted(&[violation]);
        assert_eq!(
            shown.marked().collect::<Vec<_>>(),
            [expected.as_str()],
            "{}",
            violation.pointer
        );
        assert_eq!(shown.pointers, [violation.pointer.as_str()]);
    }
    // A case failing on many agents: its first eight values, all in its one excerpt.
    let first: Vec<&Violation> = violations.iter().take(8).collect();
    let shown = highlighted(&first);
    let expected: Vec<String> = first
        .iter()
        .map(|v| parsed.pointer(&v.pointer).unwrap().to_string())
        .collect();
    assert_eq!(shown.marked().collect::<Vec<_>>(), expected);
    assert!(shown.missing.is_empty());
}
