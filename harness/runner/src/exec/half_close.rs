//! The `half-close/*` cases: the client's `shutdown(SHUT_WR)` right after
//! some messages (`half-close/pending-replies`) or inside one
//! (`half-close/mid-message`); the replies to the complete messages must
//! still arrive, then the server's EOF. `half-close/eof-message` is a plain
//! session, run by the dispatcher.

use super::{Ctx, Finding, compare, expect_fin};
use crate::delivery::Pieces;

pub(super) fn half_close_pending(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let msgs = ctx.maker.batch(&mut ctx.rng, 3, 24);
    let mut conn = ctx.connect("client")?;
    let stream = msgs.concat();
    let result = (|| {
        if let Err(e) = conn.send(
            &stream,
            &Pieces::whole(stream.len()),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        ) {
            ctx.note(format!("write failed: {e}"));
        }
        conn.shutdown_write();
        let wait = conn.read_to_end(ctx.until(ctx.limits.reply));
        compare(&conn, &msgs, &wait)?;
        expect_fin(&conn, &wait, "after the pending replies")
    })();
    ctx.keep(conn.close());
    result
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
    let mut conn = ctx.connect("client")?;
    let result = (|| {
        if let Err(e) = conn.send(
            &bytes,
            &Pieces::whole(bytes.len()),
            ctx.limits.pause,
            ctx.until(ctx.limits.reply),
        ) {
            ctx.note(format!("write failed: {e}"));
        }
        conn.shutdown_write();
        let wait = conn.read_to_end(ctx.until(ctx.limits.reply));
        compare(&conn, std::slice::from_ref(&first), &wait)?;
        if conn.partial_reply() > 0 || conn.reply_error.is_some() {
            return Err(Finding::fail(
                "a partial reply followed the complete one",
                "one reply, nothing for the cut message, then the server's EOF",
                format!("{} bytes of a partial reply", conn.partial_reply().max(1)),
            ));
        }
        expect_fin(&conn, &wait, "after the reply to the complete message")
    })();
    ctx.keep(conn.close());
    result
}
