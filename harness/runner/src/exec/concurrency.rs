//! The cases with several connections at once: a client stalled
//! mid-message must not delay others (`concurrency/stalled-client`),
//! [`CLIENTS`] clients exchange in lockstep at once
//! (`concurrency/many-clients`), and thousands of connect, exchange, reset
//! cycles leave the server serving (`churn/connect-cycles`). The worker
//! threads of the last two are joined by `join_workers`.

use std::time::{Duration, Instant};

use framecheck_event::{ConnLog, Ms};

use super::{Ctx, Finding, Session, no_applicable, session, session_on};
use crate::catalogue::{CLIENTS, Mode};
use crate::conn::Watched;
use crate::delivery::Pieces;

/// One client starts a message and never finishes it, sending one more of
/// its bytes every so often (never the last one), while the others must
/// each be answered within `prompt`, with the stalled client still
/// connected when the last of them is.
///
/// The trickle keeps an idle timeout from ending the stalled connection: a
/// server that serves one client at a time and drops clients idle for less
/// than "promptly" would otherwise free itself in time to answer the others.
pub(super) fn stalled_client(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = ctx.maker.largest_message(0, STALLED_LEN);
    if m.len() < 2 {
        return Err(no_applicable());
    }
    let l = ctx.maker.layout(&m);
    // The header and one byte of the payload; the rest (but the last byte)
    // is the trickle.
    let cut = (l.head + 1).clamp(1, m.len() - 1);
    let trickle = &m[cut..m.len() - 1];
    let msgs = ctx.maker.batch(&mut ctx.rng, 3, 16);
    // The others take at most `prompt` per reply: the trickle lasts that
    // long (and some) without running out, one byte every `every` at most.
    let budget = ctx.limits.prompt * 4;
    let every = u32::try_from(trickle.len())
        .ok()
        .filter(|n| *n > 0)
        .map_or(budget, |n| budget / n)
        .max(TRICKLE);
    let mut stalled = ctx.connect("stalled client")?;
    let _ = stalled.send(
        &m[..cut],
        &Pieces::whole(cut),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    );
    std::thread::sleep(ctx.limits.pause * 5);
    let started = Instant::now();
    let sessions: Vec<Session> = if ctx.eof() {
        msgs.into_iter()
            .map(|m| Session::each_whole(vec![m]))
            .collect()
    } else {
        vec![Session::each_whole(msgs)]
    };
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let deadline = ctx.deadline;
    let (result, answered, seen) = std::thread::scope(|s| {
        let stalled = &mut stalled;
        let watcher = s.spawn(move || stalled.trickle_until(trickle, every, &stopped, deadline));
        let result = others_promptly(ctx, &sessions);
        let answered = Instant::now();
        drop(stop);
        let seen = watcher.join().unwrap_or_else(|_| Watched {
            written: 0,
            last_written: None,
            write_error: Some("the trickling thread panicked".to_owned()),
            ended: None,
        });
        (result, answered, seen)
    });
    let received = stalled.received_total();
    ctx.keep(stalled.close());
    stalled_outcome(
        ctx,
        result,
        (started, answered),
        &seen,
        (every, trickle.len()),
        received,
    )
}

/// The length asked of the stalled client's message: long enough to trickle
/// for the whole case where the framing allows it (a fixed-length message
/// trickles more slowly).
const STALLED_LEN: usize = 512;

/// The shortest gap between two bytes of the stalled client's trickle.
const TRICKLE: Duration = Duration::from_millis(20);

/// The other clients' sessions, each reply due within `prompt`.
fn others_promptly(ctx: &mut Ctx<'_>, sessions: &[Session]) -> Result<(), Finding> {
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
    result
}

/// The verdict of `stalled_client`: the others' `result`, unless they were
/// answered only after the server had ended the stalled connection (then
/// the case did not happen). `times`: when the others began and when the
/// last was answered; `pace`: the trickle's gap and the bytes it had.
fn stalled_outcome(
    ctx: &mut Ctx<'_>,
    result: Result<(), Finding>,
    (started, answered): (Instant, Instant),
    seen: &Watched,
    (every, trickle_len): (Duration, usize),
    received: u64,
) -> Result<(), Finding> {
    let last = seen.last_written.map_or(String::new(), |at| {
        format!(
            ", the last {} after the others began",
            Ms(at.saturating_duration_since(started))
        )
    });
    ctx.note(format!(
        "the stalled client sent {} of {trickle_len} more bytes of its message, one every {}{last}, never its last byte",
        seen.written,
        Ms(every)
    ));
    if let Some(e) = &seen.write_error {
        ctx.note(format!("the stalled client's trickle stopped: {e}"));
    }
    if received > 0 {
        ctx.note(format!(
            "the server sent the stalled client {received} bytes (its message was never complete)"
        ));
    }
    match &seen.ended {
        Some((how, at)) if *at <= answered => {
            let when = format!(
                "{} {} after the other clients began",
                how.describe(),
                Ms(at.saturating_duration_since(started))
            );
            match result {
                Err(f) => {
                    ctx.note(format!("the stalled client's connection ended: {when}"));
                    Err(f)
                }
                Ok(()) => Err(Finding::not_exercised(
                    "the server ended the stalled client's connection before the other clients were answered, so it may have served them one at a time",
                    "the other clients answered within promptly while the stalled client is still connected",
                    format!(
                        "stalled client: {when}; the last other client answered {} after they began",
                        Ms(answered.saturating_duration_since(started))
                    ),
                )),
            }
        }
        _ => {
            if result.is_ok() {
                ctx.note(format!(
                    "the stalled client was still connected when the last other client was answered, {} after they began",
                    Ms(answered.saturating_duration_since(started))
                ));
            }
            result
        }
    }
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
