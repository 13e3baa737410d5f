//! The answer excerpt of a case cut into plain and highlighted pieces for `report.html`: each
//! offending value is located structurally at its JSON pointer ([`excerpt::locate`]), in a whole,
//! cut or focused excerpt alike. Only a body that is not JSON at all (an HTML error page) is
//! searched by text. A value that is not in the excerpt is listed as such, never guessed at.

use serde::Serialize;

use crate::report::excerpt;

/// An answer excerpt cut into plain and highlighted pieces; each is escaped by the template.
#[derive(Serialize, Debug, PartialEq)]
pub struct Highlighted {
    /// The pointers whose values are highlighted.
    pub pointers: Vec<String>,
    /// The pointers whose values are not in the excerpt (cut away).
    pub missing: Vec<String>,
    pub pieces: Vec<Piece>,
}

#[derive(Serialize, Debug, PartialEq)]
pub struct Piece {
    pub text: String,
    pub marked: bool,
}

impl Highlighted {
    /// The marked texts, in order.
    pub fn marked(&self) -> impl Iterator<Item = &str> {
        self.pieces
            .iter()
            .filter(|p| p.marked)
            .map(|p| p.text.as_str())
    }
}

/// `body` (a recorded excerpt) with the values at `findings` (pointer, rendered value) marked.
/// Findings about the whole body (pointer "") are left out: they would mark everything.
pub fn highlight(body: &str, findings: &[(&str, Option<&str>)]) -> Highlighted {
    let findings: Vec<_> = findings.iter().filter(|(p, _)| !p.is_empty()).collect();
    let pointers: Vec<&str> = findings.iter().map(|(p, _)| *p).collect();
    let looks_like_json = matches!(body.trim_start().as_bytes().first(), Some(b'{' | b'['));
    let (text, spans) = if looks_like_json {
        let text = excerpt::pretty(body).unwrap_or_else(|| body.to_owned());
        let spans = excerpt::locate(&text, &pointers);
        (text, spans)
    } else {
        let spans = findings
            .iter()
            .map(|(_, value)| {
                let value = value.filter(|v| !v.is_empty())?;
                body.find(value).map(|start| start..start + value.len())
            })
            .collect();
        (body.to_owned(), spans)
    };
    let mut missing: Vec<String> = Vec::new();
    let mut marks = Vec::new();
    for (span, pointer) in spans.into_iter().zip(&pointers) {
        match span {
            Some(span) => marks.push((span, *pointer)),
            None if looks_like_json
                && pointer.starts_with('/')
                && !missing.iter().any(|m| m == pointer) =>
            {
                missing.push((*pointer).to_owned());
            }
            None => {}
        }
    }
    // Outer spans first; a span inside (or overlapping) an earlier one is already marked.
    marks.sort_by_key(|(span, _)| (span.start, std::cmp::Reverse(span.end)));
    let mut pieces = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    let mut at = 0;
    for (span, pointer) in marks {
        if span.start < at {
            continue;
        }
        pieces.push(Piece {
            text: text[at..span.start].to_owned(),
            marked: false,
        });
        pieces.push(Piece {
            text: text[span.clone()].to_owned(),
            marked: true,
        });
        if !shown.iter().any(|p| p == pointer) {
            shown.push(pointer.to_owned());
        }
        at = span.end;
    }
    pieces.push(Piece {
        text: text[at..].to_owned(),
        marked: false,
    });
    Highlighted {
        pointers: shown,
        missing,
        pieces,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_excerpt_never_marks_the_same_digits_elsewhere() {
        let body = "{\n  \"resultCode\": \"0100000\",\n  \"resultDatas\": [\n    {\n      \"agentRelease\": 1… (cut)";
        let shown = highlight(body, &[("/resultDatas/0/agentRelease", Some("1"))]);
        assert_eq!(shown.marked().count(), 0);
        assert_eq!(shown.missing, ["/resultDatas/0/agentRelease"]);
        let shown = highlight("{\"a\":\"01\",\"b\":1}", &[("/b", Some("1"))]);
        assert_eq!(shown.marked().collect::<Vec<_>>(), ["1"]);
        assert!(shown.pieces[0].text.ends_with("\"b\": "));
    }

    #[test]
    fn a_body_that_is_not_json_is_searched_by_text() {
        let shown = highlight(
            "<h1>error 500</h1>",
            &[("/x", Some("500")), ("", Some("h1"))],
        );
        assert_eq!(shown.marked().collect::<Vec<_>>(), ["500"]);
        assert!(shown.missing.is_empty());
    }
}
