//! The binary's allocator: the system's (glibc malloc on Linux), with its defaults. This module
//! holds no code; it is where the choice and its measurements are written down, because memory
//! and speed pull against each other here (issue 4: a default run within 64 MB; issue 25: its
//! CPU near the cost of reading its answers).
//!
//! A default run's memory is set by its largest answers: a 6000-agent success answer is about
//! 4.8 MB of JSON (every agent twice, `resultDesc` and `resultDatas`) and about 15 MB parsed,
//! and some 40 of them pass through a run, one at a time (`IN_FLIGHT_REQUEST_BYTES`). An
//! allocator that hands those pages back after each one makes every next answer fault them in
//! again; one that keeps them holds more than the live data.
//!
//! Measured on the default suite against `cmsconform mock` (release builds, 2-core VM). The
//! glibc row comes from `cargo bench --bench suite -- jobs` (medians of 5). The two mimalloc rows
//! come from `/usr/bin/time`, 1 or 2 runs each, on the code before the last 2.9 MB came off the
//! peak (`AgentTally`). Each cell gives CPU-seconds (system share of user) and peak RSS:
//!
//! | allocator | `-j 1` | `-j 4` | `-j 16` |
//! |---|---|---|---|
//! | glibc malloc, defaults (**chosen**) | 1.06 s (7 %), 59.4 MB | 1.06 s (8 %), 61.6 MB | 1.08 s (8 %), 64.7 MB |
//! | mimalloc, purged at once, collected after each large answer (before) | 1.71 s (76 %), 75 MB | 1.71 s (84 %), 68 MB | 1.85 s (74 %), 70 MB |
//! | mimalloc, purge delay 20 ms, no collection | 1.05 s (6 %), 86 MB | 1.08 s (7 %), 99 MB | 1.03 s (5 %), 102 MB |
//!
//! - Purging at once cost 300,000 page faults and 29,000 `madvise` calls a run: system time
//!   near user time. Without it mimalloc is the fastest, but keeps 20 to 40 MB more than glibc
//!   (its pages are per size class; a freed 15 MB tree is not what the next body needs).
//! - glibc keeps freed memory in its heap and reuses it for the next answer (about 18,000
//!   faults a run), and hands large blocks (the bodies) back by `munmap`. On small requests
//!   (the seed request x 20,000, `benches/run.sh`) both cost the same CPU a request (97 against
//!   104 us); with 20,000 case records held glibc's peak is higher (74 against 52 MB).
//! - So: glibc, and no allocator settings. The earlier reason for mimalloc (glibc's
//!   `malloc_consolidate` at a fifth of the time per request) no longer shows: a case now
//!   allocates far less.
