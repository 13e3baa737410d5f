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
        message(
            out,
            &format!(
                "Sent ({} body bytes; the signature is not kept)",
                request.body_bytes
            ),
            &message_text(
                &format!("{} {}", request.method, request.url),
                &request.headers,
                &request.body,
            ),
        );
    }
    match (&stop.response, &stop.error) {
        (Some(response), _) => {
            let excerpt = if response.truncated {
                ", an excerpt"
            } else {
                ""
            };
            message(
                out,
                &format!("Answered ({} body bytes{excerpt})", response.body_bytes),
                &message_text(
                    &format!("HTTP {}", response.status),
                    &response.headers,
                    &response.body_excerpt,
                ),
            );
        }
        (None, Some(error)) => {
            let _ = writeln!(out, "### No answer\n\n{}\n", code(error));
        }
        (None, None) => {}
    }
}

/// A `### heading` and the message under it, fenced.
fn message(out: &mut String, heading: &str, text: &str) {
    let _ = writeln!(out, "### {heading}\n");
    out.push_str(&fenced("http", text.trim_end()));
    out.push('\n');
}

/// An HTTP message as text: its first line, its headers, and its body after a blank line.
fn message_text(first_line: &str, headers: &[(String, String)], body: &str) -> String {
    let mut text = format!("{first_line}\n");
    for (name, value) in headers {
        let _ = writeln!(text, "{name}: {value}");
    }
    if !body.is_empty() {
        let _ = write!(text, "\n{body}");
    }
    text
}
