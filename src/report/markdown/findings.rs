//! The grouped findings of report.md: one entry per [`CheckGroup`] (one check at one pointer
//! pattern), with its example case, and the Reproduction section, which keeps only the groups'
//! examples (report.json keeps every case's). Server text stays in code spans or fences.

use std::fmt::Write;

use super::super::group::{self, CheckGroup};
use super::super::model::CaseRecord;
use super::{baselined_mark, code, fenced};

/// Characters of a request body shown in an entry.
const REQUEST_BODY_CHARS: usize = 100;

/// A curl line longer than this is shortened in report.md (report.json has it whole).
const MAX_CURL_CHARS: usize = 300;

/// Lines of the answer shown on either side of the line holding the example's value.
const ANSWER_CONTEXT_LINES: usize = 1;

/// One entry per group: failures with their example's request and answer, information with
/// its example's id only (it is context, not a to-do list).
pub(super) fn entries(out: &mut String, groups: &[CheckGroup<'_>], with_example: bool) {
    for g in groups {
        let title = g.title.map(|t| format!(": {t}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "### {} at {} ({}){title}\n",
            g.check,
            code(pattern_label(&g.pattern)),
            g.clauses.join(", ")
        );
        let agents = if g.agents > 0 {
            format!(", {} agent(s)", g.agents)
        } else {
            String::new()
        };
        // One paragraph, a hard line break (two trailing spaces) between its lines.
        let mut lines = vec![format!(
            "Touched: {} case(s), {} answer(s){agents}; {}",
            g.case_count(),
            g.answers,
            g.findings_phrase()
        )];
        let values = g.values.to_string();
        if !values.is_empty() {
            lines.push(format!("Values: {}", code(&values)));
        }
        let example_case = g.example();
        if let Some(case) = example_case {
            let finding = g.example_finding;
            let agent = group::agent_note(finding);
            let value = finding
                .value
                .as_deref()
                .map(|v| format!(" (value {})", code(v)))
                .unwrap_or_default();
            lines.push(format!(
                "Example: {}{}{agent}: {}{value}",
                code(&case.id),
                baselined_mark(case.baselined),
                code(&finding.message)
            ));
        }
        let _ = writeln!(out, "{}\n", lines.join("  \n"));
        if let (true, Some(case)) = (with_example, example_case) {
            example(out, case, &g.example_finding.pointer);
        }
    }
}

/// The example's request, the answer around the pointer, and its rerun line.
fn example(out: &mut String, case: &CaseRecord, pointer: &str) {
    if let Some(request) = &case.request {
        let body = if request.body_bytes == 0 && request.body.is_empty() {
            String::new()
        } else {
            format!(
                ", body of {} bytes: {}",
                request.body_bytes.max(request.body.len()),
                code(&shorten(&request.body, REQUEST_BODY_CHARS))
            )
        };
        let _ = writeln!(
            out,
            "- Request: {}{body}",
            code(&format!("{} {}", request.method, request.url))
        );
    }
    if let Some(response) = &case.response {
        let _ = write!(
            out,
            "- Answer: HTTP {}, {} bytes",
            response.status, response.body_bytes
        );
        let into_body =
            super::super::excerpt::pointer_tokens(pointer).is_some_and(|t| !t.is_empty());
        match answer_lines(&response.body_excerpt, pointer) {
            Some(lines) => {
                let _ = write!(
                    out,
                    ", at {}:\n{}",
                    code(pointer),
                    indent(&fenced("json", &lines))
                );
            }
            None if into_body => out.push_str(" (the value is past the recorded excerpt)\n"),
            None => out.push('\n'),
        }
    } else if let Some(error) = &case.error {
        let _ = writeln!(out, "- No answer: {}", code(error));
    }
    if let Some(reproduce) = &case.reproduce {
        let _ = writeln!(
            out,
            "- Rerun: {} (by hand: see Reproduction)",
            code(&reproduce.command)
        );
    }
    out.push('\n');
}

/// `## Reproduction`: the rerun command and curl line of each group's example, once per case.
pub(super) fn reproductions(
    out: &mut String,
    groups: &[CheckGroup<'_>],
    unexplained: &[&CaseRecord],
) {
    let mut examples: Vec<&CaseRecord> = Vec::new();
    for case in groups
        .iter()
        .filter_map(CheckGroup::example)
        .chain(unexplained.iter().copied())
    {
        if !examples.iter().any(|c| c.id == case.id) {
            examples.push(case);
        }
    }
    if examples.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Reproduction\n\nThe example of each group above; every failed case's reproduction is in \
         report.json (`.cases[].reproduce`).\n"
    );
    // The note is the same for every request signed the same way: say it once.
    let shared_note = examples
        .iter()
        .find_map(|c| c.reproduce.as_ref())
        .map(|r| r.auth_note.clone());
    if let Some(note) = &shared_note {
        let _ = writeln!(out, "{note}\n");
    }
    for case in examples {
        let _ = writeln!(
            out,
            "### {}{}\n",
            code(&case.id),
            baselined_mark(case.baselined)
        );
        let Some(reproduce) = &case.reproduce else {
            let _ = writeln!(out, "No request was recorded for this case.\n");
            continue;
        };
        let _ = writeln!(out, "Rerun alone:\n\n{}", fenced("sh", &reproduce.command));
        let curl = shorten(&reproduce.curl, MAX_CURL_CHARS);
        let _ = writeln!(out, "By hand:\n\n{}", fenced("sh", &curl));
        if curl.len() < reproduce.curl.len() {
            let _ = writeln!(
                out,
                "Shortened from {} characters; the whole line: `jq -r '.cases[] | select(.id == \"{}\") | .reproduce.curl' report.json`\n",
                reproduce.curl.chars().count(),
                case.id.replace(['"', '\'', '`', '\\'], "")
            );
        }
        if shared_note.as_deref() != Some(reproduce.auth_note.as_str()) {
            let _ = writeln!(out, "{}\n", reproduce.auth_note);
        }
    }
}

fn pattern_label(pattern: &str) -> &str {
    if pattern.is_empty() {
        "<body>"
    } else {
        pattern
    }
}

/// The first `max` characters of `text`, `…` marking a cut.
fn shorten(text: &str, max: usize) -> String {
    crate::checks::model::truncate(text, max)
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| {
            if line.is_empty() {
                String::new()
            } else {
                format!("  {line}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The lines of the pretty-printed `excerpt` around the value at `pointer`, dedented; `None`
/// when the pointer is not into the body or the value lies past the excerpt.
fn answer_lines(excerpt: &str, pointer: &str) -> Option<String> {
    let tokens = super::super::excerpt::pointer_tokens(pointer)?;
    if tokens.is_empty() {
        return None;
    }
    let at = locate(excerpt, &tokens)?;
    let lines: Vec<&str> = excerpt.lines().collect();
    let line = excerpt[..at].matches('\n').count();
    let line_start = excerpt[..at].rfind('\n').map_or(0, |i| i + 1);
    if lines.get(line).is_some_and(|l| l.len() > MAX_LINE_CHARS) {
        // A compact body: a window of the one long line around the value.
        return Some(window(excerpt, line_start, at));
    }
    let from = line.saturating_sub(ANSWER_CONTEXT_LINES);
    let to = (line + ANSWER_CONTEXT_LINES + 1).min(lines.len());
    let shown = &lines[from..to];
    let margin = shown
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    Some(
        shown
            .iter()
            .map(|l| l.get(margin..).unwrap_or(l.trim_start()))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A line of the answer longer than this is shown as a window around the value.
const MAX_LINE_CHARS: usize = 160;

/// Characters shown on either side of the value's start in a window.
const WINDOW_CHARS: usize = 60;

/// The characters of the line starting at `line_start` around byte `at`, `…` marking cuts.
fn window(text: &str, line_start: usize, at: usize) -> String {
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let before: Vec<(usize, char)> = text[line_start..at].char_indices().collect();
    let from = before
        .len()
        .checked_sub(WINDOW_CHARS)
        .map_or(line_start, |i| line_start + before[i].0);
    let to = text[at..line_end]
        .char_indices()
        .nth(WINDOW_CHARS)
        .map_or(line_end, |(i, _)| at + i);
    format!(
        "{}{}{}",
        if from > line_start { "…" } else { "" },
        &text[from..to],
        if to < line_end { "…" } else { "" }
    )
}

/// Where the value at `tokens` starts in JSON `text`, read leniently so that an excerpt cut
/// short still serves the values before the cut.
fn locate(text: &str, tokens: &[String]) -> Option<usize> {
    enum Frame {
        Object(Option<String>),
        Array(usize),
    }
    let at_target = |stack: &[Frame]| {
        stack.len() == tokens.len()
            && stack.iter().zip(tokens).all(|(frame, token)| match frame {
                Frame::Object(Some(key)) => key == token,
                Frame::Object(None) => false,
                Frame::Array(i) => i.to_string() == *token,
            })
    };
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => {
                if at_target(&stack) {
                    return Some(i);
                }
                stack.push(if bytes[i] == b'{' {
                    Frame::Object(None)
                } else {
                    Frame::Array(0)
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                match stack.last_mut() {
                    Some(Frame::Array(index)) => *index += 1,
                    Some(Frame::Object(key)) => *key = None,
                    None => {}
                }
                i += 1;
            }
            b':' => i += 1,
            b if b.is_ascii_whitespace() => i += 1,
            b'"' => {
                let end = string_end(bytes, i)?;
                if let Some(Frame::Object(key @ None)) = stack.last_mut() {
                    *key = Some(text.get(i + 1..end - 1)?.to_owned());
                } else if at_target(&stack) {
                    return Some(i);
                }
                i = end;
            }
            _ => {
                if at_target(&stack) {
                    return Some(i);
                }
                while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b']') {
                    i += 1;
                }
            }
        }
    }
    None
}

/// The byte after the string starting at `start` (a `"`), or `None` when the text ends first.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_found_in_an_excerpt_cut_short() {
        let excerpt = "{\n  \"resultCode\": \"0100000\",\n  \"resultDatas\": [\n    {\n      \"agentId\": 101,\n      \"agentRelease\": 34\n    },\n    {\n      \"agentId\": 102,\n      \"agentRelease\": 35,\n      \"x\": \"a,\\\"b\"\n    },\n    {\n      \"agentId\": 1";
        assert_eq!(
            answer_lines(excerpt, "/resultDatas/1/agentRelease").as_deref(),
            Some("\"agentId\": 102,\n\"agentRelease\": 35,\n\"x\": \"a,\\\"b\"")
        );
        assert_eq!(
            answer_lines(excerpt, "/resultCode").as_deref(),
            Some("{\n  \"resultCode\": \"0100000\",\n  \"resultDatas\": [")
        );
        assert!(answer_lines(excerpt, "/resultDatas/2/agentRelease").is_none());
        assert!(answer_lines(excerpt, "/resultDesc/0").is_none());
        assert!(answer_lines(excerpt, "header:content-type").is_none());
        assert!(answer_lines(excerpt, "").is_none());
        let compact = format!(
            "{{\"pad\":\"{}\",\"resultDesc\":[{{\"agentId\":1,\"state\":11}}],\"tail\":\"{}\"}}",
            "p".repeat(100),
            "t".repeat(100)
        );
        let shown = answer_lines(&compact, "/resultDesc/0/state").unwrap();
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("\"agentId\":1,\"state\":11}]"), "{shown}");
        assert_eq!(shown.chars().count(), 2 * WINDOW_CHARS + 2);
    }

    #[test]
    fn long_lines_are_shortened_on_a_char_boundary() {
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("abc", 5), "abc");
    }
}
