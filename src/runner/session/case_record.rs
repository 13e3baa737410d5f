//! One case → one [`CaseRecord`]: the answer classified and judged, the agents its findings
//! are about named, secrets redacted, the exchange kept when a report will show it, and a
//! reproduction for a failure. A case not sent gets its record here too.

use super::Session;
use crate::cases::Case;
use crate::checks;
use crate::client;
use crate::exchange::{Exchange, TransportFailure};
use crate::report::{self, CaseRecord, RequestRecord, ResponseRecord, Verdict};

/// The failing values an excerpt is focused on; an excerpt holds a few before it is cut.
const FOCUSED_POINTERS: usize = 8;

/// What judging one exchange gave (see [`Session::judged_record`]).
pub(super) struct Judged {
    pub record: CaseRecord,
    /// Why the answer could not be judged against the contract at all, if so.
    pub unjudgeable: Option<String>,
    /// The agents a success answer held ([`checks::held_agents`]), from the checks' parse.
    pub held_agents: Vec<i64>,
}

impl Judged {
    /// A record made without reading the answer.
    fn unread(record: CaseRecord) -> Judged {
        Judged {
            record,
            unjudgeable: None,
            held_agents: Vec::new(),
        }
    }
}

impl Session {
    /// The record of `case` judged on `exchange`.
    pub fn record(&self, case: &Case, exchange: &Exchange, duration_ms: f64) -> CaseRecord {
        self.judged_record(case, exchange, duration_ms).record
    }

    /// [`Session::record`], why the answer could not be judged, if so, and the agents it held.
    pub(super) fn judged_record(
        &self,
        case: &Case,
        exchange: &Exchange,
        duration_ms: f64,
    ) -> Judged {
        let mut record = self.skipped(case, "");
        record.duration_ms = duration_ms;
        record.request_hash = Some(report::identity::request_hash(&exchange.request));
        record.asked_at = crate::runner::fleet::asked_at(&exchange.request.body);
        if let Err(TransportFailure::NotSent(reason)) = &exchange.response {
            record.request = Some(self.request_record(exchange));
            record.error = Some(self.redactor.scrub(&format!("not sent: {reason}")));
            return Judged::unread(record);
        }
        // A 429 (or 503 with Retry-After) left after the client's retries: no verdict.
        let retried = case.request.carries_own_signature();
        if let Some(reason) = client::rate_refusal_reason(exchange, retried) {
            record.request = Some(self.request_record(exchange));
            // The refusal is kept: it is what the server answered, and it tells a run whose
            // every case was refused for rate from one that sent nothing.
            if let Ok(received) = &exchange.response {
                let redactor = report::redactor_for(&self.redactor, &exchange.request);
                record.response = Some(ResponseRecord::from_received(received, &redactor));
            }
            record.error = Some(reason);
            return Judged::unread(record);
        }
        let assessment =
            checks::assess(&self.contract, exchange, &case.expect, &self.check_options);
        record.observed = assessment.observed;
        record.violations = assessment.violations;
        let beyond_cap = assessment.beyond_cap;
        let held_agents = assessment.held_agents;
        let unjudgeable = assessment.unjudgeable.map(|why| self.redactor.scrub(&why));
        // Counted, not kept: only their check, pointer pattern and agents are needed.
        record.not_kept = report::tally::not_kept(&beyond_cap);
        drop(beyond_cap);
        let failed = exchange.response.is_err() || record.violations.iter().any(|v| v.is_failure());
        record.verdict = if failed {
            Verdict::Failed
        } else {
            Verdict::Passed
        };
        record.error = exchange.response.as_ref().err().map(describe);
        let keep_exchange = failed || self.record_passing_exchanges;
        if !keep_exchange && record.violations.is_empty() {
            // A pass no report will show: nothing to keep, nothing quoted to scrub.
            return Judged {
                record,
                unjudgeable,
                held_agents,
            };
        }
        // A server may echo a secret, or the signature it was sent, back into its answer and
        // so into what the checks quote.
        let redactor = report::redactor_for(&self.redactor, &exchange.request);
        if keep_exchange {
            record.request = Some(self.request_record(exchange));
            if let Ok(received) = &exchange.response {
                // The excerpt of a large answer shows what the failures point at.
                let pointers: Vec<&str> = record
                    .violations
                    .iter()
                    .filter(|v| v.is_failure())
                    .map(|v| v.pointer.as_str())
                    .take(FOCUSED_POINTERS)
                    .collect();
                record.response = Some(ResponseRecord::from_received_at(
                    received, &redactor, &pointers,
                ));
            }
        }
        for violation in &mut record.violations {
            violation.message = redactor.scrub(&violation.message);
            violation.value = violation.value.as_deref().map(|v| redactor.scrub(v));
        }
        record.error = record.error.as_deref().map(|e| redactor.scrub(e));
        if failed {
            // Printed with the failure now; every other case gets its own when reports are
            // written (`report::complete`), not while the run is sending.
            record.reproduce = record
                .request
                .as_ref()
                .map(|request| report::reproduction(&self.meta, &case.id, request));
        }
        Judged {
            record,
            unjudgeable,
            held_agents,
        }
    }

    /// The verdict of `record` again, once its findings were restated with what the run knows
    /// beyond the exchange (see `refusal`): a failure keeps its exchange and gets its rerun.
    pub(super) fn rejudge(&self, record: &mut CaseRecord, exchange: &Exchange) {
        let redactor = report::redactor_for(&self.redactor, &exchange.request);
        for violation in &mut record.violations {
            violation.message = redactor.scrub(&violation.message);
        }
        let failed = exchange.response.is_err() || record.violations.iter().any(|v| v.is_failure());
        if !failed {
            record.verdict = Verdict::Passed;
            record.reproduce = None;
            return;
        }
        record.verdict = Verdict::Failed;
        if record.request.is_none() {
            record.request = Some(self.request_record(exchange));
        }
        if let (None, Ok(received)) = (&record.response, &exchange.response) {
            record.response = Some(ResponseRecord::from_received(received, &redactor));
        }
        if record.reproduce.is_none() {
            record.reproduce = record
                .request
                .as_ref()
                .map(|request| report::reproduction(&self.meta, &record.id, request));
        }
    }

    /// The request as recorded. It was written before it was signed, so only the run's
    /// secrets can be in it (`Authorization` is redacted by name).
    pub(super) fn request_record(&self, exchange: &Exchange) -> RequestRecord {
        RequestRecord::from_sent(&exchange.request, &self.base_url, &self.redactor)
    }

    /// The record of a case that was not sent, with why.
    pub fn skipped(&self, case: &Case, reason: &str) -> CaseRecord {
        CaseRecord {
            id: case.id.clone(),
            title: case.title.clone(),
            family: case.family().to_owned(),
            clause: case.clause.clone(),
            tags: case.tags.clone(),
            verdict: Verdict::Skipped,
            expected: case.expect.clone(),
            observed: None,
            violations: Vec::new(),
            request: None,
            response: None,
            error: (!reason.is_empty()).then(|| reason.to_owned()),
            duration_ms: 0.0,
            baselined: false,
            reproduce: None,
            request_hash: None,
            not_kept: Vec::new(),
            asked_at: (None, None),
        }
    }
}

/// One line on why no answer was judged.
pub fn describe(failure: &TransportFailure) -> String {
    match failure {
        TransportFailure::Connect(d) => format!("connect failed: {d}"),
        TransportFailure::Timeout(d) => format!("timed out: {d}"),
        TransportFailure::Protocol(d) => format!("protocol error: {d}"),
        TransportFailure::NotSent(d) => format!("not sent: {d}"),
    }
}
