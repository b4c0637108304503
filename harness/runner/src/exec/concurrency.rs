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
                    let cycles = per_thread.min(total.saturating_sub(t * per_thread));
                    for cycle in 0..cycles {
                        let label = format!("cycle {}", t * per_thread + cycle + 1);
                        let mut conn = match sub.connect(&label) {
                            Ok(c) => c,
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
                            f.message = format!("{label} of {total}: {}", f.message);
                            return (Err(f), sub.conns);
                        }
                        done += 1;
                        if Instant::now() >= sub.deadline {
                            break;
                        }
                    }
                    (Ok(done), Vec::new())
                })
            })
            .collect();
        join_workers(handles, "churn")
    });
    let mut done = 0;
    for (r, logs) in outcomes {
        match r {
            Ok(n) => done += n,
            Err(f) => {
                for log in logs {
                    ctx.keep(log);
                }
                return Err(f);
            }
        }
    }
    ctx.note(format!(
        "{done} of {total} connect/exchange/close cycles ({CHURN_THREADS} at a time) in {}",
        Ms(started.elapsed())
    ));
    if done < total {
        ctx.note("the case deadline passed before every cycle ran".to_owned());
    }
    Ok(())
}
