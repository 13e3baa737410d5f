//! The re-indenting printer behind [`super::pretty`], [`super::pretty_prefix`],
//! [`super::layout_many`] and [`super::focused`]: copies tokens as they are (no number is ever
//! parsed), tracks the path to the value being printed when there are pointers to find, and in
//! focus mode leaves out, and counts, what does not lead to them.

use std::ops::Range;

use super::{locate, pointer_tokens};

pub(super) struct Printer<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
    pub(super) out: String,
    /// The path to the value being printed; kept only when there are targets to find.
    pub(super) path: Vec<String>,
    pub(super) targets: Vec<Option<Vec<String>>>,
    pub(super) spans: Vec<Option<Range<usize>>>,
    /// Output length after which printing stops (`stopped` is set).
    pub(super) limit: usize,
    pub(super) stopped: bool,
    /// [`focused`]: output length after which only what leads to a target is printed.
    pub(super) focus: Option<usize>,
}

impl<'a> Printer<'a> {
    pub(super) fn new(src: &'a str, pointers: &[&str]) -> Printer<'a> {
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

    pub(super) fn tracking(&self) -> bool {
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

    pub(super) fn value(&mut self, indent: usize) -> Option<()> {
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
        let begin = self.pos;
        let end = super::string_end(self.src.as_bytes(), begin)?;
        self.pos = end + 1;
        self.src.get(begin..=end)
    }
}
