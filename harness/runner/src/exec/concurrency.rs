//! The cases with several connections at once: a client stalled
//! mid-message must not delay others (`concurrency/stalled-client`),
//! [`CLIENTS`] clients exchange in lockstep at once
//! (`concurrency/many-clients`), and thousands of connect, exchange, reset
//! cycles leave the server serving (`churn/connect-cycles`). The worker
//! threads of the last two are joined by `join_workers`.

use std::time::Instant;

use framecheck_event::{ConnLog, Ms};

use super::{Ctx, Finding, Session, session, session_on};
use crate::catalogue::{CLIENTS, Mode};
use crate::delivery::Pieces;

pub(super) fn stalled_client(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = ctx.maker.body_message(0, 16);
    let cut = (m.len() / 2).max(1);
    let mut stalled = ctx.connect("stalled client")?;
    let _ = stalled.send(
        &m[..cut],
        &Pieces::whole(cut),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    );
    std::thread::sleep(ctx.limits.pause * 5);
    let msgs = ctx.maker.batch(&mut ctx.rng, 3, 16);
    let sessions: Vec<Session> = if ctx.eof() {
        msgs.into_iter()
            .map(|m| Session::each_whole(vec![m]))
            .collect()
    } else {
        vec![Session::each_whole(msgs)]
    };
    // The others must be answered promptly, before any idle timeout could
    // have freed a server that serves one client at a time.
    let saved = ctx.limits;
    ctx.limits.reply = ctx.limits.prompt;
    let mut result = Ok(());
    for (i, s) in sessions.iter().enumerate() {
        let r = session(ctx, &format!("other client {}", i + 1), s, Mode::Lockstep);
        if let Err(mut f) = r {
            f.message = format!(
                "another client was delayed while one stalled mid-message: {}",
                f.message
            );
            result = Err(f);
            break;
        }
    }
    ctx.limits = saved;
    ctx.keep(stalled.close());
    result
}

pub(super) fn many_clients(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let eof = ctx.eof();
    let per_client = if eof { 2 } else { 10 };
    let plans: Vec<Vec<Session>> = (0..CLIENTS)
        .map(|c| {
            let msgs: Vec<Vec<u8>> = (0..per_client)
                .map(|i| ctx.maker.message(c * 31 + i, 8 + (c + i) % 24))
                .collect();
            if eof {
                msgs.into_iter()
                    .map(|m| Session::each_whole(vec![m]))
                    .collect()
            } else {
                vec![Session::each_whole(msgs)]
            }
        })
        .collect();
    let outcomes = std::thread::scope(|s| {
        let handles: Vec<_> = plans
            .into_iter()
            .enumerate()
            .map(|(c, sessions)| {
                let mut sub = ctx.sub("client");
                s.spawn(move || {
                    let r = sessions.iter().try_for_each(|sess| {
                        session(&mut sub, &format!("client {}", c + 1), sess, Mode::Lockstep)
                    });
                    (r, sub.conns)
                })
            })
            .collect();
        join_workers(handles, "client")
    });
    let mut failed = 0;
    let mut first = None;
    for (r, logs) in outcomes {
        if let Err(f) = r {
            failed += 1;
            for log in logs {
                ctx.keep(log);
            }
            first.get_or_insert(f);
        }
    }
    match first {
        None => Ok(()),
        Some(mut f) => {
            f.message = format!(
                "{failed} of {CLIENTS} concurrent clients failed; first: {}",
                f.message
            );
            Err(f)
        }
    }
}

/// What a worker thread of a multi-connection case hands back: its verdict
/// and the logs of its connections.
type WorkerOutcome<T> = (Result<T, Finding>, Vec<ConnLog>);

/// Join a case's worker threads in order; one that panicked counts as a
/// failure (`"{what} thread panicked"`) with no logs.
fn join_workers<T>(
    handles: Vec<std::thread::ScopedJoinHandle<'_, WorkerOutcome<T>>>,
    what: &str,
) -> Vec<WorkerOutcome<T>> {
    handles
        .into_iter()
        .map(|h| {
            h.join().unwrap_or_else(|_| {
                (
                    Err(Finding::fail(format!("{what} thread panicked"), "", "")),
                    Vec::new(),
                )
            })
        })
        .collect()
}

/// Threads that share the churn cycles.
const CHURN_THREADS: usize = 4;

/// `churn/connect-cycles`: [`CHURN_THREADS`] threads share `ctx.churn`
/// connect, exchange, reset cycles; any cycle that fails fails the case.
///
/// Its precondition: every cycle ran. A descriptor leak shows only once
/// enough connections have come and gone, so a run that the case deadline
/// cut short proves nothing about the full count: it is not-exercised
/// ("N of M cycles before the deadline"), never a pass. A cycle whose
/// wait the deadline itself ended (it failed at or after the deadline)
/// is counted as cut short, not as the server's failure, and noted.
pub(super) fn churn(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let started = Instant::now();
    let m = ctx.maker.message(0, 8);
    let total = ctx.churn;
    let per_thread = total.div_ceil(CHURN_THREADS);
    let outcomes = std::thread::scope(|s| {
        let handles: Vec<_> = (0..CHURN_THREADS)
            .map(|t| {
                let mut sub = ctx.sub("churn");
                let m = m.clone();
                s.spawn(move || {
                    let mut done = 0;
                    let mut cut = None;
                    let cycles = per_thread.min(total.saturating_sub(t * per_thread));
                    for cycle in 0..cycles {
                        if Instant::now() >= sub.deadline {
                            break;
                        }
                        let label = format!("cycle {}", t * per_thread + cycle + 1);
                        let mut conn = match sub.connect(&label) {
                            Ok(c) => c,
                            Err(f) if Instant::now() >= sub.deadline => {
                                cut = Some(format!("{label}: {}", f.message));
                                break;
                            }
                            Err(f) => return (Err(f), sub.conns),
                        };
                        let r = session_on(
                            &mut sub,
                            &mut conn,
                            &Session::each_whole(vec![m.clone()]),
                            Mode::Lockstep,
                        );
                        // An abortive close (RST) leaves no TIME_WAIT behind:
                        // thousands of them would slow every socket-table
                        // reader on this machine, the pacer included.
                        let log = conn.reset();
                        if let Err(mut f) = r {
                            sub.conns.push(log);
                            if Instant::now() >= sub.deadline {
                                cut = Some(format!("{label}: {}", f.message));
                                break;
                            }
                            f.message = format!("{label} of {total}: {}", f.message);
                            return (Err(f), sub.conns);
                        }
                        done += 1;
                    }
                    (Ok((done, cut)), sub.conns)
                })
            })
            .collect();
        join_workers(handles, "churn")
    });
    let mut done = 0;
    let mut cut_short = Vec::new();
    for (r, logs) in outcomes {
        match r {
            Ok((n, cut)) => {
                done += n;
                if let Some(cut) = cut {
                    // The evidence of the cycle the deadline ended.
                    for log in logs {
                        ctx.keep(log);
                    }
                    cut_short.push(cut);
                }
            }
            Err(f) => {
                for log in logs {
                    ctx.keep(log);
                }
                return Err(f);
            }
        }
    }
    let took = Ms(started.elapsed());
    ctx.note(format!(
        "{done} of {total} connect/exchange/close cycles ({CHURN_THREADS} at a time) in {took}"
    ));
    if !cut_short.is_empty() {
        ctx.note(format!(
            "cut short by the case deadline, not counted: {}",
            cut_short.join("; ")
        ));
    }
    if done < total {
        return Err(Finding::not_exercised(
            format!("{done} of {total} cycles before the deadline: the churn was not completed"),
            format!(
                "all {total} connect, exchange, close cycles run before the case deadline, and the server serves every one"
            ),
            format!("{done} of {total} cycles in {took}, then the case deadline passed"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    use framecheck_event::Verdict;
    use framecheck_framing::Spec;

    use super::super::test_server::{Serve, server};
    use super::super::{Ctx, Extra, Finding, run_case};
    use crate::catalogue::catalogue;
    use crate::messages::Maker;
    use crate::rng::Rng;
    use crate::timing::Limits;

    /// `churn/connect-cycles` with `cycles` cycles and a case deadline of `budget`.
    fn churn(addr: SocketAddr, cycles: usize, budget: Duration) -> Result<(), Finding> {
        let spec: Spec = "line".parse().expect("spec");
        let id = "churn/connect-cycles";
        let case = catalogue(&spec)
            .into_iter()
            .find(|c| c.id == id)
            .expect("case in the catalogue");
        let t0 = Instant::now();
        let mut ctx = Ctx {
            addr,
            spec: &spec,
            maker: Maker::with(&spec, None),
            rng: Rng::for_case(1, id),
            seed: 1,
            t0,
            deadline: t0 + budget,
            limits: Limits::scaled(1.0),
            trials: 4,
            churn: cycles,
            replay: None,
            conns: Vec::new(),
            extra: Extra::default(),
        };
        run_case(&mut ctx, &case)
    }

    /// A churn that its deadline cuts short is not-exercised, not a pass;
    /// the full count passes.
    #[test]
    fn churn_cut_short_by_the_deadline_is_not_exercised() {
        let addr = server(Serve::EchoLines);
        let got = churn(addr, 100_000, Duration::from_millis(200));
        let Err(f) = got else {
            panic!("cut_short: passed");
        };
        assert_eq!(f.verdict, Verdict::NotExercised, "cut_short: {f:?}");
        assert!(
            f.message.contains("of 100000 cycles before the deadline"),
            "cut_short: {f:?}"
        );
        let got = churn(addr, 40, Duration::from_secs(10));
        assert!(got.is_ok(), "full_count: {got:?}");
    }
}
