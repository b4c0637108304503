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
    /// A framing spec was rejected by the framing library.
    #[error(transparent)]
    Framing(#[from] framecheck_framing::Error),
}
