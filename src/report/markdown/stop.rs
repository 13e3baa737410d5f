//! report.md's section for a run that stopped without a verdict: why, the advice the console
//! printed, and the exchange that stopped it (redacted when it was recorded). Server text stays
//! in fences.

use std::fmt::Write;

use super::super::model::RunRecord;
use super::{code, fenced};

pub(super) fn section(out: &mut String, record: &RunRecord) {
    let Some(stop) = &record.meta.stopped else {
        return;
    };
    let _ = writeln!(out, "## Why the run stopped\n");
    let case = stop
        .case
        .as_deref()
        .map(|id| format!(" (on {})", code(id)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "The run stopped before its verdict{case}: the target could not be judged, and exit code \
         3 says so. What the harness printed:\n"
    );
    out.push_str(&fenced("text", &stop.advice));
    out.push('\n');
    if let Some(request) = &stop.request {
        let mut text = format!("{} {}\n", request.method, request.url);
        for (name, value) in &request.headers {
            let _ = writeln!(text, "{name}: {value}");
        }
        if !request.body.is_empty() {
            let _ = write!(text, "\n{}", request.body);
        }
        let _ = writeln!(
            out,
            "### Sent ({} body bytes; the signature is not kept)\n",
            request.body_bytes
        );
        out.push_str(&fenced("http", text.trim_end()));
        out.push('\n');
    }
    match (&stop.response, &stop.error) {
        (Some(response), _) => {
            let mut text = format!("HTTP {}\n", response.status);
            for (name, value) in &response.headers {
                let _ = writeln!(text, "{name}: {value}");
            }
            if !response.body_excerpt.is_empty() {
                let _ = write!(text, "\n{}", response.body_excerpt);
            }
            let excerpt = if response.truncated {
                ", an excerpt"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "### Answered ({} body bytes{excerpt})\n",
                response.body_bytes
            );
            out.push_str(&fenced("http", text.trim_end()));
            out.push('\n');
        }
        (None, Some(error)) => {
            let _ = writeln!(out, "### No answer\n\n{}\n", code(error));
        }
        (None, None) => {}
    }
}
