//! Turning what was sent and received into report records: secrets redacted, bodies cut to
//! excerpts (a large JSON answer focused on the values its findings point at). The records are
//! all a report keeps of an exchange.

use super::model::{MAX_LISTED_VIOLATIONS, RelationRecord, RequestRecord, ResponseRecord, Verdict};
use crate::consistency::{Judgement, RelationOutcome};
use crate::exchange::Exchange;

/// Longest body excerpt kept in a report.
pub const MAX_EXCERPT_BYTES: usize = 4096;

/// How much of a large answer's start a focused excerpt keeps before the pointed-at values.
const FOCUS_CONTEXT_BYTES: usize = 1200;

impl RequestRecord {
    /// The record of a request as sent to `base_url`, with secrets redacted.
    pub fn from_sent(
        sent: &crate::exchange::SentRequest,
        base_url: &str,
        redactor: &crate::redact::Redactor,
    ) -> Self {
        // Scrub before cutting: a cut through a secret would leave a recognisable half.
        let body = redactor.scrub(&lossy_text(&sent.body));
        RequestRecord {
            method: sent.method.clone(),
            url: format!("{}{}", base_url.trim_end_matches('/'), sent.path),
            headers: redactor.headers(&sent.headers),
            body: excerpt_text(&body),
            body_bytes: sent.body.len(),
        }
    }
}

impl ResponseRecord {
    pub fn from_received(
        received: &crate::exchange::Received,
        redactor: &crate::redact::Redactor,
    ) -> Self {
        Self::from_received_at(received, redactor, &[])
    }

    /// [`Self::from_received`] with a large JSON answer's excerpt focused on the values at
    /// `pointers` (the findings'), so the report shows them rather than only the answer's start.
    pub fn from_received_at(
        received: &crate::exchange::Received,
        redactor: &crate::redact::Redactor,
        pointers: &[&str],
    ) -> Self {
        let text = lossy_text(&received.body);
        // Only the excerpt is kept, so only a little more than it is laid out and scrubbed: the
        // margin keeps a secret that straddles the cut whole for the scrub. A short body is
        // kept as sent and laid out when reports are made (`lay_out_excerpt`): most records
        // are never shown one by one.
        let enough = MAX_EXCERPT_BYTES + redactor.longest() + 8;
        let focused = || super::excerpt::focused(&text, pointers, FOCUS_CONTEXT_BYTES);
        let body_excerpt = if text.len() <= MAX_EXCERPT_BYTES {
            redactor.scrub(&text)
        } else if let Some(focused) = focused() {
            excerpt_text(&redactor.scrub(&focused))
        } else {
            match super::excerpt::pretty_prefix(&text, enough) {
                Some((pretty, false)) => excerpt_text(&redactor.scrub(&pretty)),
                Some((pretty, true)) => cut_excerpt(&redactor.scrub(&pretty), received.body.len()),
                None => cut_excerpt(
                    &redactor.scrub(prefix_within(&text, enough)),
                    received.body.len(),
                ),
            }
        };
        ResponseRecord {
            status: received.status,
            headers: redactor.headers(&received.headers),
            body_excerpt,
            body_bytes: received.body.len(),
            truncated: received.truncated,
        }
    }
}

/// A recorded excerpt as reports show it: JSON re-indented (cut to [`MAX_EXCERPT_BYTES`] as a
/// whole body would be), anything else as it is. Idempotent.
pub fn lay_out_excerpt(excerpt: &str) -> Option<String> {
    super::excerpt::pretty(excerpt).map(|pretty| excerpt_text(&pretty))
}

/// `redactor` plus the secrets `sent` carries (its Authorization signature), for recording the
/// answer to it: a server that echoes request headers back must not leak the signature.
pub fn redactor_for(
    redactor: &crate::redact::Redactor,
    sent: &crate::exchange::SentRequest,
) -> crate::redact::Redactor {
    let mut redactor = redactor.clone();
    if let Some(authorization) = sent.header("authorization") {
        if let Some((_, signature)) = authorization.rsplit_once('/') {
            redactor.add(signature);
        }
    }
    redactor
}

/// A report-sized, lossily decoded excerpt of a body.
pub fn excerpt(body: &[u8]) -> String {
    excerpt_text(&lossy_text(body))
}

/// A body as text, invalid UTF-8 replaced. Nearly every body is valid, and checking that
/// (word-wise) is several times faster than the lossy decoder's scan.
fn lossy_text(body: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(body) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(body),
    }
}

/// The start of a body's text (more than [`MAX_EXCERPT_BYTES`] of it) cut to an excerpt, the
/// cut marked with the size of the whole body.
fn cut_excerpt(start: &str, body_bytes: usize) -> String {
    let kept = prefix_within(start, MAX_EXCERPT_BYTES);
    format!("{kept}… (cut; the body has {body_bytes} bytes)")
}

/// `text` cut to [`MAX_EXCERPT_BYTES`] on a char boundary, the cut marked.
pub fn excerpt_text(text: &str) -> String {
    if text.len() <= MAX_EXCERPT_BYTES {
        return text.to_owned();
    }
    let kept = prefix_within(text, MAX_EXCERPT_BYTES);
    format!("{kept}… ({} more bytes)", text.len() - kept.len())
}

/// The longest start of `text` of at most `max` bytes that ends on a char boundary.
fn prefix_within(text: &str, max: usize) -> &str {
    let mut cut = max.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

impl RelationRecord {
    /// The report's view of a relation's outcome: its exchanges recorded against `base_url`,
    /// secrets redacted, what each asked and held counted from the whole bodies (a failed one's), and the first
    /// [`MAX_LISTED_VIOLATIONS`] violations kept with the count of all.
    pub fn from_outcome(
        outcome: RelationOutcome,
        base_url: &str,
        redactor: &crate::redact::Redactor,
    ) -> Self {
        let mut violations = outcome.violations;
        let mut findings = outcome.findings;
        let violations_total = violations.len();
        if violations_total > MAX_LISTED_VIOLATIONS {
            findings.push(format!(
                "{violations_total} violations in all; the first {MAX_LISTED_VIOLATIONS} are listed"
            ));
            violations.truncate(MAX_LISTED_VIOLATIONS);
        }
        RelationRecord {
            relation: outcome.relation,
            verdict: match outcome.judgement {
                Judgement::Passed => Verdict::Passed,
                Judgement::Failed => Verdict::Failed,
                Judgement::NotJudged => Verdict::Skipped,
            },
            violations,
            // Only a failure's defect reads them: a passing relation's large answers are not
            // read once more.
            requests: if outcome.judgement == Judgement::Failed {
                super::relation_shape::shapes(&outcome.exchanges)
            } else {
                Vec::new()
            },
            exchanges: outcome
                .exchanges
                .iter()
                .map(|exchange| exchange_record(exchange, base_url, redactor))
                .collect(),
            findings,
            violations_total,
        }
    }
}

/// One exchange as a relation's record lists it: the request, and the answer when there was one.
fn exchange_record(
    exchange: &Exchange,
    base_url: &str,
    redactor: &crate::redact::Redactor,
) -> (RequestRecord, Option<ResponseRecord>) {
    (
        RequestRecord::from_sent(&exchange.request, base_url, redactor),
        exchange.response.as_ref().ok().map(|received| {
            // A server that echoes the request's headers must not leak its signature.
            ResponseRecord::from_received(received, &redactor_for(redactor, &exchange.request))
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Received, SentRequest};
    use crate::redact::Redactor;

    #[test]
    fn a_relation_answer_that_echoes_the_signature_is_recorded_without_it() {
        let signature = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
        let request = SentRequest {
            headers: vec![(
                "authorization".into(),
                format!("auth-v2/ak/2026-12-03T09:00:00Z/host/{signature}"),
            )],
            ..SentRequest::post("/x", "{}")
        };
        let echo = format!("{{\"echo\":\"{signature}\"}}");
        let outcome = RelationOutcome {
            relation: "repetition".into(),
            judgement: Judgement::Passed,
            violations: Vec::new(),
            exchanges: vec![Exchange::new(request, Ok(Received::new(200, echo)), 0, 0)],
            findings: Vec::new(),
        };
        let record = RelationRecord::from_outcome(outcome, "http://h", &Redactor::new());
        let text = serde_json::to_string(&record).unwrap_or_default();
        assert!(!text.contains(signature), "{text}");
        assert_eq!(record.verdict, Verdict::Passed);
    }

    #[test]
    fn only_a_failed_relation_reads_its_exchanges_shapes() {
        let answer = r#"{"resultCode":"0100000","resultDesc":[{"agentId":101}]}"#;
        let outcome = |judgement| RelationOutcome {
            relation: "permutation".into(),
            judgement,
            violations: Vec::new(),
            exchanges: vec![Exchange::new(
                SentRequest::post("/x", r#"{"ccId":1,"vdn":1,"agentIds":[101,102]}"#),
                Ok(Received::new(200, answer)),
                0,
                0,
            )],
            findings: Vec::new(),
        };
        let passed =
            RelationRecord::from_outcome(outcome(Judgement::Passed), "http://h", &Redactor::new());
        assert!(passed.requests.is_empty());
        let failed =
            RelationRecord::from_outcome(outcome(Judgement::Failed), "http://h", &Redactor::new());
        assert_eq!(failed.requests.len(), 1);
        assert_eq!(
            (failed.requests[0].distinct_ids, failed.requests[0].answered),
            (2, Some(1))
        );
    }

    fn received(body: String) -> Received {
        Received {
            status: 200,
            headers: Vec::new(),
            body: body.into_bytes(),
            truncated: false,
        }
    }

    #[test]
    fn a_large_answer_keeps_a_pretty_start_and_its_size() {
        let items: Vec<String> = (0..5000).map(|i| format!("{{\"agentId\":{i}}}")).collect();
        let body = format!("{{\"resultDatas\":[{}]}}", items.join(","));
        let record = ResponseRecord::from_received(&received(body.clone()), &Redactor::new());
        assert!(
            record
                .body_excerpt
                .starts_with("{\n  \"resultDatas\": [\n    {\n")
        );
        let marker = format!("… (cut; the body has {} bytes)", body.len());
        assert!(
            record.body_excerpt.ends_with(&marker),
            "{}",
            record.body_excerpt
        );
        assert!(record.body_excerpt.len() <= MAX_EXCERPT_BYTES + marker.len());
    }

    #[test]
    fn a_secret_across_the_cut_is_scrubbed_whole() {
        let secret = "S3CRET-S3CRET-S3CRET-S3CRET";
        for body in [
            // JSON: the secret in a string that the excerpt's cut runs through.
            format!(
                "{{\"a\":\"{}{secret}{}\"}}",
                "x".repeat(MAX_EXCERPT_BYTES - 20),
                "y".repeat(9000)
            ),
            // Not JSON: the raw text is cut.
            format!(
                "{}{secret}{}",
                "<".repeat(MAX_EXCERPT_BYTES - 10),
                ">".repeat(9000)
            ),
        ] {
            let redactor = Redactor::new().with(secret);
            let record = ResponseRecord::from_received(&received(body), &redactor);
            assert!(
                !record.body_excerpt.contains("S3CRET"),
                "{}",
                record.body_excerpt
            );
            assert!(record.body_excerpt.len() < MAX_EXCERPT_BYTES + 100);
            assert!(record.body_excerpt.contains("…"));
        }
    }

    #[test]
    fn a_small_answer_is_kept_as_sent_and_laid_out_for_reports() {
        let sent = r#"{"resultCode":"0100000","resultDatas":[]}"#;
        let record = ResponseRecord::from_received(&received(sent.into()), &Redactor::new());
        assert_eq!(record.body_excerpt, sent);
        let laid_out = "{\n  \"resultCode\": \"0100000\",\n  \"resultDatas\": []\n}";
        assert_eq!(
            lay_out_excerpt(&record.body_excerpt).as_deref(),
            Some(laid_out)
        );
        assert_eq!(lay_out_excerpt(laid_out).as_deref(), Some(laid_out));
        assert_eq!(lay_out_excerpt("<html>"), None);
    }
}
