//! Reading an untrusted response body: chunk by chunk, never holding more than the cap, and
//! past the budget's free bytes only under a reservation of the client's budget (`budget`). At
//! the cap the rest is left unread and the response dropped, which closes the connection (a
//! body not read to its end never goes back to the pool).

use super::budget::{self, BodyBudget, Reservation};
use super::failure::Progress;

/// Capacity reserved up front from a declared Content-Length, at most: a server may lie.
const FIRST_RESERVE: usize = 64 << 10;

/// A body as read.
pub(super) struct Read {
    pub(super) body: Vec<u8>,
    /// The body was cut at the cap.
    pub(super) truncated: bool,
    /// Taken when the body grew past [`budget::FREE_BYTES`]; the caller holds it until the
    /// answer is judged.
    pub(super) reservation: Option<Reservation>,
}

/// Reads the body up to `cap` bytes. `coded`: the answer names a content coding, so its
/// decoded size is unknown and a reservation covers the whole cap.
pub(super) async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
    budget: &BodyBudget,
    coded: bool,
    progress: &mut Progress,
) -> Result<Read, reqwest::Error> {
    let declared = response.content_length();
    let first = declared
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
        .min(cap)
        .min(FIRST_RESERVE);
    let mut read = Read {
        body: Vec::with_capacity(first),
        truncated: false,
        reservation: None,
    };
    let free = budget::FREE_BYTES.min(cap);
    while let Some(chunk) = response.chunk().await? {
        let body = &mut read.body;
        if read.reservation.is_none() && body.len() + chunk.len() > free {
            // All it may still grow to, at once: an answer never waits holding part of it.
            let need = budget::need(declared, coded, cap);
            read.reservation = budget.reserve(need).await;
            // All of it reserved at once, now that the budget holds it: growing by doubling
            // would copy the body and hold the old buffer beside the new one (1.5 times the
            // cap at the last step). Memory is committed only as the body fills it.
            body.reserve_exact(need.saturating_sub(body.len()));
        }
        let room = cap - body.len();
        if chunk.len() > room {
            append_within(body, &chunk[..room], cap);
            progress.body_bytes = body.len();
            read.truncated = true;
            return Ok(read);
        }
        append_within(body, &chunk, cap);
        progress.body_bytes = body.len();
    }
    Ok(read)
}

/// Appends, growing the buffer by doubling but never past `cap`: a body at the cap costs the
/// cap, not up to twice it.
pub(super) fn append_within(body: &mut Vec<u8>, bytes: &[u8], cap: usize) {
    let needed = body.len() + bytes.len();
    if needed > body.capacity() {
        let target = needed.max(body.capacity() * 2).min(cap).max(needed);
        body.reserve_exact(target - body.len());
    }
    body.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_stops_at_the_cap() {
        let cap = 1000;
        let mut body = Vec::new();
        for _ in 0..10 {
            append_within(&mut body, &[7u8; 100], cap);
        }
        assert_eq!(body.len(), 1000);
        assert!(body.capacity() <= cap, "capacity {}", body.capacity());
    }
}
