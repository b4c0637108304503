//! The `reset/*` cases: the client resets (RST) in the middle of a message
//! (`reset/mid-message`) or while the server is blocked writing replies to
//! it (`reset/while-server-writes`, not-exercised unless the server is
//! seen, or inferred where its socket cannot be looked up, blocked writing
//! when the RST goes out); then liveness probes check that the server
//! still answers new connections (`survives_reset`).

use std::time::{Duration, Instant};

use framecheck_event::Ms;
use framecheck_wire::pace::procnet::Queues;

use super::{Ctx, Finding, ProbeError, Session, probe, session_on};
use crate::catalogue::{self, Mode};
use crate::conn::Wait;
use crate::delivery::Pieces;

pub(super) fn reset_mid_message(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let first = ctx.maker.message(0, 12);
    let second = ctx.maker.body_message(1, 12);
    let mut conn = ctx.connect("client")?;
    let s = Session::each_whole(vec![first]);
    if ctx.eof() {
        let _ = conn.send(
            &second[..second.len() / 2],
            &Pieces::whole(second.len() / 2),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        );
    } else {
        session_on(ctx, &mut conn, &s, Mode::Lockstep)?;
        let cut = (second.len() / 2).max(1);
        let _ = conn.send(
            &second[..cut],
            &Pieces::whole(cut),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        );
    }
    std::thread::sleep(ctx.limits.pause * 5);
    ctx.keep(conn.reset());
    survives_reset(ctx, ctx.limits.prompt / 2)
}

/// The most `reset/while-server-writes` sends before its writes block.
const RESET_FLOOD: usize = 32 * 1024 * 1024;

/// `reset/while-server-writes` floods in slices of this size, each with its
/// own short deadline, so that it notices at once when its writes stall.
const FLOOD_SLICE: usize = 1024 * 1024;

/// How many times `reset/while-server-writes` floods and resets, at most,
/// until the server is seen blocked writing when the RST goes out.
const RESET_ATTEMPTS: usize = 3;

/// `reset/while-server-writes`: flood the server with messages without
/// reading its replies until it is blocked writing them, reset, and check
/// that it survives.
///
/// Its precondition is checked, not assumed: when the RST goes out the
/// server must still have the connection open and be blocked writing to
/// us. That means our flood stalled (a write deadline, not an error such
/// as EPIPE or ECONNRESET, which says the server had already closed or
/// reset), replies had started to flow, the server had not ended the
/// connection, and, where its socket's queues can be looked up, it held
/// unsent or unacknowledged output and (except for `eof` framing, where
/// it reads to our EOF before it replies) unread input: a server that has
/// read everything is waiting in a read, not blocked in a write, even
/// with output queued. For `eof` framing the one message may be taken
/// whole, so only a write error counts there, not the lack of a stall.
///
/// An attempt whose precondition did not hold is made again on a new
/// connection, up to [`RESET_ATTEMPTS`] in all while the deadline allows;
/// then the verdict is not-exercised, with each attempt's reason, never a
/// pass. Where the queues cannot be looked up (a remote server) the block
/// is inferred from the stall and the flowing replies, and a note says so.
/// The server must survive every RST: a server that stops answering fails
/// the case even when it was not blocked writing.
pub(super) fn reset_while_writing(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let mut missed = Vec::new();
    for attempt in 1..=RESET_ATTEMPTS {
        let blocked = flood_then_reset(ctx)?;
        survives_reset(ctx, ctx.limits.prompt)?;
        let earlier = if missed.is_empty() {
            String::new()
        } else {
            format!(" (attempt {attempt}; before: {})", missed.join("; "))
        };
        match blocked {
            Blocked::Seen => {
                ctx.note(format!(
                    "the server's socket showed it blocked writing when the RST went out{earlier}"
                ));
                return Ok(());
            }
            Blocked::Inferred => {
                ctx.note(format!(
                    "the server's socket could not be looked up: that it was blocked writing is inferred from our stalled writes and its flowing replies, not seen in its queues{earlier}"
                ));
                return Ok(());
            }
            Blocked::Not(why) => missed.push(format!("attempt {attempt}: {why}")),
        }
        // Another attempt needs time for a flood, a reply and the probes.
        let left = ctx.deadline.saturating_duration_since(Instant::now());
        if left < ctx.limits.reply * 2 + ctx.limits.prompt {
            break;
        }
    }
    Err(Finding::not_exercised(
        "the server was not blocked writing when the RST came, so its survival proves nothing about this case",
        "our flood stalls while replies flow, and when the RST comes the server still has the connection open, replies it cannot deliver and input it has not read",
        missed.join("; "),
    ))
}

/// One attempt of `reset/while-server-writes`: flood, wait for replies,
/// reset. Whether the server was blocked writing when the RST went out.
fn flood_then_reset(ctx: &mut Ctx<'_>) -> Result<Blocked, Finding> {
    // Flooding, the receive buffer keeps its default size: shrunk to a few
    // KiB, it made loopback stall both ways on some kernels (seen on a
    // 2-core VM: the server's replies were dropped, its writes never
    // blocked, and it waited in a read when the RST came), so the case
    // missed the bug about one run in ten. The flood is larger than both
    // sockets' buffers. For `eof` framing there is one reply, at most the
    // maximum message, so the buffer is shrunk to make the server's write of
    // it block.
    let mut conn = ctx.connect("client")?;
    if ctx.eof() {
        conn.small_receive_buffer();
    }
    // Whether the server's socket can be looked up at all: if it can now
    // and cannot later, the socket is gone (the server closed).
    let queues_available = conn.server_queues().is_some();
    let started = Instant::now();
    // Messages without reading the replies, until our writes stall because
    // the server stopped reading: its replies to us are stuck, so it is
    // blocked in a write. For `eof` framing one large message, then our EOF
    // so the server starts writing its reply.
    //
    // The flood stops at the first stalled slice once the server's socket
    // shows replies it cannot deliver (unsent or unacknowledged output, by
    // `sock_diag`; the input it has yet to answer may sit in its own buffer,
    // not the socket's), or at once where that cannot be looked up: the
    // server has then been blocked for tens of milliseconds, far less than
    // any write timeout it may have.
    // (Flooding to a fixed deadline left it blocked for 300 ms or more, which
    // a busy machine stretched past the reference server's 500 ms: a server
    // that gives up on a stuck write before our RST comes survives the bug.)
    let stall = ctx.limits.pause * 10;
    let mut stream = Vec::new();
    let base = conn.sent_total();
    let mut result = if ctx.eof() {
        let m = ctx
            .maker
            .message(0, ctx.maker.max_payload().min(catalogue::LARGE));
        let r = conn.send(
            &m,
            &Pieces::whole(m.len()),
            Duration::ZERO,
            ctx.until(ctx.limits.prompt),
        );
        conn.shutdown_write();
        r
    } else {
        let m = ctx.maker.largest_message(0, 64 * 1024);
        stream = m.repeat((RESET_FLOOD / m.len()).max(1));
        let overall = ctx.until(ctx.limits.reply);
        loop {
            let off = usize::try_from(conn.sent_total() - base).unwrap_or(usize::MAX);
            let Some(rest) = stream.get(off..).filter(|r| !r.is_empty()) else {
                break Ok(());
            };
            let slice = &rest[..rest.len().min(FLOOD_SLICE)];
            let sent = conn.send(
                slice,
                &Pieces::whole(slice.len()),
                Duration::ZERO,
                ctx.until(stall),
            );
            if let Err(e) = sent {
                let stuck = !stalled(&e) || conn.server_queues().is_none_or(|q| q.unacked > 0);
                if stuck || Instant::now() >= overall {
                    break Err(e);
                }
            }
        }
    };
    let flooded = Ms(started.elapsed());
    let broken = |r: &Result<(), String>| r.as_ref().is_err_and(|e| !stalled(e));
    // Wait until replies flow (the server is writing), then let it fill the
    // buffers again and block in a write.
    let flowing = if broken(&result) {
        // The connection is broken already: nothing more to wait for.
        Wait::Io("not read: the flood failed".to_owned())
    } else {
        let w = conn.read_some(ctx.until(ctx.limits.reply));
        std::thread::sleep(ctx.limits.pause * 20);
        w
    };
    // Our read let the server write and read a little: one more stalled
    // slice refills its input, so that a server blocked writing holds
    // unread input when the RST comes.
    if !ctx.eof() && result.is_err() && !broken(&result) && flowing == Wait::Done {
        // Where the flood stopped, maybe inside a message.
        let at =
            usize::try_from(conn.sent_total() - base).map_or(stream.len(), |a| a.min(stream.len()));
        let slice = &stream[at..stream.len().min(at + FLOOD_SLICE)];
        let topped = conn.send(
            slice,
            &Pieces::whole(slice.len()),
            Duration::ZERO,
            ctx.until(stall),
        );
        if broken(&topped) {
            result = topped;
        }
    }
    let queues = conn.server_queues();
    let held = queues.map_or_else(String::new, |q| {
        format!(
            "; the server's socket then held {} unread bytes and {} unsent or unacknowledged",
            q.unread, q.unacked
        )
    });
    ctx.note(format!(
        "{} bytes written in {flooded}, then {}{held}; then RST",
        conn.sent_total(),
        result
            .as_ref()
            .err()
            .map_or("all were accepted", String::as_str)
    ));
    let blocked = Flood {
        eof: ctx.eof(),
        sent: conn.sent_total(),
        result: &result,
        flowing: &flowing,
        queues_available,
        queues,
    }
    .blocked();
    ctx.keep(conn.reset());
    Ok(blocked)
}

/// Whether a write error of the flood is a stall (our write deadline
/// passed because the server stopped reading), not a broken connection.
/// The text is `delivery::send_pieces`'s for its deadline.
fn stalled(error: &str) -> bool {
    error.starts_with("deadline passed while writing")
}

/// What `reset/while-server-writes` saw before its RST.
struct Flood<'a> {
    eof: bool,
    /// Bytes we wrote.
    sent: u64,
    /// How the flood ended: all accepted, a stall or an error.
    result: &'a Result<(), String>,
    /// The first read after the flood.
    flowing: &'a Wait,
    /// Whether the server's socket could be looked up when we connected.
    queues_available: bool,
    /// Its queues just before the RST.
    queues: Option<Queues>,
}

/// Whether the server was blocked writing to us when the RST went out.
#[derive(Debug, PartialEq, Eq)]
enum Blocked {
    /// Its socket held output it could not deliver.
    Seen,
    /// Its socket could not be looked up; our writes stalled and its
    /// replies flowed.
    Inferred,
    /// It was not, for this reason.
    Not(String),
}

impl Flood<'_> {
    fn blocked(&self) -> Blocked {
        let sent = self.sent;
        match self.result {
            Ok(()) if !self.eof => {
                return Blocked::Not(format!(
                    "the server read all {sent} bytes without stalling: our writes never blocked, so neither did its"
                ));
            }
            Err(e) if !stalled(e) => {
                return Blocked::Not(format!(
                    "the server closed the connection during the flood ({e}, after {sent} bytes): it was never blocked writing when the RST came"
                ));
            }
            _ => {}
        }
        match self.flowing {
            Wait::Done => {}
            Wait::Fin | Wait::Rst => {
                return Blocked::Not(format!(
                    "{} after the flood of {sent} bytes: it was not blocked writing when the RST came",
                    self.flowing.describe()
                ));
            }
            other => {
                return Blocked::Not(format!(
                    "no reply came after the flood of {sent} bytes ({}): the server was not writing",
                    other.describe()
                ));
            }
        }
        match self.queues {
            Some(q) if q.unacked > 0 && (q.unread > 0 || self.eof) => Blocked::Seen,
            Some(q) if q.unacked > 0 => Blocked::Not(format!(
                "the server's socket held {} unsent or unacknowledged bytes but no unread input when the RST went out: the server had read everything, so it was waiting in a read, not blocked in a write",
                q.unacked
            )),
            Some(q) => Blocked::Not(format!(
                "the server's socket held no unsent or unacknowledged output when the RST went out ({} unread bytes): it was not blocked writing",
                q.unread
            )),
            None if self.queues_available => Blocked::Not(
                "the server's socket was gone when the RST went out (it could be looked up when we connected): the server had closed the connection"
                    .to_owned(),
            ),
            None => Blocked::Inferred,
        }
    }
}

/// After our RST: liveness probes at growing intervals (about 10, 20, 40,
/// 80 ms apart) until `window` has passed since the reset, so a server
/// that dies only once it meets the reset (scheduled late on a busy
/// machine) is caught, while a surviving one costs `window` and a few
/// exchanges. The first failing probe fails the case; the runner's own
/// probe after the case then reports the target dead.
fn survives_reset(ctx: &mut Ctx<'_>, window: Duration) -> Result<(), Finding> {
    let reset_at = Instant::now();
    let until = reset_at + window;
    let profile = ctx.maker.profile().cloned();
    let mut gap = Duration::from_millis(10);
    let mut probes = 0;
    loop {
        let now = Instant::now();
        let last = now >= until;
        probes += 1;
        if let Err(e) = probe(ctx.addr, ctx.spec, profile.as_ref(), ctx.limits) {
            if let ProbeError::Failed { log, .. } = &e {
                ctx.keep(log.clone());
            }
            return Err(Finding::fail(
                format!(
                    "the server stopped answering {} after the reset",
                    Ms(reset_at.elapsed())
                ),
                "the server survives a client's reset and answers a new connection",
                format!("liveness probe {probes}: {}", e.why()),
            ));
        }
        if last {
            break;
        }
        std::thread::sleep(gap.min(until.saturating_duration_since(Instant::now())));
        gap *= 2;
    }
    ctx.note(format!(
        "the server answered {probes} liveness probes over {} after the RST (and the runner's probe after the case)",
        Ms(reset_at.elapsed())
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::time::Duration;

    use framecheck_event::Verdict;
    use framecheck_framing::Spec;

    use super::super::test_server::{Serve, run, serve_each, server};
    use super::*;
    use crate::timing::Limits;

    /// What a flooding test server does once a connection has brought more
    /// than [`CAP`] bytes (before that it echoes lines, so liveness probes
    /// pass).
    #[derive(Clone, Copy)]
    enum AfterCap {
        /// Close, as dnsmasq does after 100 queries: the rest of the flood
        /// meets a closed connection.
        Close,
        /// Read and drop everything, replying nothing: the flood never
        /// stalls.
        Swallow,
    }

    const CAP: usize = 64 * 1024;

    /// A verdict and a phrase of its observation; `None` for a pass.
    type Want = Option<(Verdict, &'static str)>;

    fn capped_server(after: AfterCap) -> SocketAddr {
        serve_each(move |s| capped(s, after))
    }

    fn capped(mut s: TcpStream, after: AfterCap) {
        let _ = s.set_nonblocking(false);
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let (mut held, mut total) = (Vec::new(), 0);
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                return;
            }
            total += n;
            if total > CAP {
                match after {
                    AfterCap::Close => return,
                    AfterCap::Swallow => continue,
                }
            }
            held.extend_from_slice(&buf[..n]);
            while let Some(i) = held.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = held.drain(..=i).collect();
                if s.write_all(&line).is_err() {
                    return;
                }
            }
        }
    }

    /// Judged by issue 10: a server that closes during the flood (dnsmasq
    /// after 100 queries) was never blocked writing, so the case is
    /// not-exercised, not a pass; nor is it when the server reads the
    /// whole flood. An echo server that blocks writing passes.
    #[test]
    fn reset_while_writing_needs_the_server_blocked_writing() {
        let spec: Spec = "line".parse().expect("spec");
        let id = "reset/while-server-writes";
        let table: &[(&str, SocketAddr, Want)] = &[
            (
                "closes_during_the_flood",
                capped_server(AfterCap::Close),
                Some((
                    Verdict::NotExercised,
                    "closed the connection during the flood",
                )),
            ),
            (
                "reads_everything",
                capped_server(AfterCap::Swallow),
                Some((Verdict::NotExercised, "without stalling")),
            ),
            ("echoes_and_blocks_writing", server(Serve::EchoLines), None),
        ];
        for (name, addr, want) in table {
            let got = run(*addr, &spec, id, Limits::scaled(1.0));
            match (want, &got) {
                (None, Ok(())) => {}
                (Some((verdict, why)), Err(f)) => {
                    assert_eq!(f.verdict, *verdict, "{name}: {f:?}");
                    assert!(f.observed.contains(why), "{name}: {f:?}");
                }
                _ => panic!("{name}: {got:?}"),
            }
        }
    }

    /// The precondition's reasons, case by case, without a server.
    #[test]
    fn blocked_writing_table() {
        let stall = Err("deadline passed while writing (the server is not reading)".to_owned());
        let pipe = Err("Broken pipe (os error 32)".to_owned());
        let all = Ok(());
        let (done, fin, timeout) = (Wait::Done, Wait::Fin, Wait::Timeout);
        let q = |unacked| Some(Queues { unacked, unread: 7 });
        let flood = |eof, result, flowing, queues_available, queues| Flood {
            eof,
            sent: 100,
            result,
            flowing,
            queues_available,
            queues,
        };
        let table: Vec<(&str, Flood<'_>, &str)> = vec![
            ("seen", flood(false, &stall, &done, true, q(50)), "seen"),
            (
                "all_read",
                flood(
                    false,
                    &stall,
                    &done,
                    true,
                    Some(Queues {
                        unacked: 50,
                        unread: 0,
                    }),
                ),
                "waiting in a read",
            ),
            (
                "eof_all_read",
                flood(
                    true,
                    &all,
                    &done,
                    true,
                    Some(Queues {
                        unacked: 50,
                        unread: 0,
                    }),
                ),
                "seen",
            ),
            (
                "no_lookup",
                flood(false, &stall, &done, false, None),
                "inferred",
            ),
            (
                "pipe",
                flood(false, &pipe, &done, true, q(50)),
                "during the flood (Broken pipe",
            ),
            (
                "read_all",
                flood(false, &all, &done, true, q(50)),
                "read all 100 bytes",
            ),
            (
                "eof_taken_whole",
                flood(true, &all, &done, true, q(50)),
                "seen",
            ),
            (
                "fin",
                flood(false, &stall, &fin, true, q(50)),
                "(FIN) after the flood",
            ),
            (
                "no_reply",
                flood(false, &stall, &timeout, true, q(50)),
                "no reply came",
            ),
            (
                "nothing_unsent",
                flood(false, &stall, &done, true, q(0)),
                "no unsent",
            ),
            (
                "socket_gone",
                flood(false, &stall, &done, true, None),
                "was gone",
            ),
        ];
        for (name, flood, want) in table {
            let got = flood.blocked();
            let ok = match (&got, want) {
                (Blocked::Seen, "seen") | (Blocked::Inferred, "inferred") => true,
                (Blocked::Not(why), want) => why.contains(want),
                _ => false,
            };
            assert!(ok, "{name}: {got:?}");
        }
    }
}
