//! The servers' one error type.

use std::io;
use std::net::SocketAddr;

use crate::{Bug, UnknownBug};

/// Everything that can stop a reference server from starting: a bad
/// configuration, a bug that does not fit the framing, a socket that cannot
/// be set up.
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
    #[error(transparent)]
    UnknownBug(#[from] UnknownBug),
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
