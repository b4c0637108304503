//! framecheck's I/O side: everything that touches a socket, a thread or a clock.
//!
//! * [`pace`]: a paced socket writer that makes each piece of a schedule
//!   arrive as its own read, and says whether that was confirmed.
//! * [`proxy`]: the fragmenting proxy: re-cuts each direction of a
//!   connection by its schedule, passes half-closes and resets on.
//! * [`server`]: reference echo servers for every framing strategy, each
//!   optionally carrying one classic framing [`Bug`](server::Bug).
//! * [`profile`]: protocol profiles for servers that are not echo servers.
//! * [`runner`]: the conformance runner: cases, liveness, evidence, events.
//! * [`exit`]: the documented exit codes.

mod error;
pub mod exit;
pub mod pace;
pub mod profile;
pub mod proxy;
pub mod report;
pub mod runner;
pub mod server;

pub use error::Error;
