//! The `reset/*` cases: the client resets (RST) in the middle of a message
//! (`reset/mid-message`) or while the server is blocked writing replies to
//! it (`reset/while-server-writes`); then liveness probes check that the
//! server still answers new connections (`survives_reset`).

use std::time::{Duration, Instant};

use framecheck_event::Ms;

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

pub(super) fn reset_while_writing(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
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
    let result = if ctx.eof() {
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
        let stream = m.repeat((RESET_FLOOD / m.len()).max(1));
        let (stall, overall) = (ctx.limits.pause * 10, ctx.until(ctx.limits.reply));
        let base = conn.sent_total();
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
                let stuck = conn.server_queues().is_none_or(|q| q.unacked > 0);
                if stuck || Instant::now() >= overall {
                    break Err(e);
                }
            }
        }
    };
    // Wait until replies flow (the server is writing), then let it fill the
    // buffers again and block in a write.
    let flowing = conn.read_some(ctx.until(ctx.limits.reply));
    std::thread::sleep(ctx.limits.pause * 20);
    if flowing != Wait::Done {
        ctx.note(format!(
            "no reply arrived before the reset: {}",
            flowing.describe()
        ));
    }
    let queues = conn.server_queues().map_or_else(String::new, |q| {
        format!(
            "; the server's socket then held {} unread bytes and {} unsent or unacknowledged",
            q.unread, q.unacked
        )
    });
    ctx.note(format!(
        "{} bytes written in {}, then {}{queues}; then RST",
        conn.sent_total(),
        Ms(started.elapsed()),
        result
            .err()
            .unwrap_or_else(|| "all were accepted".to_owned())
    ));
    ctx.keep(conn.reset());
    survives_reset(ctx, ctx.limits.prompt)
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
