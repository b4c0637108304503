//! The `eof/*` cases: the client shuts down its side (`shutdown(SHUT_WR)`)
//! right after connecting, after complete messages, or inside a header, a
//! payload or a delimiter, and the server must close promptly without
//! replying to the partial bytes. The dispatcher picks the messages and the
//! cut; `eof_after` runs the exchange.
//!
//! A server that ignores the EOF but closes idle connections sooner than
//! "promptly" would close in time too, so a control connection opened
//! alongside gets the same bytes (first) and no EOF: the close counts as
//! the server's reaction to the EOF only if the control is still open
//! clearly after it (see `judge_against_control`).

use std::time::Instant;

use framecheck_event::Ms;

use super::{
    Ctx, Finding, Session, client_and_control, control_margin, judge_against_control, session_on,
    with_control,
};
use crate::catalogue::Mode;
use crate::conn::{Conn, Wait};
use crate::delivery::Pieces;

/// Send complete `msgs` lockstep, then `partial` bytes, then shut down our
/// side: the server must close promptly with no reply to the partial bytes,
/// and keep open a control connection that got the same bytes but no EOF.
pub(super) fn eof_after(
    ctx: &mut Ctx<'_>,
    msgs: &[Vec<u8>],
    partial: &[u8],
) -> Result<(), Finding> {
    client_and_control(ctx, |ctx, conn, control| {
        eof_after_on(ctx, conn, control, msgs, partial)
    })
}

/// The control's bytes: `msgs` and `partial` in one write, before the
/// client's, so an idle timer they start cannot fire later than the one
/// the client's start. Its replies are read, not judged, while it is
/// watched.
fn feed_control(ctx: &mut Ctx<'_>, control: &mut Conn, msgs: &[Vec<u8>], partial: &[u8]) {
    let mut bytes = msgs.concat();
    bytes.extend_from_slice(partial);
    if bytes.is_empty() {
        return;
    }
    if let Err(e) = control.send(
        &bytes,
        &Pieces::whole(bytes.len()),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    ) {
        ctx.note(format!("control connection: write failed: {e}"));
    }
}

/// The client's bytes before the EOF: `msgs` lockstep, then `partial`.
fn feed(
    ctx: &mut Ctx<'_>,
    conn: &mut Conn,
    msgs: &[Vec<u8>],
    partial: &[u8],
) -> Result<(), Finding> {
    if !msgs.is_empty() {
        session_on(
            ctx,
            conn,
            &Session::each_whole(msgs.to_vec()),
            Mode::Lockstep,
        )?;
    }
    if !partial.is_empty() {
        let _ = conn.send(
            partial,
            &Pieces::whole(partial.len()),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        );
    }
    Ok(())
}

fn eof_after_on(
    ctx: &mut Ctx<'_>,
    conn: &mut Conn,
    control: &mut Conn,
    msgs: &[Vec<u8>],
    partial: &[u8],
) -> Result<(), Finding> {
    feed_control(ctx, control, msgs, partial);
    feed(ctx, conn, msgs, partial)?;
    if !partial.is_empty() {
        // Let the partial bytes arrive on their own before the EOF.
        std::thread::sleep(ctx.limits.pause * 5);
    }
    let before = conn.received_total();
    let close_deadline = ctx.until(ctx.limits.close);
    let margin = control_margin(&ctx.limits);
    let watch_deadline = ctx.until(ctx.limits.close + margin);
    let ((shut, wait, ended), watched) = with_control(control, margin, watch_deadline, || {
        let shut = Instant::now();
        conn.shutdown_write();
        let wait = conn.read_to_end(close_deadline);
        let ended = Instant::now();
        let closed = matches!(wait, Wait::Fin | Wait::Rst).then_some(ended);
        ((shut, wait, ended), closed)
    });
    let took = ended.saturating_duration_since(shut);
    let extra = conn.received_total() - before;
    let eof_reply_ok = ctx.eof() && partial.is_empty() && msgs.is_empty();
    let expected = format!(
        "no reply to the {} partial bytes, the server's EOF within {} of the client's, and a connection that sent the same bytes and no EOF still open {} later",
        partial.len(),
        Ms(ctx.limits.prompt),
        Ms(margin)
    );
    if extra > 0 && !eof_reply_ok {
        return Err(Finding::fail(
            format!(
                "the server replied {extra} bytes after a client EOF that left no complete message"
            ),
            expected,
            format!("{extra} bytes after the EOF, then {}", wait.describe()),
        ));
    }
    match wait {
        Wait::Fin | Wait::Rst if took > ctx.limits.prompt => Err(Finding::fail(
            format!("the server closed only {} after the client's EOF", Ms(took)),
            expected,
            format!(
                "{} after {} (an idle timeout, not the EOF?)",
                wait.describe(),
                Ms(took)
            ),
        )),
        Wait::Fin | Wait::Rst => {
            let how = if wait == Wait::Fin { "closed" } else { "reset" };
            ctx.note(format!(
                "the server {how} {} after the client's EOF",
                Ms(took)
            ));
            judge_against_control(ctx, (shut, "the client's EOF"), ended, &watched, &expected)
        }
        other => Err(Finding::fail(
            format!(
                "the server did not close within {} of the client's EOF",
                Ms(ctx.limits.close)
            ),
            expected,
            other.describe(),
        )),
    }
}
