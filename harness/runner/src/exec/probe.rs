//! The liveness probe: a fresh connection and one valid exchange. The
//! runner probes before the first case and after each one; the `reset/*`
//! cases probe repeatedly after their RST.

use std::net::SocketAddr;
use std::time::Instant;

use framecheck_event::{self as event, ConnLog};
use framecheck_framing::Spec;

use super::{Ctx, Extra, Session, session};
use crate::catalogue::Mode;
use crate::conn::Conn;
use crate::messages::Maker;
use crate::rng::Rng;
use crate::timing::Limits;

/// Why a liveness probe failed.
#[derive(Debug)]
pub(crate) enum ProbeError {
    /// No connection could be made.
    Unreachable(String),
    /// Connected, but the exchange went wrong.
    Failed {
        /// What went wrong.
        why: String,
        /// The probe connection's timeline.
        log: ConnLog,
    },
}

impl ProbeError {
    pub(crate) fn why(&self) -> &str {
        match self {
            ProbeError::Unreachable(why) | ProbeError::Failed { why, .. } => why,
        }
    }
}

/// The liveness probe: a fresh connection and one valid exchange.
pub(crate) fn probe(
    addr: SocketAddr,
    spec: &Spec,
    profile: Option<&std::sync::Arc<crate::profile::Profile>>,
    limits: Limits,
) -> Result<(), ProbeError> {
    let t0 = Instant::now();
    let mut ctx = Ctx {
        addr,
        spec,
        maker: Maker::with(spec, profile),
        rng: Rng::for_case(0, "probe"),
        seed: 0,
        t0,
        deadline: t0 + limits.connect + limits.reply * 2,
        limits,
        trials: 0,
        churn: 0,
        replay: None,
        conns: Vec::new(),
        extra: Extra::default(),
    };
    let m = ctx.maker.message(0, 8);
    let r = session(
        &mut ctx,
        "probe",
        &Session::each_whole(vec![m]),
        Mode::Lockstep,
    );
    let log = ctx.conns.pop().unwrap_or_else(|| Conn::failed_log("probe"));
    match r {
        Ok(()) => Ok(()),
        Err(f) if log.end == event::ConnEnd::NotConnected => {
            Err(ProbeError::Unreachable(f.message))
        }
        Err(f) => Err(ProbeError::Failed {
            why: format!("{}: {}", f.message, f.observed),
            log,
        }),
    }
}
