//! The catalogue of contract mutations: each one specific, documented deviation from the
//! contract, tied to the clause it breaks, so the harness's selftest can prove every check
//! bites. This module owns the catalogue and the parsing of mutation names; the rewriting of
//! answers lives in `rewrite`, validity in `validate`, and the wire in `faults`.
//!
//! Agent-level mutations apply to every answered agent, so any success that answers at least
//! one agent shows them (the seed's example always does).

use super::MutationDef;

/// Which request limit an off-by-one mutation moves, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    CcId,
    Vdn,
    /// The number of agent IDs (only a maximum).
    AgentIdCount,
    /// Each agent ID.
    AgentId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Min,
    Max,
}

/// One contract mutation, parameters included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    DropField,
    WrongType,
    StringNumber,
    FloatInteger,
    HugeInteger,
    DuplicateMember,
    StateOutOfRange,
    PrevStateNegative,
    DurationOverMax,
    NegativeCounter,
    LocationOutOfRange,
    ReasonOutOfRange,
    WrongLogonSentinel,
    SignedIn2106,
    FutureLogon,
    DatasDiffer,
    MissingResultDatas,
    MissingResult,
    ResultNotZero,
    ExtraAgent,
    AgentTwice,
    AgentIdOutOfRange,
    AcceptInvalid,
    ServerErrorOnRejection,
    RejectionWithData,
    SuccessForGet,
    WrongAllow,
    MissingAllow,
    WrongContentType,
    AuthIgnored,
    /// Accepts the value one past the bound.
    AcceptsOutside(Limit, Bound),
    /// Rejects the bound itself.
    RejectsEdge(Limit, Bound),
    BatchDependent(usize),
    OrderDependent,
    TruncateAbove(usize),
    IntermittentMissing,
    UnstableState,
    ShrinkingDuration,
}

macro_rules! def {
    ($name:literal, $clause:literal, $description:literal) => {
        MutationDef {
            name: $name,
            clause: $clause,
            description: $description,
        }
    };
}

/// Every mutation, as `--list-faults` prints it.
pub static CATALOGUE: &[MutationDef] = &[
    def!(
        "drop-field",
        "seed:table4",
        "every agent lacks currentPrivateCallNum"
    ),
    def!(
        "wrong-type",
        "seed:table4",
        "every agent's prevState is the boolean true"
    ),
    def!(
        "string-number",
        "notes:6.4",
        "every agentId is a numeric string (\"1031\")"
    ),
    def!(
        "float-integer",
        "notes:6.12",
        "every currentStateTime has a fraction (N.5)"
    ),
    def!(
        "huge-integer",
        "notes:6.12",
        "every logonTime overflows a signed 64-bit integer"
    ),
    def!(
        "duplicate-member",
        "notes:6.12",
        "the success body names resultCode twice"
    ),
    def!(
        "state-out-of-range",
        "notes:6.6",
        "every currentState is one past the highest state code"
    ),
    def!("prev-state-negative", "notes:6.6", "every prevState is -1"),
    def!(
        "duration-over-max",
        "notes:6.7",
        "every prevStateTime is the duration maximum plus one"
    ),
    def!("negative-counter", "notes:6.9", "every agentRelease is -1"),
    def!(
        "location-out-of-range",
        "notes:6.9",
        "every locationId is the maximum plus one"
    ),
    def!(
        "reason-out-of-range",
        "notes:6.9",
        "every currentStateReason is 65536"
    ),
    def!(
        "wrong-logon-sentinel",
        "notes:6.8",
        "every agent is not signed in (state 0) but carries a real past logonTime"
    ),
    def!(
        "signed-in-2106",
        "notes:6.8",
        "every agent is signed in (idle) but carries the 2106 logonTime sentinel"
    ),
    def!(
        "future-logon",
        "notes:6.8",
        "every agent is signed in with a logonTime one day in the future"
    ),
    def!(
        "datas-differ",
        "notes:6.5",
        "resultDatas[0] differs from resultDesc[0] (agentRelease + 1)"
    ),
    def!(
        "missing-result-datas",
        "seed:table3",
        "a success without resultDatas"
    ),
    def!("missing-result", "seed:table3", "a success without result"),
    def!(
        "result-not-zero",
        "seed:table3",
        "a success (resultCode 0100000) with result \"1\""
    ),
    def!(
        "extra-agent",
        "notes:6.4",
        "one more agent answered that was not asked for"
    ),
    def!(
        "agent-twice",
        "notes:6.3",
        "the first agent is answered twice"
    ),
    def!(
        "agent-id-out-of-range",
        "notes:6.4",
        "the first agent's agentId is one past the highest valid ID"
    ),
    def!(
        "accept-invalid",
        "notes:6.1",
        "an invalid (but JSON) request is answered as a success"
    ),
    def!(
        "server-error-on-rejection",
        "notes:6.1",
        "every rejection (400 or 0100002) is answered HTTP 500"
    ),
    def!(
        "rejection-with-data",
        "notes:6.1",
        "an invalid-parameter rejection carries resultDatas with an agent"
    ),
    def!(
        "success-for-get",
        "notes:6.13",
        "other methods are answered HTTP 200 with a success body"
    ),
    def!(
        "wrong-allow",
        "notes:6.13",
        "405 answers carry Allow: GET, HEAD instead of POST"
    ),
    def!(
        "missing-allow",
        "notes:6.13",
        "405 answers carry no Allow header (RFC 9110 requires one)"
    ),
    def!(
        "wrong-content-type",
        "notes:6.11",
        "JSON answers are labelled text/plain"
    ),
    def!(
        "auth-ignored",
        "notes:3",
        "missing or wrong signatures are accepted"
    ),
    def!(
        "ccid-accepts-above-max",
        "seed:table2:ccId",
        "accepts ccId max+1"
    ),
    def!("ccid-rejects-max", "seed:table2:ccId", "rejects ccId max"),
    def!(
        "ccid-accepts-below-min",
        "seed:table2:ccId",
        "accepts ccId min-1"
    ),
    def!("ccid-rejects-min", "seed:table2:ccId", "rejects ccId min"),
    def!(
        "vdn-accepts-above-max",
        "seed:table2:vdn",
        "accepts vdn max+1"
    ),
    def!("vdn-rejects-max", "seed:table2:vdn", "rejects vdn max"),
    def!(
        "vdn-accepts-below-min",
        "seed:table2:vdn",
        "accepts vdn min-1"
    ),
    def!("vdn-rejects-min", "seed:table2:vdn", "rejects vdn min"),
    def!(
        "agentids-accepts-above-max-items",
        "seed:table2:agentIds",
        "accepts maxItems+1 agent IDs"
    ),
    def!(
        "agentids-rejects-max-items",
        "seed:table2:agentIds",
        "rejects exactly maxItems agent IDs"
    ),
    def!(
        "agentid-accepts-above-max",
        "seed:table2:agentIds",
        "accepts an agent ID one past the highest"
    ),
    def!(
        "agentid-rejects-max",
        "seed:table2:agentIds",
        "rejects the highest agent ID"
    ),
    def!(
        "agentid-accepts-below-min",
        "seed:table2:agentIds",
        "accepts an agent ID one below the lowest"
    ),
    def!(
        "agentid-rejects-min",
        "seed:table2:agentIds",
        "rejects the lowest agent ID"
    ),
    def!(
        "batch-dependent",
        "notes:6.14",
        "=N (default 50): in batches of more than N IDs every agent's state differs (multi-exchange)"
    ),
    def!(
        "order-dependent",
        "notes:6.14",
        "an agent's state depends on its position in the request (multi-exchange)"
    ),
    def!(
        "truncate-above",
        "notes:6.14",
        "=N (default 100): batches of more than N IDs silently lose their tail (multi-exchange)"
    ),
    def!(
        "intermittent-missing",
        "notes:6.14",
        "every other request drops about a quarter of the known agents (multi-exchange)"
    ),
    def!(
        "unstable-state",
        "notes:6.14",
        "agents' states change from one request to the next (multi-exchange)"
    ),
    def!(
        "shrinking-duration",
        "notes:6.14",
        "currentStateTime goes down between requests (multi-exchange)"
    ),
];

impl Mutation {
    /// Parses `name` or `name=value`; `None` when the name is not a mutation.
    pub fn parse(name: &str, value: Option<&str>) -> Option<Result<Mutation, String>> {
        use Bound::{Max, Min};
        use Limit::*;
        use Mutation::*;
        let count = |default: usize| -> Result<usize, String> {
            value.map_or(Ok(default), |v| {
                v.trim()
                    .parse()
                    .map_err(|_| format!("{name}={v}: expected a number of IDs"))
            })
        };
        let simple = |m: Mutation| {
            Some(match value {
                None => Ok(m),
                Some(v) => Err(format!("{name} takes no value (got {v:?})")),
            })
        };
        match name {
            "drop-field" => simple(DropField),
            "wrong-type" => simple(WrongType),
            "string-number" => simple(StringNumber),
            "float-integer" => simple(FloatInteger),
            "huge-integer" => simple(HugeInteger),
            "duplicate-member" => simple(DuplicateMember),
            "state-out-of-range" => simple(StateOutOfRange),
            "prev-state-negative" => simple(PrevStateNegative),
            "duration-over-max" => simple(DurationOverMax),
            "negative-counter" => simple(NegativeCounter),
            "location-out-of-range" => simple(LocationOutOfRange),
            "reason-out-of-range" => simple(ReasonOutOfRange),
            "wrong-logon-sentinel" => simple(WrongLogonSentinel),
            "signed-in-2106" => simple(SignedIn2106),
            "future-logon" => simple(FutureLogon),
            "datas-differ" => simple(DatasDiffer),
            "missing-result-datas" => simple(MissingResultDatas),
            "missing-result" => simple(MissingResult),
            "result-not-zero" => simple(ResultNotZero),
            "extra-agent" => simple(ExtraAgent),
            "agent-twice" => simple(AgentTwice),
            "agent-id-out-of-range" => simple(AgentIdOutOfRange),
            "accept-invalid" => simple(AcceptInvalid),
            "server-error-on-rejection" => simple(ServerErrorOnRejection),
            "rejection-with-data" => simple(RejectionWithData),
            "success-for-get" => simple(SuccessForGet),
            "wrong-allow" => simple(WrongAllow),
            "missing-allow" => simple(MissingAllow),
            "wrong-content-type" => simple(WrongContentType),
            "auth-ignored" => simple(AuthIgnored),
            "ccid-accepts-above-max" => simple(AcceptsOutside(CcId, Max)),
            "ccid-rejects-max" => simple(RejectsEdge(CcId, Max)),
            "ccid-accepts-below-min" => simple(AcceptsOutside(CcId, Min)),
            "ccid-rejects-min" => simple(RejectsEdge(CcId, Min)),
            "vdn-accepts-above-max" => simple(AcceptsOutside(Vdn, Max)),
            "vdn-rejects-max" => simple(RejectsEdge(Vdn, Max)),
            "vdn-accepts-below-min" => simple(AcceptsOutside(Vdn, Min)),
            "vdn-rejects-min" => simple(RejectsEdge(Vdn, Min)),
            "agentids-accepts-above-max-items" => simple(AcceptsOutside(AgentIdCount, Max)),
            "agentids-rejects-max-items" => simple(RejectsEdge(AgentIdCount, Max)),
            "agentid-accepts-above-max" => simple(AcceptsOutside(AgentId, Max)),
            "agentid-rejects-max" => simple(RejectsEdge(AgentId, Max)),
            "agentid-accepts-below-min" => simple(AcceptsOutside(AgentId, Min)),
            "agentid-rejects-min" => simple(RejectsEdge(AgentId, Min)),
            "batch-dependent" => Some(count(50).map(BatchDependent)),
            "order-dependent" => simple(OrderDependent),
            "truncate-above" => Some(count(100).map(TruncateAbove)),
            "intermittent-missing" => simple(IntermittentMissing),
            "unstable-state" => simple(UnstableState),
            "shrinking-duration" => simple(ShrinkingDuration),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_entry_parses_and_names_a_known_clause() {
        let contract = crate::contract::Contract::embedded("2023-12").unwrap();
        let known: Vec<String> = contract
            .clauses()
            .clauses
            .iter()
            .map(|c| c.id.clone())
            .collect();
        for def in CATALOGUE {
            assert!(
                matches!(Mutation::parse(def.name, None), Some(Ok(_))),
                "{}",
                def.name
            );
            assert!(
                known.contains(&def.clause.to_owned()),
                "{}: {}",
                def.name,
                def.clause
            );
        }
        assert!(CATALOGUE.len() >= 24);
        assert_eq!(
            Mutation::parse("truncate-above", Some("7")),
            Some(Ok(Mutation::TruncateAbove(7)))
        );
        assert!(matches!(
            Mutation::parse("truncate-above", Some("x")),
            Some(Err(_))
        ));
        assert!(Mutation::parse("no-such", None).is_none());
    }
}
