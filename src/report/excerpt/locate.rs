//! Finding the value a JSON pointer names in an excerpt as reports keep it: laid-out JSON,
//! possibly cut anywhere (`… (N more bytes)`), possibly with items left out by
//! [`super::focused`] (`… N elements left out`). A tolerant reader of the printer's own output:
//! it walks the structure, counts what was left out so array indices stay true, and reports a
//! value's span only when the value is there whole. It never guesses by text: a value it cannot
//! place is not marked, rather than marking the same digits elsewhere.

use std::ops::Range;

/// What starts a line of left-out items, and every cut marker.
pub(super) const LEFT_OUT: &str = "…";

/// The span of each pointer's value in `text`, in the order asked; `None` where the value is not
/// in the excerpt whole (cut away, left out, or not a body pointer).
pub fn locate(text: &str, pointers: &[&str]) -> Vec<Option<Range<usize>>> {
    let mut reader = Reader {
        src: text,
        pos: 0,
        path: Vec::new(),
        targets: pointers.iter().map(|p| super::pointer_tokens(p)).collect(),
        spans: vec![None; pointers.len()],
    };
    if reader.targets.iter().any(Option::is_some) {
        // `None` only says the text ended or stopped being JSON: what was found stands.
        let _ = reader.value(0);
    }
    reader.spans
}

struct Reader<'a> {
    src: &'a str,
    pos: usize,
    path: Vec<String>,
    targets: Vec<Option<Vec<String>>>,
    spans: Vec<Option<Range<usize>>>,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Only values on the way to a target are read closely; anything else is still walked (its
    /// end must be found) but records nothing.
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > crate::checks::json::MAX_DEPTH {
            return None;
        }
        self.skip_ws();
        let start = self.pos;
        match self.peek()? {
            b'{' => self.container(depth, b'}', true)?,
            b'[' => self.container(depth, b']', false)?,
            b'"' => {
                self.string()?;
            }
            _ => {
                let begin = self.pos;
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t')
                ) {
                    self.pos += 1;
                }
                // A number cut short is followed by the cut marker, not by a delimiter: the
                // token is then no JSON value at all, and nothing is marked.
                let token = self.src.get(begin..self.pos)?;
                self.peek()?;
                serde_json::from_str::<serde::de::IgnoredAny>(token).ok()?;
            }
        }
        let end = self.pos;
        for (target, span) in self.targets.iter().zip(self.spans.iter_mut()) {
            if span.is_none() && target.as_ref() == Some(&self.path) {
                *span = Some(start..end);
            }
        }
        Some(())
    }

    fn container(&mut self, depth: usize, close: u8, is_object: bool) -> Option<()> {
        self.pos += 1;
        let mut index = 0usize;
        loop {
            self.skip_ws();
            match self.peek()? {
                c if c == close => {
                    self.pos += 1;
                    return Some(());
                }
                b',' => {
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            if self.src[self.pos..].starts_with(LEFT_OUT) {
                index += self.left_out()?;
                continue;
            }
            let segment = if is_object {
                let raw = self.string()?;
                let key = serde_json::from_str::<String>(raw).ok()?;
                self.skip_ws();
                if self.peek()? != b':' {
                    return None;
                }
                self.pos += 1;
                key
            } else {
                index.to_string()
            };
            self.path.push(segment);
            let read = self.value(depth + 1);
            self.path.pop();
            read?;
            index += 1;
        }
    }

    /// A `… N elements left out` line: how many items it stands for. A cut marker (`… (…)`)
    /// ends the reading.
    fn left_out(&mut self) -> Option<usize> {
        let rest = &self.src[self.pos + LEFT_OUT.len()..];
        let line = rest.split('\n').next().unwrap_or_default();
        let count: usize = line.trim_start().split(' ').next()?.parse().ok()?;
        if !line.contains("left out") {
            return None;
        }
        self.pos += LEFT_OUT.len() + line.len();
        Some(count)
    }

    /// The raw string token at `pos`, quotes included; `None` when the text ends inside it.
    fn string(&mut self) -> Option<&str> {
        let begin = self.pos;
        let end = super::string_end(self.src.as_bytes(), begin)?;
        self.pos = end + 1;
        self.src.get(begin..=end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_cut_short_is_not_marked() {
        let text = "{\n  \"a\": 17962051057… (cut; the body has 9 bytes)";
        assert_eq!(locate(text, &["/a"]), vec![None]);
        let text = "{\n  \"b\": 1,\n  \"a\": 38… (cut)";
        assert_eq!(locate(text, &["/b", "/a"]), vec![Some(9..10), None]);
    }

    #[test]
    fn counts_left_out_elements_and_finds_values_after_them() {
        let text = "{\n  \"r\": [\n    1,\n    … 5 elements left out,\n    {\n      \"x\": 7\n    }\n  ]\n}";
        let spans = locate(text, &["/r/6/x", "/r/0", "/r/1"]);
        assert_eq!(&text[spans[0].clone().unwrap()], "7");
        assert_eq!(&text[spans[1].clone().unwrap()], "1");
        assert_eq!(spans[2], None);
    }

    #[test]
    fn a_string_cut_inside_and_foreign_pointers_give_nothing() {
        assert_eq!(locate("{\"a\": \"01000", &["/a"]), vec![None]);
        assert_eq!(
            locate("{\"a\": 1}", &["status", "header:x"]),
            vec![None, None]
        );
        assert_eq!(locate("<html>1</html>", &["/a"]), vec![None]);
    }
}
