//! The runner's one error type: failures of the harness or of its
//! configuration (a server that misbehaves is a finding, not an `Err`).

use std::io;
use std::net::SocketAddr;

/// Everything that can stop the runner from doing its job. A server that
/// misbehaves is a finding, not an `Err`: these are failures of the harness
/// itself or of its configuration.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A configuration value that cannot work (a zero timeout or bound).
    #[error("bad configuration: {problem}")]
    Config {
        /// What is wrong, naming the setting.
        problem: String,
    },
    /// A `--time-scale` that is not a positive, finite number.
    #[error("time scale {value} is not a positive number")]
    TimeScale {
        /// The value given.
        value: f64,
    },
    /// The TCP connect failed or timed out.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address given.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// An input file (a profile, an expectations file) could not be read.
    #[error("cannot read {what} {path}: {source}")]
    ReadFile {
        /// What kind of file: `profile` or `expectations`.
        what: &'static str,
        /// The path given.
        path: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// An input file is over its size limit.
    #[error("{what} {path} is over the limit of {max} bytes")]
    FileTooBig {
        /// What kind of file: `profile`.
        what: &'static str,
        /// The path given.
        path: String,
        /// The limit, in bytes.
        max: usize,
    },
    /// `--profile NAME` names neither a file nor a built-in profile.
    #[error(
        "unknown profile {name:?}: no such file, and not a built-in profile (one of redis, mqtt, dns)"
    )]
    UnknownProfile {
        /// What was asked for.
        name: String,
    },
    /// A profile's TOML is malformed or a value is wrong, at a known place.
    #[error("{origin}:{line}:{column}: {field}: {problem}")]
    InvalidProfile {
        /// The file (or `builtin:NAME`).
        origin: String,
        /// 1-based line of the offending value.
        line: usize,
        /// 1-based column (in characters) of the offending value.
        column: usize,
        /// The field path (`exchange[1].send.hex`), or `toml` for syntax errors.
        field: String,
        /// What is wrong and what would be accepted.
        problem: String,
    },
    /// A framing spec was rejected by the framing library.
    #[error(transparent)]
    Framing(#[from] framecheck_framing::Error),
}
