//! Every deadline of a run in one place, scaled by `--time-scale`.

use std::time::Duration;

/// Every deadline of a run, already scaled by `--time-scale`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connecting. Longer than Linux's initial SYN retransmission timeout
    /// (1 s), so a SYN dropped by a full listen backlog (Python's
    /// `socketserver` listens with a backlog of 5) is retried, not failed.
    pub connect: Duration,
    /// Waiting for a reply (from the last byte of its message).
    pub reply: Duration,
    /// Waiting for the server to close after an EOF or a refused frame.
    pub close: Duration,
    /// What "promptly" means: a server that needs longer to close after an
    /// EOF or a refused frame, or to answer a client while another stalls,
    /// is waiting for something else (an idle timeout).
    pub prompt: Duration,
    /// How long `limits/idle-timeout` waits for the server to give up.
    pub idle: Duration,
    /// One case.
    pub case: Duration,
    /// The churn case, which does thousands of exchanges.
    pub churn_case: Duration,
    /// The whole run.
    pub run: Duration,
    /// The pause between pieces of a cut message when a boundary cannot be
    /// confirmed.
    pub pause: Duration,
    /// Whether to confirm that each piece arrived as its own read (see
    /// [`delivery::confirmation_is_cheap`](crate::delivery::confirmation_is_cheap)).
    pub confirm: bool,
    /// The longest one confirmation may take before a connection falls
    /// back to pauses (see [`PACER_BUDGET`](crate::delivery::PACER_BUDGET)).
    pub pacer_budget: Duration,
    /// Whether the server's socket is on this machine (a loopback address
    /// or one of this machine's own), so that its receive queue can be
    /// watched. When it is not, piece boundaries can only be "likely"
    /// (acknowledged, then a pause), and the boundary cases accept that and
    /// say so in their evidence.
    pub target_local: bool,
}

impl Limits {
    /// The defaults, scaled by `scale` (1.0 for a local server).
    pub fn scaled(scale: f64) -> Limits {
        let s = |ms: u32| Duration::from_secs_f64(f64::from(ms) / 1000.0 * scale);
        Limits {
            connect: s(3000),
            reply: s(1000),
            close: s(1000),
            prompt: s(250),
            idle: s(1500),
            case: s(5000),
            churn_case: s(15000),
            run: s(120_000),
            pause: s(3),
            confirm: true,
            pacer_budget: crate::delivery::PACER_BUDGET,
            target_local: true,
        }
    }
}
