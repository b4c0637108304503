//! framecheck's I/O side: everything that touches a socket, a thread or a clock.
//!
//! * [`server`]: reference echo servers for every framing strategy, each
//!   optionally carrying one classic framing [`Bug`](server::Bug).

mod error;
pub mod server;

pub use error::Error;
