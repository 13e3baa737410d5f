//! Body excerpts for humans: JSON re-indented without reparsing a single number or string (a
//! float parse would silently change the very value a report must show), an excerpt of a large
//! answer focused on the values its findings point at ([`focused`]: the start for context, then
//! the path to each value, siblings left out and counted), and the span of the value a JSON
//! pointer names in any of these texts, even cut ([`locate`]), so the HTML report highlights
//! exactly that value. Pure text work; no I/O.

mod locate;
mod printer;

pub use locate::locate;

use std::ops::Range;

use printer::Printer;

/// `text` re-indented (two spaces) when it is valid JSON; `None` otherwise.
pub fn pretty(text: &str) -> Option<String> {
    layout(text, None).map(|laid| laid.text)
}

/// The start of `text` re-indented, printing stopped soon after `limit` bytes of output: a
/// report keeps only an excerpt, and re-indenting a 2.5 MB answer whole cost more than judging
/// it. The flag says whether printing stopped before the end. `None` when `text` is not JSON.
pub fn pretty_prefix(text: &str, limit: usize) -> Option<(String, bool)> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut printer = Printer::new(text, &[]);
    // Room for what is printed, not for the whole body laid out (megabytes for a full answer).
    printer.out = String::with_capacity(limit.min(text.len() + text.len() / 2) + 256);
    printer.limit = limit;
    printer.value(0)?;
    Some((printer.out, printer.stopped))
}

/// `text` re-indented with everything printed while the output is under `context` bytes, and
/// after that only what leads to the values at `pointers`: each value whole, with the other
/// members of the object holding it. What is left out becomes a line `… N elements left out`
/// (or `members`), which [`locate`] counts, so pointers still resolve in the result. `None`
/// when `text` is not JSON or no pointer points into a body.
pub fn focused(text: &str, pointers: &[&str], context: usize) -> Option<String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut printer = Printer::new(text, pointers);
    if !printer.tracking() {
        return None;
    }
    printer.out = String::with_capacity(context * 2 + 1024);
    printer.focus = Some(context);
    // The excerpt keeps a few kilobytes: printing stops well after that.
    printer.limit = context + 16 * 1024;
    printer.value(0)?;
    Some(printer.out)
}

/// A re-indented body and, when asked for, where the pointed-at value sits in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Laid {
    pub text: String,
    /// Byte range of the value in `text`.
    pub span: Option<Range<usize>>,
}

/// Re-indents valid JSON and finds the value at `pointer` (RFC 6901) in the result. `None` when
/// `text` is not valid JSON (a truncated excerpt, an HTML error page).
pub fn layout(text: &str, pointer: Option<&str>) -> Option<Laid> {
    let (text, spans) = layout_many(text, &pointer.into_iter().collect::<Vec<_>>())?;
    Some(Laid {
        text,
        span: spans.into_iter().next().flatten(),
    })
}

/// [`layout`] for several pointers at once: one span (or `None`) per pointer, in order.
pub fn layout_many(text: &str, pointers: &[&str]) -> Option<(String, Vec<Option<Range<usize>>>)> {
    // Validate first without building values: numbers are skipped, not converted.
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut printer = Printer::new(text, pointers);
    printer.value(0)?;
    Some((printer.out, printer.spans))
}

/// Splits a JSON pointer into unescaped tokens; `None` for pointers that do not point into a
/// body (`status`, `header:x`, `#1/...`).
pub fn pointer_tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

/// Where the JSON string token starting at `begin` (a `"`) ends: the index of its closing
/// quote. `None` when `begin` is not a quote or the text ends inside the string (a cut
/// excerpt). Shared by the locator and the printer, which both walk excerpts token by token.
fn string_end(bytes: &[u8], begin: usize) -> Option<usize> {
    if bytes.get(begin) != Some(&b'"') {
        return None;
    }
    let mut i = begin + 1;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_past_the_reading_cap_is_left_raw() {
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        assert_eq!(pretty(&deep), None);
        assert!(pretty("[[[1]]]").is_some());
    }

    #[test]
    fn reindents_without_touching_numbers() {
        let laid = layout(
            r#"{"a":[1,2.50,123456789012345678901234],"b":{},"c":"x\"y"}"#,
            Some("/a/2"),
        )
        .unwrap();
        assert_eq!(
            laid.text,
            "{\n  \"a\": [\n    1,\n    2.50,\n    123456789012345678901234\n  ],\n  \"b\": {},\n  \"c\": \"x\\\"y\"\n}"
        );
        let span = laid.span.unwrap();
        assert_eq!(&laid.text[span], "123456789012345678901234");
    }

    #[test]
    fn finds_escaped_keys_and_whole_containers() {
        let laid = layout(r#"{"a/b":{"c~d":[true]}}"#, Some("/a~1b/c~0d")).unwrap();
        assert_eq!(&laid.text[laid.span.unwrap()], "[\n      true\n    ]");
        let root = layout("[1]", Some("")).unwrap();
        assert_eq!(root.span, Some(0..root.text.len()));
    }

    #[test]
    fn invalid_json_and_foreign_pointers_give_no_span() {
        assert!(layout("{\"a\":1", None).is_none());
        assert!(layout("<html>", None).is_none());
        assert_eq!(layout("{\"a\":1}", Some("status")).unwrap().span, None);
        assert_eq!(layout("{\"a\":1}", Some("/b")).unwrap().span, None);
        let (text, spans) = layout_many(r#"{"a":1,"b":[2]}"#, &["/b/0", "/x", "/a"]).unwrap();
        assert_eq!(&text[spans[0].clone().unwrap()], "2");
        assert_eq!(spans[1], None);
        assert_eq!(&text[spans[2].clone().unwrap()], "1");
        // Idempotent on its own output.
        let once = pretty(r#"{"a":[1,{"b":null}]}"#).unwrap();
        assert_eq!(pretty(&once).unwrap(), once);
    }

    #[test]
    fn focused_keeps_the_start_the_path_and_the_target_object() {
        let items: Vec<String> = (0..50)
            .map(|i| format!("{{\"agentId\":{i},\"agentRelease\":{}}}", i % 3))
            .collect();
        let body = format!(
            "{{\"resultCode\":\"0100000\",\"resultDatas\":[{}],\"resultDesc\":[1,2]}}",
            items.join(",")
        );
        let text = focused(&body, &["/resultDatas/40/agentRelease"], 120).unwrap();
        assert!(text.contains("\"agentId\": 40"), "{text}");
        assert!(!text.contains("\"agentId\": 39"), "{text}");
        assert!(text.contains("… 1 member left out"), "{text}");
        assert!(text.contains("elements left out,\n    {"), "{text}");
        let span = locate(
            &text,
            &["/resultDatas/40/agentRelease", "/resultDatas/1/agentId"],
        );
        assert_eq!(&text[span[0].clone().unwrap()], "1");
        assert_eq!(&text[span[1].clone().unwrap()], "1");
        // Without a pointer into the body there is nothing to focus on.
        assert_eq!(focused(&body, &["status"], 120), None);
        // Unfocused printing is unchanged by the focus machinery.
        assert_eq!(pretty(&body).unwrap(), layout(&body, None).unwrap().text);
    }
}
