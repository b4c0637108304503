//! Exit codes of `framecheck`, documented in README.md.

/// Conformant (warnings allowed), or a capture that is whole frames.
pub(crate) const OK: u8 = 0;
/// Non-conformant, or a decode error / trailing partial frame in `frames`.
pub(crate) const FAILED: u8 = 1;
/// Usage, configuration (bad spec) or unreachable target.
pub(crate) const USAGE: u8 = 2;
