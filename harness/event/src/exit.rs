//! The exit codes of `framecheck`, as named constants.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | conformant (warnings allowed) |
//! | 1 | non-conformant, or a decode error in `frames` |
//! | 2 | usage or configuration error, or an unreachable target |
//! | 4 | no case selected |

/// The target met every requirement checked (warnings allowed).
pub const CONFORMANT: i32 = 0;
/// At least one case failed (or `frames` met a decode error).
pub const NON_CONFORMANT: i32 = 1;
/// Bad usage or configuration, an unreachable target, or a harness error.
pub const USAGE: i32 = 2;
/// The selection (`--cases`, `--skip`) matched no case.
pub const NO_CASE_SELECTED: i32 = 4;
