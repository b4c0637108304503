//! The reports' one error type: an input file (expectations) that cannot be
//! read or is malformed.

use std::io;

/// What can go wrong reading a report's input: the expectations file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
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
}
