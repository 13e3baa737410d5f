//! Body excerpts for humans: JSON re-indented without reparsing a single number or string (a
//! float parse would silently change the very value a report must show), an excerpt of a large
//! answer focused on the values its findings point at ([`focused`]: the start for context, then
//! the path to each value, siblings left out and counted), and the span of the value a JSON
//! pointer names in any of these texts, even cut ([`locate`]), so the HTML report highlights
//! exactly that value. Pure text work; no I/O.

mod locate;

pub use locate::locate;

use std::ops::Range;

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

struct Printer<'a> {
    src: &'a str,
    pos: usize,
    out: String,
    /// The path to the value being printed; kept only when there are targets to find.
    path: Vec<String>,
    targets: Vec<Option<Vec<String>>>,
    spans: Vec<Option<Range<usize>>>,
    /// Output length after which printing stops (`stopped` is set).
    limit: usize,
    stopped: bool,
    /// [`focused`]: output length after which only what leads to a target is printed.
    focus: Option<usize>,
}

impl<'a> Printer<'a> {
    fn new(src: &'a str, pointers: &[&str]) -> Printer<'a> {
        Printer {
            src,
            pos: 0,
            out: String::with_capacity(src.len() + src.len() / 2),
            path: Vec::new(),
            targets: pointers.iter().map(|p| pointer_tokens(p)).collect(),
            spans: vec![None; pointers.len()],
            limit: usize::MAX,
            stopped: false,
            focus: None,
        }
    }

    fn tracking(&self) -> bool {
        self.targets.iter().any(Option::is_some)
    }

    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    fn newline(&mut self, indent: usize) {
        self.out.push('\n');
        for _ in 0..indent {
            self.out.push_str("  ");
        }
    }

    fn value(&mut self, indent: usize) -> Option<()> {
        // serde_json validated the text without a depth limit: a hostile body nested 200,000
        // deep would overflow the stack here (and re-indent to gigabytes). Shown raw instead.
        if indent > crate::checks::json::MAX_DEPTH {
            return None;
        }
        if self.out.len() >= self.limit {
            self.stopped = true;
            return Some(());
        }
        self.skip_ws();
        let start = self.out.len();
        match self.peek()? {
            b'{' => self.container(indent, b'}', true)?,
            b'[' => self.container(indent, b']', false)?,
            b'"' => {
                let token = self.string_token()?;
                self.out.push_str(token);
            }
            _ => {
                let token = self.scalar_token()?;
                self.out.push_str(token);
            }
        }
        for (target, span) in self.targets.iter().zip(self.spans.iter_mut()) {
            if span.is_none() && target.as_ref() == Some(&self.path) {
                *span = Some(start..self.out.len());
            }
        }
        Some(())
    }

    /// Whether [`focused`] prints the member or element at `self.path` (already pushed): while
    /// under the context budget, on the way to a target, inside one, or beside it in its object.
    fn keeps(&self, in_object: bool) -> bool {
        let Some(context) = self.focus else {
            return true;
        };
        if self.out.len() < context {
            return true;
        }
        let path = &self.path;
        self.targets.iter().flatten().any(|target| {
            target.starts_with(path)
                || path.starts_with(target)
                || (in_object
                    && path.len() == target.len()
                    && path[..path.len() - 1] == target[..target.len() - 1])
        })
    }

    fn container(&mut self, indent: usize, close: u8, is_object: bool) -> Option<()> {
        self.out.push(if is_object { '{' } else { '[' });
        self.pos += 1;
        self.skip_ws();
        if self.peek()? == close {
            self.pos += 1;
            self.out.push(close as char);
            return Some(());
        }
        let mut index = 0usize;
        let mut printed_any = false;
        let mut left_out = 0usize;
        loop {
            self.skip_ws();
            let tracking = self.tracking();
            let (key, segment) = if is_object {
                let raw = self.string_token()?;
                self.skip_ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.pos += 1;
                let segment = match tracking {
                    true => serde_json::from_str::<String>(raw).ok()?,
                    false => String::new(),
                };
                (Some(raw), segment)
            } else if tracking {
                (None, index.to_string())
            } else {
                (None, String::new())
            };
            if tracking {
                self.path.push(segment);
            }
            if self.keeps(is_object) {
                self.left_out(indent + 1, &mut left_out, &mut printed_any, is_object);
                self.item_start(indent + 1, &mut printed_any);
                if let Some(raw) = key {
                    self.out.push_str(raw);
                    self.out.push_str(": ");
                }
                self.value(indent + 1)?;
            } else {
                self.skip_value()?;
                left_out += 1;
            }
            if tracking {
                self.path.pop();
            }
            if self.stopped {
                return Some(());
            }
            index += 1;
            self.skip_ws();
            match self.peek()? {
                b',' => self.pos += 1,
                c if c == close => {
                    self.pos += 1;
                    self.left_out(indent + 1, &mut left_out, &mut printed_any, is_object);
                    self.newline(indent);
                    self.out.push(close as char);
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Starts the next item of a container: the comma after the previous one, a new line.
    fn item_start(&mut self, indent: usize, printed_any: &mut bool) {
        if *printed_any {
            self.out.push(',');
        }
        *printed_any = true;
        self.newline(indent);
    }

    /// The line that counts the items [`focused`] left out since the last one printed.
    fn left_out(
        &mut self,
        indent: usize,
        count: &mut usize,
        printed_any: &mut bool,
        members: bool,
    ) {
        if *count == 0 {
            return;
        }
        self.item_start(indent, printed_any);
        let noun = match (members, *count == 1) {
            (true, true) => "member",
            (true, false) => "members",
            (false, true) => "element",
            (false, false) => "elements",
        };
        self.out
            .push_str(&format!("{} {count} {noun} left out", locate::LEFT_OUT));
        *count = 0;
    }

    /// Moves past the value at `pos` without printing it (the text is valid JSON).
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        match self.peek()? {
            b'"' => {
                self.string_token()?;
            }
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string_token()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
            }
            _ => {
                self.scalar_token()?;
            }
        }
        Some(())
    }

    /// A number, `true`, `false` or `null` at `pos`.
    fn scalar_token(&mut self) -> Option<&'a str> {
        let begin = self.pos;
        while !matches!(
            self.peek(),
            None | Some(b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t')
        ) {
            self.pos += 1;
        }
        self.src.get(begin..self.pos)
    }

    /// The raw string token at `pos`, quotes and escapes included.
    fn string_token(&mut self) -> Option<&'a str> {
        let bytes = self.src.as_bytes();
        let begin = self.pos;
        if bytes.get(begin) != Some(&b'"') {
            return None;
        }
        let mut i = begin + 1;
        loop {
            match bytes.get(i)? {
                b'\\' => i += 2,
                b'"' => break,
                _ => i += 1,
            }
        }
        self.pos = i + 1;
        self.src.get(begin..=i)
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
