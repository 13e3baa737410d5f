//! The one-pass reader behind [`super::parse_strict`]: RFC 8259 grammar, duplicate members
//! by pointer, a depth cap, and integers kept apart from every other number form. The caller
//! has checked the bytes are UTF-8 without a BOM or NUL.

use serde_json::{Map, Number, Value};

use super::{JsonError, MAX_DEPTH, MAX_DUPLICATES_REPORTED};

/// Reads `text` as exactly one JSON value: the value, the pointers of the first duplicate
/// members, how many duplicates there were, and where the first number beyond f64 began.
pub(super) fn read(text: &str) -> (Result<Value, JsonError>, Vec<String>, usize, Option<usize>) {
    let mut parser = Parser::at(text, 0);
    let value = parser.value(0).and_then(|v| {
        parser.skip_ws();
        if parser.pos < text.len() {
            Err(JsonError::Trailing { offset: parser.pos })
        } else {
            Ok(v)
        }
    });
    (
        value,
        parser.duplicates,
        parser.duplicate_count,
        parser.beyond_f64,
    )
}

/// One step of the path to the value being read; keys are re-read from their offset only
/// when a pointer is needed, so the common path allocates nothing.
enum Step {
    Key(usize),
    Index(usize),
}

struct Parser<'a> {
    text: &'a str,
    src: &'a [u8],
    pos: usize,
    path: Vec<Step>,
    duplicates: Vec<String>,
    duplicate_count: usize,
    /// The offset of the first number too large for an f64 (read as the largest f64).
    beyond_f64: Option<usize>,
    /// Members to make room for in the next object: an array's objects (6000 agents) tend to
    /// have as many members as the one before, and a map grown by doubling holds up to half
    /// again as much as it needs (megabytes on a full answer).
    object_capacity: usize,
}

/// The largest room made ahead for an object's members: a hostile first object with a million
/// members must not make every later one reserve as much.
const MAX_CAPACITY_HINT: usize = 64;

impl<'a> Parser<'a> {
    fn at(text: &'a str, pos: usize) -> Parser<'a> {
        Parser {
            text,
            src: text.as_bytes(),
            pos,
            path: Vec::new(),
            duplicates: Vec::new(),
            duplicate_count: 0,
            beyond_f64: None,
            object_capacity: 0,
        }
    }

    fn syntax<T>(&self, message: &str) -> Result<T, JsonError> {
        Err(JsonError::Syntax {
            offset: self.pos,
            message: message.to_owned(),
        })
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.skip_ws();
        match self.src.get(self.pos) {
            None => self.syntax("unexpected end of input"),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.syntax("unexpected character"),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            self.syntax("invalid literal")
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep { offset: self.pos });
        }
        self.pos += 1;
        let mut map = Map::with_capacity(std::mem::take(&mut self.object_capacity));
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_ws();
            if self.src.get(self.pos) != Some(&b'"') {
                return self.syntax("expected a member name");
            }
            let key_at = self.pos;
            let key = self.string()?;
            self.skip_ws();
            if self.src.get(self.pos) != Some(&b':') {
                return self.syntax("expected ':'");
            }
            self.pos += 1;
            self.path.push(Step::Key(key_at));
            let value = self.value(depth)?;
            // The later member wins, as in serde_json; the repetition is reported.
            if map.insert(key, value).is_some() {
                self.duplicate_count += 1;
                if self.duplicates.len() < MAX_DUPLICATES_REPORTED {
                    self.duplicates.push(self.pointer());
                }
            }
            self.path.pop();
            self.skip_ws();
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(map));
                }
                _ => return self.syntax("expected ',' or '}'"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep { offset: self.pos });
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.src.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        let mut members_of_last = 0;
        loop {
            self.path.push(Step::Index(items.len()));
            self.object_capacity = members_of_last;
            let value = self.value(depth)?;
            self.object_capacity = 0;
            self.path.pop();
            if let Value::Object(map) = &value {
                members_of_last = map.len().min(MAX_CAPACITY_HINT);
            }
            items.push(value);
            self.skip_ws();
            match self.src.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return self.syntax("expected ',' or ']'"),
            }
        }
    }

    /// The JSON pointer of the value being read.
    fn pointer(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            out.push('/');
            match step {
                Step::Index(i) => out.push_str(&i.to_string()),
                Step::Key(at) => {
                    let mut reread = Parser::at(self.text, *at);
                    let key = reread.string().unwrap_or_default();
                    out.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
            }
        }
        out
    }

    /// Reads a string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let start = self.pos;
        // Fast path: no escapes.
        while let Some(&b) = self.src.get(self.pos) {
            match b {
                b'"' => {
                    let s = self.text[start..self.pos].to_owned();
                    self.pos += 1;
                    return Ok(s);
                }
                b'\\' => break,
                0..=0x1F => return self.syntax("control character in a string"),
                _ => self.pos += 1,
            }
        }
        let mut out = self.text[start..self.pos].to_owned();
        loop {
            let Some(&b) = self.src.get(self.pos) else {
                return self.syntax("unterminated string");
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(&e) = self.src.get(self.pos) else {
                        return self.syntax("unterminated escape");
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return self.syntax("invalid escape"),
                    }
                }
                0..=0x1F => return self.syntax("control character in a string"),
                _ => {
                    let run = self.pos;
                    while let Some(&c) = self.src.get(self.pos) {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    out.push_str(&self.text[run..self.pos]);
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self.text.get(self.pos..self.pos + 4);
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) if digits.is_some_and(|d| d.bytes().all(|b| b.is_ascii_hexdigit())) => {
                self.pos += 4;
                Ok(v)
            }
            _ => self.syntax("invalid \\u escape"),
        }
    }

    /// A lone surrogate (`"\\ud800"`) is grammatical JSON (RFC 8259 §8.2: only its meaning is
    /// unpredictable), so it reads as U+FFFD rather than failing notes:6.12.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        if !(0xD800..0xDC00).contains(&first) {
            return Ok(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER));
        }
        let low = self.src[self.pos..].starts_with(b"\\u")
            && self
                .text
                .get(self.pos + 2..self.pos + 6)
                .and_then(|d| u32::from_str_radix(d, 16).ok())
                .is_some_and(|second| (0xDC00..0xE000).contains(&second));
        if !low {
            return Ok(char::REPLACEMENT_CHARACTER);
        }
        self.pos += 2;
        let second = self.hex4()?;
        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.src.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        if self.src[self.pos] == b'-' {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_digits = self.digits();
        if int_digits == 0 {
            return self.syntax("invalid number");
        }
        if int_digits > 1 && self.src[int_start] == b'0' {
            return Err(JsonError::Syntax {
                offset: int_start,
                message: "leading zero in a number".into(),
            });
        }
        let mut integral = true;
        if self.src.get(self.pos) == Some(&b'.') {
            integral = false;
            self.pos += 1;
            if self.digits() == 0 {
                return self.syntax("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.src.get(self.pos) {
            integral = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.src.get(self.pos) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.syntax("invalid number");
            }
        }
        let literal = &self.text[start..self.pos];
        // Up to 18 digits always fit an i64: read them here, not by a second pass over the text.
        if integral && int_digits <= 18 {
            let magnitude = self.src[int_start..int_start + int_digits]
                .iter()
                .fold(0i64, |n, digit| n * 10 + i64::from(digit - b'0'));
            let negative = int_start > start;
            return Ok(Value::Number(
                (if negative { -magnitude } else { magnitude }).into(),
            ));
        }
        if integral {
            if let Ok(i) = literal.parse::<i64>() {
                return Ok(Value::Number(i.into()));
            }
            if let Ok(u) = literal.parse::<u64>() {
                return Ok(Value::Number(u.into()));
            }
        }
        // RFC 8259 §6 puts no bound on a number: `1e999` is grammatical. It reads as the
        // largest f64 of its sign, so an Integer/Long member still fails CMS-JSON-008 and an
        // unknown member is not a syntax fault.
        let mut finite = |f: f64| {
            if f.is_infinite() {
                self.beyond_f64.get_or_insert(start);
                f64::MAX.copysign(f)
            } else {
                f
            }
        };
        match literal
            .parse::<f64>()
            .ok()
            .map(&mut finite)
            .and_then(Number::from_f64)
        {
            Some(n) => Ok(Value::Number(n)),
            None => Err(JsonError::Syntax {
                offset: start,
                message: "number out of range".into(),
            }),
        }
    }
}
