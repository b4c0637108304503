//! framecheck on the wire: delivering bytes so that their boundaries reach
//! the peer, seeing what the kernel holds, and relaying connections.
//!
//! * [`pace`]: a paced socket writer that makes each piece of a schedule
//!   arrive as its own read, and says whether that was confirmed; its
//!   [`procnet`](pace::procnet) and [`sockdiag`](pace::sockdiag) modules read
//!   the kernel's socket tables (queues, states).
//! * [`proxy`]: the fragmenting proxy: re-cuts each direction of a
//!   connection by its schedule, passes half-closes and resets on.
//!
//! It knows framings only as byte schedules (`framecheck-framing`), nothing
//! of cases or verdicts.

pub mod pace;
pub mod proxy;
