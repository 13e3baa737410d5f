//! The wall clock, read in one place: milliseconds or seconds since the Unix epoch, as the
//! contract's timestamps count them. A clock before 1970 reads as 0 and one past `i64` as
//! `i64::MAX`, rather than panic.

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Whole seconds since the epoch, now.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_milliseconds_agree() {
        let (ms, secs) = (now_ms(), now_secs());
        // Read one after the other: the seconds are the milliseconds' or the next second.
        assert!(
            secs == ms / 1000 || secs == ms / 1000 + 1,
            "{ms} ms, {secs} s"
        );
    }
}
