//! `framecheck fuzz`: a framing-aware fuzzer of live servers.
//!
//! The input is a [`Session`]: messages (from the echo generator or a
//! profile's exchanges), each possibly a framing lie and possibly repeated,
//! a delivery schedule in the simulator's grammar, and an ending (kept
//! open, FIN, RST, idle). [`Mutator`] mutates all four levels; an
//! [`Executor`] runs a session over a reused loopback connection and reads
//! the replies until the framing says they are complete; the [`oracle`]
//! judges what came back against the echo; the liveness probe decides crash
//! or hang; [`feedback`] keeps sessions that made the server do something
//! new; findings are confirmed k of n times, [`minimize`]d, and saved as
//! self-contained replay files ([`Finding`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use framecheck_netfuzz::{Config, target::AtAddr, fuzz};
//!
//! let mut config = Config::new("u16be".parse()?);
//! config.duration = Duration::from_secs(10);
//! let mut target = AtAddr("127.0.0.1:4000".parse()?);
//! let outcome = fuzz(&config, &mut target, &mut |_| {})?;
//! for f in &outcome.findings {
//!     println!("{}: {}", f.kind, f.what);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod engine;
mod error;
pub mod exec;
pub mod feedback;
pub mod finding;
pub mod minimize;
pub mod mutate;
pub mod oracle;
pub mod session;
pub mod target;
pub mod text;

pub use engine::{Config, Outcome, Status, fuzz, replay};
pub use error::Error;
pub use exec::Executor;
pub use finding::Finding;
pub use mutate::Mutator;
pub use oracle::FindingKind;
pub use session::{Ending, Lie, Message, Session};
