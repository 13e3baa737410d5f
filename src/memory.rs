//! The binary's allocator and when it hands memory back (issue 4: a default run within 64 MB,
//! at a request rate comparable with oha's). It owns nothing else and changes no behaviour.
//!
//! Why mimalloc: with glibc malloc, allocation and free cost about a fifth of the harness's time
//! per request (fastbin consolidation on every buffer of a kilobyte or more), and a run's peak
//! grew with the number of threads that had touched a large answer. mimalloc (v2 line) halves the
//! default run's wall time; see benches/README.md for the figures side by side.
//!
//! Why the two settings: by default mimalloc commits whole arenas up front and purges freed
//! pages only after a delay, so a run's peak resident set is the sum of every large answer it
//! judged. Committing on demand, purging at once and collecting after each large answer keep
//! the peak near the live data.

use std::ffi::c_long;

use libmimalloc_sys::mi_option_t;

/// The allocator `main` installs as `#[global_allocator]`.
pub use mimalloc::MiMalloc as Allocator;

/// `mi_option_purge_delay` of mimalloc.h (`mi_option_e`, v2 line) and its documented default;
/// libmimalloc-sys does not export it. It is set only when the default reads as documented, so
/// a renumbered header leaves the allocator untouched instead of mis-set.
///
/// Arenas committed on demand (`MI_DEFAULT_ARENA_EAGER_COMMIT=0`) cannot be set here: the first
/// arena exists before `main`. `.cargo/config.toml` compiles that default in.
const PURGE_DELAY: (mi_option_t, c_long) = (15, 10);

/// Applies the settings above. Call once at start-up, before other threads exist.
pub fn configure() {
    // Freed pages go back at once: a run's peak is then its largest live set, not the sum
    // of the large answers freed within the delay.
    set_if_default(PURGE_DELAY, 0);
}

fn set_if_default((option, documented_default): (mi_option_t, c_long), value: c_long) {
    // SAFETY: mi_option_get/set read and write one entry of mimalloc's option table; `option`
    // is below `_mi_option_last`, and no other thread allocates yet.
    unsafe {
        if libmimalloc_sys::mi_option_get(option) == documented_default {
            libmimalloc_sys::mi_option_set(option, value);
        }
    }
}

/// Returns freed memory to the system now, after a phase or a case that held large answers,
/// so the next one starts from a small resident set.
pub fn release_free() {
    // SAFETY: mi_collect only walks the allocator's own free lists.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}
