//! Process-wide allocator tuning for the binary: how many glibc malloc arenas may exist and
//! when freed memory goes back to the system. It owns nothing else and changes no behaviour,
//! only the peak resident memory (issue 4: a default run within 64 MB).
//!
//! Why: glibc gives each thread that allocates concurrently its own arena (up to 8 × cores),
//! and an arena keeps the pages of a freed 6000-agent parse for the next allocation on that
//! thread. With the runtime's workers and the blocking pool each judging large answers, the
//! resident set grew to the sum of several arenas' high-water marks (about 125 MB) although
//! live data never exceeds a few answers. Two arenas keep contention low on this 2-core target
//! while bounding that sum. On other platforms or C libraries both calls do nothing.

/// Caps glibc malloc arenas at two. Call once at start-up, before threads are spawned.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator parameters; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Returns freed heap pages to the system, after a phase that held large answers (the cases,
/// the relations) so the next phase starts from a small resident set.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
