//! The crate's one error type.

/// What can stop a fuzzing run before it judges the server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server did not accept a connection at the start.
    #[error("cannot reach the server at {addr}: {why}")]
    Unreachable {
        /// The address.
        addr: String,
        /// Why.
        why: String,
    },
    /// A file could not be read or written.
    #[error("cannot {what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A replay file is not one.
    #[error("replay file {path}: {why}")]
    Replay {
        /// The file.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// Settings that cannot work.
    #[error("{0}")]
    Config(String),
}
