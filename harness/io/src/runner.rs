//! The conformance runner: point it at a TCP server, get a verdict per case.
//!
//! A run emits [`RunEvent`]s to a [`Reporter`]; [`Terminal`] is the human one.

pub mod event;
pub mod terminal;

pub use event::{
    Boundaries, Bytes, CaseResult, Collect, ConnEnd, ConnLog, Evidence, Fanout, Reporter, RunEvent,
    Step, Summary, Verdict,
};
pub use terminal::Terminal;
