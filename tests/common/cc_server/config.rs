//! What a test sets ([`ServerConfig`], [`Centre`]) and what it reads back ([`Stats`]).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::agents::BodyDefect;
use super::auth::EmptyBody;
use super::body::{Limits, read_query};

/// The path of the interface (notes section 1), under [`ServerConfig::path_prefix`].
pub const PATH: &str = "/rest/cmsapp/v1/openapi/agentgroup/agentstatusinfobyagentids";

/// A predicate on a request body, for [`ServerConfig::refuse_signature_when`].
pub type BodyPredicate = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

/// True for every body that contains `needle` (e.g. an agent ID as text).
pub fn body_contains(needle: &str) -> BodyPredicate {
    let needle = needle.as_bytes().to_vec();
    Arc::new(move |body: &[u8]| body.windows(needle.len()).any(|w| w == needle.as_slice()))
}

/// True for every body that is a JSON request object (as this server reads it, limits aside)
/// whose `agentIds` holds `agent_id`, however the client spaced or ordered it.
/// The run's preflight asks for 1031 and 1099: refusing those refuses the preflight.
pub fn asks_for_agent(agent_id: i64) -> BodyPredicate {
    let any = Limits {
        cc_id: i64::MIN..=i64::MAX,
        vdn: i64::MIN..=i64::MAX,
        max_agent_ids: usize::MAX,
        agent_id_ranges: vec![i64::MIN..=i64::MAX],
        reject_unknown_members: false,
    };
    Arc::new(move |body: &[u8]| {
        read_query(body, &any).is_ok_and(|q| q.agent_ids.contains(&agent_id))
    })
}

/// One hosted call centre: its VDNs and its agents (at every one of those VDNs). A run's
/// boundary cases ask a neighbouring ccId for the home pair's agents (e.g. 1031): give another
/// centre agents of its own when only an aimed scan should meet them.
#[derive(Debug, Clone)]
pub struct Centre {
    pub cc_id: i64,
    pub vdns: RangeInclusive<i64>,
    pub agents: Vec<i64>,
    /// Every agent of this centre answers `currentState` 11 (outside 0..10, notes:6.6).
    pub breaks_agent_rule: bool,
}

impl Centre {
    /// The default centre: ccId 1, VDN 170, agents 1000..=1299 (the seed's 1031 and 1099 among
    /// them).
    pub fn home() -> Centre {
        Centre {
            cc_id: 1,
            vdns: 170..=170,
            agents: (1000..=1299).collect(),
            breaks_agent_rule: false,
        }
    }
}

/// The server's behaviour. `Default` is a conformant server with the harness's local keys.
#[derive(Clone)]
pub struct ServerConfig {
    pub ak: String,
    pub sk: String,
    /// Accepted distance between an `Authorization` timestamp and the server's clock.
    pub skew: Duration,
    /// Prepended to [`PATH`] (e.g. `/gateway`); empty by default.
    pub path_prefix: String,
    pub centres: Vec<Centre>,
    pub limits: Limits,
    /// The most body bytes read; a larger body is answered 413 and the connection closed.
    pub max_request_body: usize,
    /// Verify the signature before looking at the method (a Spring filter does; default true).
    pub auth_before_method: bool,
    // Scenario knobs, all off by default.
    /// How the canonical request of an empty body ends (notes:3).
    pub empty_body: EmptyBody,
    /// After this many 401s, every request is answered 403 (the client IP is locked out).
    pub lockout_after: Option<usize>,
    /// Answers 401 to a correctly signed request whose body matches, as a server that signs
    /// that one request differently.
    pub refuse_signature_when: Option<BodyPredicate>,
    /// Every request after the N-th (counting all requests) is answered 401.
    pub credentials_expire_after: Option<usize>,
    /// Drops a connection silently once it has waited this long for a request (between requests,
    /// or a fresh connection before its first), as a load balancer does.
    pub idle_close: Option<Duration>,
    /// Drops a connection silently after every N-th answer on it (no `Connection: close`).
    pub close_every: Option<usize>,
    /// After every N-th answer on a connection, drops the connection when the next request
    /// arrives, unanswered and unprocessed: a load balancer that closed the idle connection
    /// just as the client wrote on it. Not counted in `requests`; counted in `dropped_unread`.
    pub drop_unread_after: Option<usize>,
    /// A defect written into every JSON answer, the first included.
    pub body_defect: Option<BodyDefect>,
    /// After the first success, every answer is a 200 whose chunked body never ends.
    pub endless_after_first: bool,
    /// A success answer holds at most this many agents: the first asked that exist, as a
    /// server that stops filling its answer early (the rest are silently left out).
    pub answer_at_most: Option<usize>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            ak: "cmsconform-ak".into(),
            sk: "cmsconform-local-sk".into(),
            skew: Duration::from_secs(15 * 60),
            path_prefix: String::new(),
            centres: vec![Centre::home()],
            limits: Limits::default(),
            max_request_body: 1 << 20,
            auth_before_method: true,
            empty_body: EmptyBody::default(),
            lockout_after: None,
            refuse_signature_when: None,
            credentials_expire_after: None,
            idle_close: None,
            close_every: None,
            drop_unread_after: None,
            body_defect: None,
            endless_after_first: false,
            answer_at_most: None,
        }
    }
}

/// What one request got, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The ccId and vdn of a body that was a valid request.
    pub pair: Option<(i64, i64)>,
    /// The business `resultCode` of a 200 (the endless stream has none).
    pub result_code: Option<&'static str>,
    /// Agents in a success answer.
    pub agents: usize,
}

/// Most entries [`Stats::seen`] keeps.
const SEEN_CAP: usize = 100_000;

/// Counters a test reads while the server runs. Every request counted lands in exactly one
/// answer bucket.
#[derive(Default)]
pub struct Stats {
    pub connections: AtomicUsize,
    /// Requests read in full (all of them, whatever the answer).
    pub requests: AtomicUsize,
    /// Every 401 answered, whatever the cause (the lock-out counts these).
    pub answered_401: AtomicUsize,
    /// 401s for a missing, malformed or wrong `Authorization` (AK, timestamp, signature).
    pub bad_signatures: AtomicUsize,
    /// 401s to correctly signed requests, from `refuse_signature_when`.
    pub refused_by_knob: AtomicUsize,
    /// 401s from `credentials_expire_after`.
    pub expired: AtomicUsize,
    pub answered_403: AtomicUsize,
    /// 200 answers with `resultCode` 0100000.
    pub successes: AtomicUsize,
    /// Connections dropped by `idle_close` and by `close_every`.
    pub idle_closes: AtomicUsize,
    pub every_n_closes: AtomicUsize,
    /// Requests dropped unanswered by `drop_unread_after`.
    pub dropped_unread: AtomicUsize,
    /// Endless answers started.
    pub endless_streams: AtomicUsize,
    pub seen: Mutex<Vec<Seen>>,
}

/// A copy of the counters at one moment, for `assert_eq!` and `{:?}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub connections: usize,
    pub requests: usize,
    pub answered_401: usize,
    pub bad_signatures: usize,
    pub refused_by_knob: usize,
    pub expired: usize,
    pub answered_403: usize,
    pub successes: usize,
    pub idle_closes: usize,
    pub every_n_closes: usize,
    pub dropped_unread: usize,
    pub endless_streams: usize,
}

impl Stats {
    pub fn counts(&self) -> Counts {
        let get = |c: &AtomicUsize| c.load(Ordering::SeqCst);
        Counts {
            connections: get(&self.connections),
            requests: get(&self.requests),
            answered_401: get(&self.answered_401),
            bad_signatures: get(&self.bad_signatures),
            refused_by_knob: get(&self.refused_by_knob),
            expired: get(&self.expired),
            answered_403: get(&self.answered_403),
            successes: get(&self.successes),
            idle_closes: get(&self.idle_closes),
            every_n_closes: get(&self.every_n_closes),
            dropped_unread: get(&self.dropped_unread),
            endless_streams: get(&self.endless_streams),
        }
    }

    /// Every request so far, in arrival order (the first [`SEEN_CAP`]).
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Valid requests per (ccId, vdn) pair.
    pub fn pairs(&self) -> BTreeMap<(i64, i64), usize> {
        let mut pairs = BTreeMap::new();
        for seen in self.seen() {
            if let Some(pair) = seen.pair {
                *pairs.entry(pair).or_insert(0) += 1;
            }
        }
        pairs
    }

    pub(super) fn record(&self, seen: Seen) {
        if let Ok(mut all) = self.seen.lock() {
            if all.len() < SEEN_CAP {
                all.push(seen);
            }
        }
    }
}

pub(super) fn bump(counter: &AtomicUsize) -> usize {
    counter.fetch_add(1, Ordering::SeqCst) + 1
}
