//! The crate's one error type.

use std::io;
use std::net::SocketAddr;

use crate::server::Bug;

/// Everything that can stop the I/O side from doing its job. A server that
/// misbehaves is a finding, not an `Err`: these are failures of the harness
/// itself or of its configuration.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A listening socket could not be set up on this address.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A socket or thread operation failed.
    #[error("{op}: {source}")]
    Io {
        /// What was being done, e.g. "spawn the accept thread".
        op: &'static str,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A bug name that is not one of [`Bug::ALL`].
    #[error("unknown bug {name:?}; expected one of {known}")]
    UnknownBug {
        /// The name given.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// A bug that cannot be injected into a server with this framing.
    #[error("bug {bug} does not apply to framing {spec}: {reason}")]
    BugNotApplicable {
        /// The bug asked for.
        bug: Bug,
        /// The framing spec, in canonical form.
        spec: String,
        /// Why the two do not fit.
        reason: &'static str,
    },
    /// A configuration value that cannot work (a zero timeout or bound).
    #[error("bad configuration: {problem}")]
    Config {
        /// What is wrong, naming the setting.
        problem: String,
    },
    /// A target outside loopback: framecheck connects to `127.0.0.0/8` and
    /// `::1` only.
    #[error(
        "target {addr} is not a loopback address: framecheck only tests servers on 127.0.0.1 or ::1"
    )]
    NotLoopback {
        /// The address given.
        addr: SocketAddr,
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
    /// A line or entry of an expectations file is malformed (or the file is
    /// over its size limit, reported at line 1).
    #[error("{origin}:{line}: {problem}")]
    InvalidExpectations {
        /// The path.
        origin: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// Case ids in an expectations file that match no case of the catalogue.
    #[error("{origin}: {} listed case id(s) match no case: {}; see `framecheck run --list`", ids.len(), ids.join(", "))]
    UnknownCaseIds {
        /// The path.
        origin: String,
        /// The ids, each with its line (`eof/mid-bdy (line 3)`).
        ids: Vec<String>,
    },
    /// A framing spec was rejected by the framing library.
    #[error(transparent)]
    Framing(#[from] framecheck_framing::Error),
}
