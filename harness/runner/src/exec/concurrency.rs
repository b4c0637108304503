//! The cases with several connections at once: a client stalled
//! mid-message must not delay others (`concurrency/stalled-client`),
//! [`CLIENTS`] clients connected at once are served at once
//! (`concurrency/many-clients`), and thousands of connect, exchange, reset
//! cycles leave the server serving (`churn/connect-cycles`, not-exercised
//! when the deadline cuts it short). The churn's worker threads are joined
//! by `join_workers`.

use std::time::{Duration, Instant};

use framecheck_event::{ConnLog, Ms};

use super::{Ctx, Finding, Session, compare, session, session_on};
use crate::catalogue::{CLIENTS, Mode};
use crate::conn::{Conn, Wait};
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

/// `concurrency/many-clients`: [`CLIENTS`] clients, all connected at
/// once, exchange messages in lockstep.
///
/// The requirement is that they are served at once, not merely answered:
/// a server that serves one connection at a time, quickly, must fail. So
/// every client connects (in order, so a server that serves one at a time
/// meets them in that order) and sends the first half of its first
/// message; then the odd-numbered clients complete theirs and must each
/// get the reply while the even-numbered ones wait mid-message, connected;
/// then the even-numbered ones complete theirs, while the others stay
/// connected. A server that serves one connection at a time is stuck on a
/// client that waits, and the later clients of the wave get no reply
/// (even an idle timeout, freeing it from one waiting client after
/// another, cannot answer them all within the reply deadline). Then every
/// client exchanges the rest of its messages at once, in lockstep. For
/// `eof` framing, where a message ends at the client's EOF and the server
/// then closes, each client's first connection carries one message, and
/// its later messages go on fresh connections, all clients at once.
pub(super) fn many_clients(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let eof = ctx.eof();
    let per_client = if eof { 2 } else { 10 };
    let started = Instant::now();
    let mut clients: Vec<Client<'_>> = Vec::with_capacity(CLIENTS);
    for c in 0..CLIENTS {
        let msgs: Vec<Vec<u8>> = (0..per_client)
            .map(|i| ctx.maker.message(c * 31 + i, 8 + (c + i) % 24))
            .collect();
        let label = format!("client {}", c + 1);
        let mut sub = ctx.sub("client");
        let conn = match sub.connect(&label) {
            Ok(conn) => conn,
            Err(mut f) => {
                f.message = format!(
                    "{label} of {CLIENTS} could not connect while {c} others were connected: {}",
                    f.message
                );
                for log in sub.conns {
                    ctx.keep(log);
                }
                for client in clients {
                    client.close(ctx);
                }
                return Err(f);
            }
        };
        let (first, later) = if eof {
            (msgs[..1].to_vec(), msgs[1..].to_vec())
        } else {
            (msgs, Vec::new())
        };
        clients.push(Client {
            label,
            sub,
            conn: Some(conn),
            first,
            later,
            answered: None,
            silent: true,
            result: Ok(()),
        });
    }
    // Every client mid-message.
    for client in &mut clients {
        client.open();
    }
    for (wave, parity) in [("odd-numbered", 0), ("even-numbered", 1)] {
        at_once(
            &mut clients,
            |c, client| c % 2 == parity && client.result.is_ok(),
            Client::finish_first,
        );
        if let Some(f) = wave_failure(&clients, wave) {
            for client in clients {
                client.close(ctx);
            }
            return Err(f);
        }
    }
    let slowest = clients
        .iter()
        .filter_map(|c| c.answered)
        .max()
        .unwrap_or_default();
    // The rest of the conversations, all at once.
    at_once(
        &mut clients,
        |_, client| client.result.is_ok(),
        Client::rest,
    );
    let mut failed = 0;
    let mut first = None;
    for client in clients {
        if let Err(f) = &client.result {
            failed += 1;
            first.get_or_insert_with(|| f.clone());
            client.close(ctx);
        }
    }
    match first {
        None => {
            ctx.note(format!(
                "{CLIENTS} clients connected at once, each sent half of its first message; the odd-numbered then the even-numbered completed theirs and were answered while the others stayed connected (the slowest first reply {} after its message was complete); then {}, all clients at once; {} in all",
                Ms(slowest),
                if eof {
                    "one more message each on a new connection"
                } else {
                    "9 more messages each in lockstep"
                },
                Ms(started.elapsed())
            ));
            Ok(())
        }
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

/// What went wrong in a wave of `many_clients`, if anything: a client
/// whose first reply failed otherwise than by not coming (wrong reply,
/// closed connection) is reported as it is; clients left without a reply
/// while others of the wave were answered mean the server does not serve
/// its clients at once.
fn wave_failure(clients: &[Client<'_>], wave: &str) -> Option<Finding> {
    let failed: Vec<(&Client<'_>, &Finding)> = clients
        .iter()
        .filter_map(|c| c.result.as_ref().err().map(|f| (c, f)))
        .collect();
    let (client, f) = failed.first()?;
    // Waiting clients that got nothing at all, and whether every failure
    // was a reply not coming in time (some of it may have come late).
    let unanswered: Vec<&str> = failed
        .iter()
        .filter(|(c, _)| c.first_timed_out() && c.silent)
        .map(|(c, _)| c.label.as_str())
        .collect();
    let all_timeouts = failed.iter().all(|(c, _)| c.first_timed_out());
    let answered: Vec<&str> = clients
        .iter()
        .filter(|c| c.answered.is_some())
        .map(|c| c.label.as_str())
        .collect();
    let expected = format!(
        "each of the {CLIENTS} clients, all connected at once, gets the reply to its first message while the others are connected: the odd-numbered while the even-numbered wait mid-message, then the even-numbered"
    );
    if all_timeouts && !unanswered.is_empty() {
        return Some(Finding::fail(
            format!(
                "the server does not serve its clients at once: {} of the {wave} clients got no reply to their first message while the other clients were connected",
                failed.len()
            ),
            expected,
            format!(
                "answered: {}; nothing received within {} by {}; first failure: {} ({})",
                if answered.is_empty() {
                    "none".to_owned()
                } else {
                    answered.join(", ")
                },
                Ms(client.sub.limits.reply),
                unanswered.join(", "),
                f.message,
                f.observed
            ),
        ));
    }
    let mut f = (*f).clone();
    f.message = format!(
        "{} of {CLIENTS} concurrent clients failed on their first message ({wave}); first, {}: {}",
        failed.len(),
        client.label,
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
    conn: Option<Conn>,
    /// The messages of its first connection (for `eof` framing, one).
    first: Vec<Vec<u8>>,
    /// For `eof` framing, its later messages, each on a new connection.
    later: Vec<Vec<u8>>,
    /// How long its first reply took once its first message was complete.
    answered: Option<Duration>,
    /// Whether nothing at all came back on its first connection.
    silent: bool,
    result: Result<(), Finding>,
}

impl Client<'_> {
    /// Where the first message is cut: the first half is sent before any
    /// client completes its message.
    fn cut(&self) -> usize {
        (self.first[0].len() / 2).max(1)
    }

    /// Send the first half of the first message.
    fn open(&mut self) {
        let cut = self.cut();
        let deadline = self.sub.until(self.sub.limits.reply);
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        if let Err(e) = conn.send(
            &self.first[0][..cut],
            &Pieces::whole(cut),
            Duration::ZERO,
            deadline,
        ) {
            self.result = Err(Finding::fail(
                format!(
                    "{}: writing the first half of its first message failed: {e}",
                    self.label
                ),
                "the server reads from every connected client",
                e,
            ));
        }
    }

    /// Send the rest of the first message (and, for `eof` framing, our
    /// EOF), and wait for its reply.
    fn finish_first(&mut self) {
        let cut = self.cut();
        let eof = self.sub.eof();
        let (reply, pause) = (self.sub.limits.reply, self.sub.limits.pause);
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let rest = &self.first[0][cut..];
        if !rest.is_empty() {
            if let Err(e) = conn.send(
                rest,
                &Pieces::whole(rest.len()),
                pause,
                self.sub.until(reply),
            ) {
                self.sub.note(format!("write failed: {e}"));
            }
        }
        if eof {
            conn.shutdown_write();
        }
        let complete = Instant::now();
        let wait = conn.read_frames(1, self.sub.until(reply));
        self.result = compare(conn, &self.first[..1], &wait).map_err(|mut f| {
            f.message = format!("{}: {}", self.label, f.message);
            f
        });
        self.silent = conn.received_total() == 0;
        if self.result.is_ok() {
            self.answered = Some(complete.elapsed());
        }
    }

    /// Whether the first reply failed by not coming in time.
    fn first_timed_out(&self) -> bool {
        self.result
            .as_ref()
            .is_err_and(|f| f.observed.contains(&Wait::Timeout.describe()))
    }

    /// The rest of the conversation: the remaining messages in lockstep on
    /// the same connection, or for `eof` framing each on a new one.
    fn rest(&mut self) {
        if self.result.is_err() {
            return;
        }
        let (reply, pause) = (self.sub.limits.reply, self.sub.limits.pause);
        if let Some(conn) = self.conn.as_mut() {
            for i in 1..self.first.len() {
                let m = &self.first[i];
                let wait = match conn.send(m, &Pieces::whole(m.len()), pause, self.sub.until(reply))
                {
                    Ok(()) => conn.read_frames(i + 1, self.sub.until(reply)),
                    Err(e) => {
                        self.sub.note(format!("write failed: {e}"));
                        conn.read_frames(i + 1, self.sub.until(reply))
                    }
                };
                if wait != Wait::Done {
                    self.result = compare(conn, &self.first[..=i], &wait);
                    return;
                }
            }
            self.result = compare(conn, &self.first, &Wait::Done);
            if self.result.is_err() {
                return;
            }
        }
        if let Some(conn) = self.conn.take() {
            let log = conn.close();
            self.sub.keep(log);
        }
        for (i, m) in self.later.iter().enumerate() {
            let label = format!("{} (connection {})", self.label, i + 2);
            let r = session(
                &mut self.sub,
                &label,
                &Session::each_whole(vec![m.clone()]),
                Mode::Lockstep,
            );
            if r.is_err() {
                self.result = r;
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
    use std::net::{SocketAddr, TcpListener};
    use std::time::{Duration, Instant};

    use framecheck_event::Verdict;
    use framecheck_framing::Spec;

    use super::super::test_server::{Serve, run, server};
    use super::super::{Ctx, Extra, Finding, run_case};
    use crate::catalogue::catalogue;
    use crate::messages::Maker;
    use crate::rng::Rng;
    use crate::timing::Limits;

    /// A loopback server that serves one connection at a time, echoing
    /// each `\n` line at once, until the client closes.
    fn one_at_a_time() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until {
                let Ok((mut s, _)) = listener.accept() else {
                    continue;
                };
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let (mut held, mut buf) = (Vec::new(), [0u8; 4096]);
                while let Ok(n @ 1..) = s.read(&mut buf) {
                    held.extend_from_slice(&buf[..n]);
                    while let Some(i) = held.iter().position(|&b| b == b'\n') {
                        let line: Vec<u8> = held.drain(..=i).collect();
                        let _ = s.write_all(&line);
                    }
                }
            }
        });
        addr
    }

    /// A server that answers each client at once but serves one at a time
    /// fails `concurrency/many-clients`: it does not serve them at once.
    /// One that serves them all at once passes.
    #[test]
    fn many_clients_must_be_served_at_once() {
        let spec: Spec = "line".parse().expect("spec");
        let id = "concurrency/many-clients";
        let got = run(one_at_a_time(), &spec, id, Limits::scaled(1.0));
        let Err(f) = got else {
            panic!("one_at_a_time: passed");
        };
        assert_eq!(f.verdict, Verdict::Fail, "one_at_a_time: {f:?}");
        assert!(
            f.message.contains("does not serve its clients at once"),
            "one_at_a_time: {f:?}"
        );
        let got = run(server(Serve::EchoLines), &spec, id, Limits::scaled(1.0));
        assert!(got.is_ok(), "all_at_once: {got:?}");
    }

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
