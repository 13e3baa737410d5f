//! Reading an untrusted response body: chunk by chunk, never holding more than the cap. At the
//! cap the rest is left unread and the response dropped, which closes the connection (a body
//! not read to its end never goes back to the pool).

use super::failure::Progress;

/// Capacity reserved up front from a declared Content-Length, at most: a server may lie.
const FIRST_RESERVE: usize = 64 << 10;

/// Reads the body up to `cap` bytes. Returns the bytes and whether the body was cut.
pub(super) async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
    progress: &mut Progress,
) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let declared = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok());
    let mut body = Vec::with_capacity(declared.unwrap_or(0).min(cap).min(FIRST_RESERVE));
    while let Some(chunk) = response.chunk().await? {
        let room = cap - body.len();
        if chunk.len() > room {
            append_within(&mut body, &chunk[..room], cap);
            progress.body_bytes = body.len();
            return Ok((body, true));
        }
        append_within(&mut body, &chunk, cap);
        progress.body_bytes = body.len();
    }
    Ok((body, false))
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
