//! The `eof/*` cases: the client shuts down its side (`shutdown(SHUT_WR)`)
//! right after connecting, after complete messages, or inside a header, a
//! payload or a delimiter, and the server must close promptly without
//! replying to the partial bytes. The dispatcher picks the messages and the
//! cut; `eof_after` runs the exchange.

use std::time::Instant;

use framecheck_event::Ms;

use super::{Ctx, Finding, Session, session_on};
use crate::catalogue::Mode;
use crate::conn::{Conn, Wait};
use crate::delivery::Pieces;

/// Send complete `msgs` lockstep, then `partial` bytes, then shut down our
/// side: the server must close promptly with no reply to the partial bytes.
pub(super) fn eof_after(
    ctx: &mut Ctx<'_>,
    msgs: &[Vec<u8>],
    partial: &[u8],
) -> Result<(), Finding> {
    let mut conn = ctx.connect("client")?;
    let result = eof_after_on(ctx, &mut conn, msgs, partial);
    ctx.keep(conn.close());
    result
}

fn eof_after_on(
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
        // Let the partial bytes arrive on their own before the EOF.
        std::thread::sleep(ctx.limits.pause * 5);
    }
    let before = conn.received_total();
    let shut = Instant::now();
    conn.shutdown_write();
    let wait = conn.read_to_end(ctx.until(ctx.limits.close));
    let took = shut.elapsed();
    let extra = conn.received_total() - before;
    let eof_reply_ok = ctx.eof() && partial.is_empty() && msgs.is_empty();
    let expected = format!(
        "no reply to the {} partial bytes, and the server's EOF within {}",
        partial.len(),
        Ms(ctx.limits.prompt)
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
        Wait::Fin => {
            ctx.note(format!(
                "the server closed {} after the client's EOF",
                Ms(took)
            ));
            Ok(())
        }
        Wait::Rst => {
            ctx.note(format!(
                "the server reset {} after the client's EOF",
                Ms(took)
            ));
            Ok(())
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
