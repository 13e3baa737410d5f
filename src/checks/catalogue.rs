//! The catalogue: every check the harness makes, with its stable id and clause, and the
//! clauses a judged answer exercises (the report's clause coverage). Adding a check means
//! adding it here, in its module's `CheckDef`, and nowhere else.

use super::{CheckDef, agents, hosted, json, response, signing, status};
use crate::cases::Outcome;

/// Every check the harness makes, with its stable id and clause.
pub static CATALOGUE: &[&CheckDef] = &[
    &json::NOT_UTF8,
    &json::BOM,
    &json::SYNTAX,
    &json::TRAILING,
    &json::NUL,
    &json::TOO_DEEP,
    &json::DUPLICATE,
    &json::NOT_INTEGER_FORM,
    &status::NO_ANSWER,
    &status::TIMEOUT,
    &status::TRUNCATED,
    &status::SERVER_ERROR,
    &status::SUCCESS_NOT_200,
    &status::CONTENT_TYPE,
    &status::UNRECOGNISED,
    &status::NOT_SENT,
    &status::EXPECTED_SUCCESS,
    &status::EXPECTED_REJECTION,
    &status::EXPECTED_401,
    &status::LOCKOUT,
    &status::METHOD_SUCCESS,
    &status::METHOD_OTHER_REFUSAL,
    &status::ALLOW_MISSING,
    &status::ALLOW_WRONG,
    &status::EMPTY_EITHER,
    &status::REJECTION_OTHER_4XX,
    &status::COMPRESSED,
    &hosted::UNHOSTED,
    &hosted::BOUNDARY_FAULT,
    &status::REPLAY_ACCEPTED,
    &signing::AMBIGUOUS_REFUSED,
    &signing::OWN_SIGNATURE_REFUSED,
    &signing::OWN_SIGNATURE_REFUSED_ANYWAY,
    &response::SCHEMA,
    &response::RESULT_CODE,
    &response::DATAS_DESC,
    &response::EXTRA_MEMBER,
    &response::REJ_AGENT_DATA,
    &response::REJ_SUCCESS_CODE,
    &response::REJ_OTHER_CODE,
    &response::REJ_4XX,
    &response::REJ_SCHEMA,
    &agents::SCHEMA,
    &agents::MISSING,
    &agents::NOT_INTEGER,
    &agents::NOT_ASKED,
    &agents::TWICE,
    &agents::ID_RANGE,
    &agents::STATE,
    &agents::DURATION,
    &agents::LOGON_SIGNED_OUT,
    &agents::LOGON_SIGNED_IN_FUTURE_SENTINEL,
    &agents::LOGON_TOO_OLD,
    &agents::LOGON_FUTURE,
    &agents::LOCATION,
    &agents::REASON,
    &agents::RELEASE,
    &agents::PRIVATE_CALLS,
    &agents::LEFT_OUT,
    &agents::ORDER,
    &agents::EXTRA_MEMBER,
];

/// The check with this id, if any.
pub fn check_def(id: &str) -> Option<&'static CheckDef> {
    CATALOGUE.iter().copied().find(|d| d.id == id)
}

/// The clauses whose rules `judge` evaluates on an answer classified as `observed`, whether
/// or not they found anything: what a case exercised, for the report's clause coverage.
pub fn clauses_exercised(observed: Option<Outcome>) -> &'static [&'static str] {
    match observed {
        Some(Outcome::Accepted) => &[
            "seed:url",
            "seed:table1:authorization",
            "seed:table3",
            "seed:table4",
            "notes:3",
            "notes:5",
            "notes:6.3",
            "notes:6.4",
            "notes:6.5",
            "notes:6.6",
            "notes:6.7",
            "notes:6.8",
            "notes:6.9",
            "notes:6.10",
            "notes:6.11",
            "notes:6.12",
        ],
        Some(Outcome::Rejected) => &[
            "seed:url",
            "notes:4",
            "notes:6.1",
            "notes:6.11",
            "notes:6.12",
        ],
        Some(Outcome::Unauthenticated) => &["seed:url", "seed:table1:authorization", "notes:3"],
        Some(Outcome::NotAllowedMethod) => &["seed:method", "notes:6.13"],
        None => &[],
    }
}
