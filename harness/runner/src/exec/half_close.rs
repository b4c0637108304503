//! The `half-close/*` cases: the client's `shutdown(SHUT_WR)` right after
//! some messages (`half-close/pending-replies`), inside one
//! (`half-close/mid-message`), or, in `eof` framing, as the end of the
//! message (`half-close/eof-message`); the replies to the complete messages
//! must still arrive, then the server's EOF within "promptly" of the last
//! reply.
//!
//! A server that ignores the EOF but closes idle connections within
//! "promptly" would send its FIN in time too, so a control connection gets
//! the same bytes first and no EOF: the FIN counts only if
//! the control is still open clearly after it (see `judge_against_control`).

use std::time::Instant;

use framecheck_event::Ms;

use super::{
    Ctx, Finding, client_and_control, compare, control_margin, expect_fin, judge_against_control,
    with_control,
};
use crate::conn::{Conn, Wait};
use crate::delivery::Pieces;

pub(super) fn half_close_pending(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let msgs = ctx.maker.batch(&mut ctx.rng, 3, 24);
    let stream = msgs.concat();
    half_close(ctx, &stream, &msgs, false, "after the pending replies")
}

pub(super) fn half_close_mid_message(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let first = ctx.maker.message(0, 12);
    let second = ctx.maker.body_message(1, 12);
    let l = ctx.maker.layout(&second);
    let cut = if ctx.spec.delimiter().is_some() {
        l.body_end
    } else {
        l.head + (l.body_end - l.head) / 2
    };
    let mut bytes = first.clone();
    bytes.extend_from_slice(&second[..cut]);
    half_close(
        ctx,
        &bytes,
        std::slice::from_ref(&first),
        true,
        "after the reply to the complete message",
    )
}

/// `eof` framing: the message ends at the client's shutdown; its reply,
/// then the server's EOF.
pub(super) fn half_close_eof_message(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = ctx.maker.message(3, 24);
    half_close(ctx, &m, std::slice::from_ref(&m), false, "after its reply")
}

/// Write `bytes` on a control connection, which then stays silent, and
/// on the client, which shuts down its side at once: the client gets one
/// reply to each of `msgs` (and, if `cut`, no partial one), then the
/// server's FIN within `prompt` of the last reply, while the control stays
/// open.
fn half_close(
    ctx: &mut Ctx<'_>,
    bytes: &[u8],
    msgs: &[Vec<u8>],
    cut: bool,
    when: &str,
) -> Result<(), Finding> {
    // The control's bytes go first, so an idle timer they start cannot
    // fire later than the client's. The control's replies are read, not
    // judged, while it is watched.
    client_and_control(ctx, |ctx, conn, control| {
        if let Err(e) = control.send(
            bytes,
            &Pieces::whole(bytes.len()),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        ) {
            ctx.note(format!("control connection: write failed: {e}"));
        }
        half_close_on(ctx, conn, control, bytes, msgs, cut, when)
    })
}

fn half_close_on(
    ctx: &mut Ctx<'_>,
    conn: &mut Conn,
    control: &mut Conn,
    bytes: &[u8],
    msgs: &[Vec<u8>],
    cut: bool,
    when: &str,
) -> Result<(), Finding> {
    if let Err(e) = conn.send(
        bytes,
        &Pieces::whole(bytes.len()),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    ) {
        ctx.note(format!("write failed: {e}"));
    }
    let reply_deadline = ctx.until(ctx.limits.reply);
    let margin = control_margin(&ctx.limits);
    let watch_deadline = ctx.until(ctx.limits.reply + ctx.limits.close + margin);
    let (close, limits) = (ctx.limits.close, ctx.limits);
    let deadline = ctx.deadline;
    let ((wait, last, ended), watched) = with_control(control, margin, watch_deadline, || {
        let shut = Instant::now();
        conn.shutdown_write();
        let got = conn.read_frames(msgs.len(), reply_deadline);
        let wait = if got == Wait::Done {
            conn.read_to_end((Instant::now() + close).min(deadline))
        } else {
            got
        };
        let ended = Instant::now();
        // The FIN is timed from the last bytes of the replies (in `eof`
        // framing the reply is complete only at the FIN), or from the
        // half-close when they came before it.
        let last = conn.last_bytes_at().map_or(shut, |at| at.max(shut));
        let closed = matches!(wait, Wait::Fin).then_some(ended);
        ((wait, last, ended), closed)
    });
    compare(conn, msgs, &wait)?;
    if cut && (conn.partial_reply() > 0 || conn.reply_error.is_some()) {
        return Err(Finding::fail(
            "a partial reply followed the complete one",
            "one reply, nothing for the cut message, then the server's EOF",
            format!("{} bytes of a partial reply", conn.partial_reply().max(1)),
        ));
    }
    expect_fin(conn, &wait, when)?;
    let took = ended.saturating_duration_since(last);
    let expected = format!(
        "the server's EOF {when}, within {} of the last reply, and a connection that sent the same bytes and no EOF still open {} later",
        Ms(limits.prompt),
        Ms(margin)
    );
    if took > limits.prompt {
        return Err(Finding::fail(
            format!("the server's EOF came only {} {when}", Ms(took)),
            expected,
            format!(
                "{} {} after the last reply (a delayed shutdown, or an idle timeout?)",
                wait.describe(),
                Ms(took)
            ),
        ));
    }
    ctx.note(format!(
        "the server's EOF came {} after the last reply",
        Ms(took)
    ));
    judge_against_control(ctx, (last, "the last reply"), ended, &watched, &expected)
}
