//! Bounded fuzzing of the code that reads untrusted input: random and mutated inputs, run in
//! proptest batches until `fuzz_seconds()` have passed. Each target asserts that nothing
//! panics and that every call returns.
//!
//! `TILTAK_FUZZ_SECONDS=30 cargo test --test fuzz` runs longer.

mod gate;
mod importers;

/// How long each fuzz target runs: `TILTAK_FUZZ_SECONDS`, 3 by default.
pub fn fuzz_seconds() -> u64 {
    std::env::var("TILTAK_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(3)
}
