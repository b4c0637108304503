//! The cases with several connections at once: a client stalled
//! mid-message must not delay others (`concurrency/stalled-client`),
//! [`CLIENTS`] clients connected at once are served at once
//! (`concurrency/many-clients`), and thousands of connect, exchange, reset
//! cycles leave the server serving (`churn/connect-cycles`, not-exercised
//! when the deadline cuts it short). The churn's worker threads are joined
//! by `join_workers`.

use std::time::{Duration, Instant};

use framecheck_event::{ConnLog, Ms};

use super::{Ctx, Finding, Session, compare, no_applicable, session, session_on};
use crate::catalogue::{CLIENTS, Mode};
use crate::conn::{Conn, Wait, Watched};
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

/// `concurrency/many-clients`: [`CLIENTS`] clients at once exchange
/// messages in lockstep, and must be served at once, not merely answered:
/// a server that serves one connection at a time, however quickly, fails.
///
/// Every client connects and starts its conversation on its own thread at
/// once, and paces it: [`conversation`] from its first reply to its last,
/// longer than the reply deadline. A server that leaves a client's first
/// message waiting until another client's conversation is over (one
/// connection at a time, or fewer workers than clients) therefore cannot
/// answer it in time, and the case fails, naming the clients that got
/// nothing. The pauses (about 140 ms) are far shorter than any idle
/// timeout, and no client waits idle for the others to connect (a small
/// listen backlog can delay a connect by a SYN retransmission, 1 s).
///
/// Its precondition: the conversations overlapped, every client's first
/// reply coming before any client's last, so that at that moment all
/// [`CLIENTS`] were mid-conversation at once. Otherwise (connects spread
/// over more than a conversation) the case is not-exercised.
///
/// For `eof` framing a message ends at the client's EOF, after which the
/// server closes, so a conversation is one message: the clients connect in
/// order (a server that serves one at a time meets them in that order),
/// the odd-numbered send their message and must get the reply while the
/// even-numbered wait connected, then the even-numbered; then every client
/// sends one more message on a new connection, all at once.
pub(super) fn many_clients(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let eof = ctx.eof();
    let per_client = if eof { 2 } else { 10 };
    let started = Instant::now();
    let mut clients: Vec<Client<'_>> = (0..CLIENTS)
        .map(|c| Client {
            label: format!("client {}", c + 1),
            msgs: (0..per_client)
                .map(|i| ctx.maker.message(c * 31 + i, 8 + (c + i) % 24))
                .collect(),
            sub: ctx.sub("client"),
            conn: None,
            first_reply: None,
            last_reply: None,
            silent: true,
            result: Ok(()),
        })
        .collect();
    if eof {
        eof_waves(ctx, &mut clients)?;
    } else {
        at_once(&mut clients, |_, _| true, Client::converse);
        if let Some(f) = clients_failed(&clients) {
            for client in clients {
                client.close(ctx);
            }
            return Err(f);
        }
        let spans: Vec<(Instant, Instant)> = clients
            .iter()
            .filter_map(|c| Some((c.first_reply?, c.last_reply?)))
            .collect();
        let Some((last_first, first_last, overlapped)) = overlap(&spans) else {
            return Err(Finding::fail("internal: no reply times", "", ""));
        };
        let at = |t: Instant| Ms(t.saturating_duration_since(started));
        if !overlapped {
            for client in clients {
                client.close(ctx);
            }
            return Err(Finding::not_exercised(
                format!(
                    "the {CLIENTS} conversations did not overlap, so the clients were not served at once"
                ),
                format!(
                    "every client's first reply comes before any client's last: all {CLIENTS} mid-conversation at once"
                ),
                format!(
                    "the last first reply came at {}, after a conversation had ended at {}",
                    at(last_first),
                    at(first_last)
                ),
            ));
        }
        ctx.note(format!(
            "all {CLIENTS} clients were mid-conversation at once: every first reply by {}, before the first conversation ended at {}; each paced its {per_client} messages over {}",
            at(last_first),
            at(first_last),
            Ms(conversation(&ctx.limits))
        ));
    }
    ctx.note(format!("{CLIENTS} clients in {}", Ms(started.elapsed())));
    Ok(())
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

/// How long a `concurrency/many-clients` client takes from its first
/// reply to its last: the reply deadline and a margin (`prompt`), so that
/// a client whose first message waits for another client's whole
/// conversation gets no reply in time.
fn conversation(limits: &crate::timing::Limits) -> Duration {
    limits.reply + limits.prompt
}

/// Over the clients' (first reply, last reply) times: the last first
/// reply, the first last reply, and whether the former came before the
/// latter (all clients mid-conversation at once). `None` without spans.
fn overlap(spans: &[(Instant, Instant)]) -> Option<(Instant, Instant, bool)> {
    let last_first = spans.iter().map(|s| s.0).max()?;
    let first_last = spans.iter().map(|s| s.1).min()?;
    Some((last_first, first_last, last_first < first_last))
}

/// `eof` framing's `concurrency/many-clients`: connect every client in
/// order; the odd-numbered send their message (and our EOF) and must be
/// answered while the even-numbered wait connected; then the even-numbered;
/// then each client's later messages, each on a new connection, all
/// clients at once.
fn eof_waves<'a>(ctx: &mut Ctx<'a>, clients: &mut Vec<Client<'a>>) -> Result<(), Finding> {
    for (c, client) in clients.iter_mut().enumerate() {
        match client.sub.connect(&client.label) {
            Ok(conn) => client.conn = Some(conn),
            Err(mut f) => {
                f.message = format!(
                    "{} of {CLIENTS} could not connect while {c} others were connected: {}",
                    client.label, f.message
                );
                for client in clients.drain(..) {
                    client.close(ctx);
                }
                return Err(f);
            }
        }
    }
    for parity in [0, 1] {
        at_once(
            clients,
            |c, client| c % 2 == parity && client.result.is_ok(),
            Client::first_exchange,
        );
        if let Some(f) = clients_failed(clients) {
            for client in clients.drain(..) {
                client.close(ctx);
            }
            return Err(f);
        }
    }
    at_once(clients, |_, _| true, Client::later_connections);
    if let Some(f) = clients_failed(clients) {
        for client in clients.drain(..) {
            client.close(ctx);
        }
        return Err(f);
    }
    ctx.note(format!(
        "{CLIENTS} clients connected at once; the odd-numbered were answered while the even-numbered waited connected, then the even-numbered; then one more message each on a new connection, all at once"
    ));
    Ok(())
}

/// The failure of `concurrency/many-clients`, if a client failed. Clients
/// that got nothing at all before their first reply's deadline, while
/// other clients were answered, mean the server does not serve its
/// clients at once; any other failure (a wrong reply, a closed connection)
/// is reported as it is.
fn clients_failed(clients: &[Client<'_>]) -> Option<Finding> {
    let failed: Vec<(&Client<'_>, &Finding)> = clients
        .iter()
        .filter_map(|c| c.result.as_ref().err().map(|f| (c, f)))
        .collect();
    let (client, f) = failed.first()?;
    let unanswered: Vec<&str> = failed
        .iter()
        .filter(|(c, f)| c.silent && f.observed.contains(&Wait::Timeout.describe()))
        .map(|(c, _)| c.label.as_str())
        .collect();
    let answered: Vec<&str> = clients
        .iter()
        .filter(|c| c.first_reply.is_some())
        .map(|c| c.label.as_str())
        .collect();
    if unanswered.len() == failed.len() && !answered.is_empty() {
        return Some(Finding::fail(
            format!(
                "the server does not serve its clients at once: {} of {CLIENTS} clients got no reply to their first message while other clients were being served",
                unanswered.len()
            ),
            format!(
                "each of the {CLIENTS} clients connected at once gets the reply to its first message within {} while the others are connected",
                Ms(client.sub.limits.reply)
            ),
            format!(
                "answered: {}; nothing at all for {}; first: {} ({})",
                answered.join(", "),
                unanswered.join(", "),
                f.message,
                f.observed
            ),
        ));
    }
    let mut f = (*f).clone();
    f.message = format!(
        "{} of {CLIENTS} concurrent clients failed; first: {}",
        failed.len(),
        f.message
    );
    Some(f)
}

/// Run `work` on the clients that `pick` chooses, each on its own thread,
/// all at once; a thread that panicked fails its client.
fn at_once<'a>(
    clients: &mut [Client<'a>],
    pick: impl Fn(usize, &Client<'a>) -> bool,
    work: fn(&mut Client<'a>),
) {
    let panicked: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter_mut()
            .enumerate()
            .filter(|(c, client)| pick(*c, client))
            .map(|(c, client)| (c, s.spawn(move || work(client))))
            .collect();
        handles
            .into_iter()
            .filter_map(|(c, h)| h.join().is_err().then_some(c))
            .collect()
    });
    for c in panicked {
        clients[c].result = Err(Finding::fail("client thread panicked", "", ""));
    }
}

/// One client of `concurrency/many-clients`.
struct Client<'a> {
    label: String,
    sub: Ctx<'a>,
    /// Its messages: one conversation, or for `eof` framing one
    /// connection each.
    msgs: Vec<Vec<u8>>,
    conn: Option<Conn>,
    /// When its first reply came.
    first_reply: Option<Instant>,
    /// When its last reply came.
    last_reply: Option<Instant>,
    /// Whether nothing at all came back before its first reply failed.
    silent: bool,
    result: Result<(), Finding>,
}

impl Client<'_> {
    /// Connect and exchange every message in lockstep, pacing them so the
    /// conversation lasts [`conversation`].
    fn converse(&mut self) {
        let mut conn = match self.sub.connect(&self.label) {
            Ok(conn) => conn,
            Err(f) => {
                self.result = Err(f);
                return;
            }
        };
        let (reply, pause) = (self.sub.limits.reply, self.sub.limits.pause);
        let gaps = u32::try_from(self.msgs.len().saturating_sub(1).max(1)).unwrap_or(1);
        let gap = conversation(&self.sub.limits) / gaps;
        for i in 0..self.msgs.len() {
            if i > 0 {
                std::thread::sleep(
                    gap.min(self.sub.deadline.saturating_duration_since(Instant::now())),
                );
            }
            let m = &self.msgs[i];
            if let Err(e) = conn.send(m, &Pieces::whole(m.len()), pause, self.sub.until(reply)) {
                self.sub.note(format!("write failed: {e}"));
            }
            let wait = conn.read_frames(i + 1, self.sub.until(reply));
            if i == 0 {
                self.silent = conn.received_total() == 0;
            }
            if wait != Wait::Done {
                self.result = compare(&conn, &self.msgs[..=i], &wait);
                break;
            }
            let now = Instant::now();
            self.first_reply.get_or_insert(now);
            self.last_reply = Some(now);
        }
        if self.result.is_ok() {
            self.result = compare(&conn, &self.msgs, &Wait::Done);
        }
        self.result = std::mem::replace(&mut self.result, Ok(())).map_err(|mut f| {
            f.message = format!("{}: {}", self.label, f.message);
            f
        });
        self.conn = Some(conn);
    }

    /// `eof` framing: send the first message on the open connection, then
    /// our EOF, and read its reply and the server's EOF.
    fn first_exchange(&mut self) {
        let (reply, pause) = (self.sub.limits.reply, self.sub.limits.pause);
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let m = &self.msgs[0];
        if let Err(e) = conn.send(m, &Pieces::whole(m.len()), pause, self.sub.until(reply)) {
            self.sub.note(format!("write failed: {e}"));
        }
        conn.shutdown_write();
        // The reply of an `eof` message ends with the server's EOF.
        let wait = conn.read_frames(1, self.sub.until(reply));
        self.silent = conn.received_total() == 0;
        self.result = compare(conn, &self.msgs[..1], &wait).map_err(|mut f| {
            f.message = format!("{}: {}", self.label, f.message);
            f
        });
        if self.result.is_ok() {
            self.first_reply = Some(Instant::now());
        }
    }

    /// `eof` framing: each later message on a new connection.
    fn later_connections(&mut self) {
        if let Some(conn) = self.conn.take() {
            let log = conn.close();
            self.sub.keep(log);
        }
        for (i, m) in self.msgs.iter().enumerate().skip(1) {
            let label = format!("{} (connection {})", self.label, i + 1);
            let s = Session::each_whole(vec![m.clone()]);
            if let Err(f) = session(&mut self.sub, &label, &s, Mode::Lockstep) {
                self.result = Err(f);
                return;
            }
        }
    }

    /// Close its connection and keep its evidence in `ctx`.
    fn close(mut self, ctx: &mut Ctx<'_>) {
        if let Some(conn) = self.conn.take() {
            self.sub.keep(conn.close());
        }
        for log in self.sub.conns {
            ctx.keep(log);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::time::{Duration, Instant};

    use framecheck_event::Verdict;
    use framecheck_framing::Spec;

    use super::super::Finding;
    use super::super::test_server::{Serve, run, run_with, server};
    use super::overlap;
    use crate::timing::Limits;

    /// A loopback echo server that serves one connection at a time, or
    /// each on its own thread: for `eof` framing it echoes everything at
    /// the client's EOF and closes, otherwise each `\n` line at once.
    fn echo_server(one_at_a_time: bool, eof: bool) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until {
                let Ok((s, _)) = listener.accept() else {
                    continue;
                };
                if one_at_a_time {
                    echo(s, eof);
                } else {
                    std::thread::spawn(move || echo(s, eof));
                }
            }
        });
        addr
    }

    fn echo(mut s: TcpStream, eof: bool) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let (mut held, mut buf) = (Vec::new(), [0u8; 4096]);
        loop {
            match s.read(&mut buf) {
                Ok(0) if eof => {
                    let _ = s.write_all(&held);
                    return;
                }
                Ok(n @ 1..) => held.extend_from_slice(&buf[..n]),
                _ => return,
            }
            while let Some(i) = held.iter().position(|&b| b == b'\n' && !eof) {
                let line: Vec<u8> = held.drain(..=i).collect();
                let _ = s.write_all(&line);
            }
        }
    }

    /// A server that answers each client at once but serves one at a time
    /// fails `concurrency/many-clients`: it does not serve them at once.
    /// One that serves them all at once passes. Both framings that run
    /// the case differently.
    #[test]
    fn many_clients_must_be_served_at_once() {
        let id = "concurrency/many-clients";
        for framing in ["line", "eof"] {
            let spec: Spec = framing.parse().expect("spec");
            let eof = framing == "eof";
            let got = run(echo_server(true, eof), &spec, id, Limits::scaled(1.0));
            let Err(f) = got else {
                panic!("{framing}: one_at_a_time: passed");
            };
            assert_eq!(f.verdict, Verdict::Fail, "{framing}: one_at_a_time: {f:?}");
            assert!(
                f.message.contains("does not serve its clients at once"),
                "{framing}: one_at_a_time: {f:?}"
            );
            let got = run(echo_server(false, eof), &spec, id, Limits::scaled(1.0));
            assert!(got.is_ok(), "{framing}: all_at_once: {got:?}");
        }
    }

    /// The precondition of `concurrency/many-clients`: every first reply
    /// before any last one.
    #[test]
    fn conversations_overlap_only_if_every_first_reply_precedes_every_last() {
        type Spans<'a> = &'a [(Instant, Instant)];
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let table: &[(&str, Spans<'_>, Option<bool>)] = &[
            (
                "at_once",
                &[(ms(10), ms(1260)), (ms(30), ms(1280))],
                Some(true),
            ),
            (
                "one_after_another",
                &[(ms(10), ms(1260)), (ms(1300), ms(2550))],
                Some(false),
            ),
            (
                "touching",
                &[(ms(10), ms(1260)), (ms(1260), ms(2510))],
                Some(false),
            ),
            ("none", &[], None),
        ];
        for (name, spans, want) in table {
            let got = overlap(spans).map(|(_, _, at_once)| at_once);
            assert_eq!(got, *want, "{name}");
        }
    }

    /// `churn/connect-cycles` with `cycles` cycles and a case deadline of `budget`.
    fn churn(addr: SocketAddr, cycles: usize, budget: Duration) -> Result<(), Finding> {
        let spec: Spec = "line".parse().expect("spec");
        run_with(
            addr,
            &spec,
            "churn/connect-cycles",
            Limits::scaled(1.0),
            budget,
            cycles,
        )
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
