//! The `limits/*` cases: a header declaring more than the maximum
//! (`limits/length-over-max`), a frame with no delimiter within the maximum
//! (`limits/over-long-frame`) and an unknown tag (`limits/unknown-tag`)
//! must be refused (`refusal::refused` tells how; the dispatcher builds
//! the bytes); a length written as text with a sign, a non-digit, a
//! forbidden leading zero or too many digits must make the server close
//! without processing it (`refused_not_echoed`); a client that stalls mid-message should be disconnected
//! after a silence, and must not be at once (`limits/idle-timeout`).

use std::time::{Duration, Instant};

use framecheck_event::{Ms, Verdict};

use super::refusal::TRICKLE;
use super::{Ctx, Finding};
use crate::catalogue::header_cut_point;
use crate::conn::Wait;
use crate::delivery::Pieces;

/// `limits/idle-timeout`: send part of a message, go silent, and wait
/// [`Limits::idle`](crate::timing::Limits) for the server to give up,
/// measuring from the last byte sent.
///
/// A close is an idle timeout only if it comes after a silence: a server
/// that closes within [`at_once`] of the partial message reacted to the
/// message being incomplete, not to the silence. That fails, not merely
/// leaves the case unexercised: the requirement is about a client that
/// sends part of a message, and TCP may deliver any message in pieces, with
/// any pause between them, so a server must wait for the rest (the MUST
/// every boundary case rests on); only how long it then waits is a SHOULD.
/// No close within the wait is a warning, as before.
pub(super) fn idle_timeout(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = ctx.maker.body_message(0, 16);
    let cut = header_cut_point(ctx.spec).map_or((m.len() / 2).max(1), |(_, c)| c);
    let partial =
        header_cut_point(ctx.spec).map_or_else(|| m[..cut].to_vec(), |(h, c)| h[..c].to_vec());
    let mut conn = ctx.connect("idle client")?;
    let sent = conn.send(
        &partial,
        &Pieces::whole(partial.len()),
        ctx.limits.pause,
        ctx.until(ctx.limits.reply),
    );
    // From the last byte sent (if writing failed, the server had closed
    // already, and the time is zero).
    let started = Instant::now();
    if let Err(e) = &sent {
        ctx.note(format!("write failed: {e}"));
    }
    let wait = conn.read_to_end(ctx.until(ctx.limits.idle));
    let took = if sent.is_err() {
        Duration::ZERO
    } else {
        started.elapsed()
    };
    let received = conn.received_total();
    ctx.keep(conn.close());
    let soonest = at_once(&ctx.limits);
    match wait {
        Wait::Fin | Wait::Rst if took < soonest => Err(Finding::fail(
            format!(
                "the server closed {} after a partial message: it does not wait for the rest of a message",
                Ms(took)
            ),
            format!(
                "the server waits for the rest of a message (closing, if at all, after a silence, not within {})",
                Ms(soonest)
            ),
            format!(
                "{} {} after {} bytes of a message ({received} bytes received)",
                wait.describe(),
                Ms(took),
                partial.len()
            ),
        )),
        Wait::Fin | Wait::Rst => {
            ctx.note(format!(
                "idle timeout measured: the server closed {} after the last byte",
                Ms(took)
            ));
            Ok(())
        }
        other => Err(Finding {
            verdict: Verdict::Warn,
            message: format!("no idle timeout within {}", Ms(ctx.limits.idle)),
            expected: "the server disconnects a client that stalls mid-message".to_owned(),
            observed: format!("{} after {}", other.describe(), Ms(took)),
        }),
    }
}

/// The soonest a close after a partial message can be an idle timeout:
/// half of [`Limits::prompt`](crate::timing::Limits) (125 ms unscaled).
///
/// A server that closes because a message is incomplete does so as soon
/// as it has read the part: well under a millisecond on loopback, tens of
/// milliseconds on a busy machine, a round trip more for a remote target
/// (hence scaled with the time scale, as `prompt` is). The shortest idle
/// timeouts met in practice are 200 ms (the independent fixture servers'
/// `--idle-timeout 0.2`), and Linux's minimum retransmission timeout is
/// 200 ms: one lost segment delays the rest of a message that long, so a
/// shorter idle timeout would drop healthy clients. A reaction slowed past
/// the bound on an overloaded machine passes as a timeout (a missed
/// failure, never a false one).
fn at_once(limits: &crate::timing::Limits) -> Duration {
    limits.prompt / 2
}

/// Send `bytes` the server must refuse by closing: it closes (FIN or RST)
/// within `prompt` of the last of them, replying nothing, while a filler
/// byte keeps coming every [`TRICKLE`] (so an idle timeout cannot pass for
/// a refusal). A reply that echoes `echo` (the payload the bytes carry when
/// read leniently, e.g. a length with a sign read as a number) is a
/// failure: the server processed what it had to refuse. Used by the cases
/// on lengths written as text (`limits/signed-length` and its kin); the
/// over-limit cases tell every refusal outcome apart (`refusal::refused`).
pub(super) fn refused_not_echoed(
    ctx: &mut Ctx<'_>,
    bytes: &[u8],
    what: &str,
    echo: Option<&[u8]>,
) -> Result<(), Finding> {
    let mut conn = ctx.connect("client")?;
    let started = Instant::now();
    let deadline = ctx.until(ctx.limits.close);
    let filler = (b'a'..=b'z')
        .chain(0..=255)
        .find(|b| !ctx.spec.delimiter().is_some_and(|d| d.contains(b)))
        .unwrap_or(b'a');
    let t = conn.send_and_trickle(bytes, filler, TRICKLE, None, deadline);
    // From the byte that crossed the limit; if writing failed, the server
    // ended the connection before it had everything, so from the start.
    let crossed = t.written_at.unwrap_or(started);
    let took = t.ended_at.saturating_duration_since(crossed);
    let received = conn.received_total();
    if let Err(e) = &t.sent {
        ctx.note(format!("write stopped: {e}"));
    }
    if t.filler_bytes > 0 {
        let last = t.last_filler.map_or(String::new(), |l| {
            format!(
                ", the last {} before the connection ended",
                Ms(t.ended_at.saturating_duration_since(l))
            )
        });
        ctx.note(format!(
            "{} more bytes trickled after {what}, one per {}, to keep the connection busy{last}",
            t.filler_bytes,
            Ms(TRICKLE)
        ));
    }
    let echoed = echo.is_some_and(|p| conn.frames().iter().any(|f| f.payload() == p));
    ctx.keep(conn.close());
    let expected = format!(
        "the server closes within {} of {what}, replying nothing",
        Ms(ctx.limits.prompt)
    );
    let wait = t.wait;
    match wait {
        Wait::Fin | Wait::Rst if received == 0 && took <= ctx.limits.prompt => {
            ctx.note(format!(
                "the server closed {} after {what} was written, while bytes were still arriving",
                Ms(took)
            ));
            Ok(())
        }
        Wait::Fin | Wait::Rst if received == 0 => Err(Finding::fail(
            format!("the server closed only {} after {what}", Ms(took)),
            expected,
            format!(
                "{} after {} (an idle timeout or a buffer valve, not a limit?)",
                wait.describe(),
                Ms(took)
            ),
        )),
        _ if echoed => Err(Finding::fail(
            format!("the server processed {what}: it echoed the message"),
            expected,
            format!("an echo of the message, then {}", wait.describe()),
        )),
        Wait::Fin | Wait::Rst => Err(Finding {
            verdict: Verdict::Warn,
            message: format!("the server replied {received} bytes before closing after {what}"),
            expected,
            observed: format!("{received} bytes, then {}", wait.describe()),
        }),
        other => Err(Finding::fail(
            format!("the server kept the connection open after {what}"),
            expected,
            format!(
                "{} after {}, {received} bytes received",
                other.describe(),
                Ms(took)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use framecheck_framing::Spec;

    use super::super::test_server::{Serve, run, server};
    use crate::timing::Limits;
    use framecheck_event::Verdict;

    /// Regression (reports/independent-servers.md, `crlf_no_limit.py` with
    /// a 0.2 s idle timeout): a server with no line limit whose idle
    /// timeout is shorter than "promptly" passed `limits/over-long-frame`.
    #[test]
    fn refusal_is_told_from_an_idle_timeout() {
        let spec: Spec = "line".parse().expect("spec");
        let limit = spec.max() + spec.overhead();
        let table: &[(&str, Serve, Option<Verdict>)] = &[
            ("closes_at_the_limit", Serve::Limit(limit), None),
            (
                "no_limit_idle_timeout_200ms",
                Serve::NoLimitIdle(Duration::from_millis(200)),
                Some(Verdict::Fail),
            ),
            (
                "no_limit_idle_timeout_60ms",
                Serve::NoLimitIdle(Duration::from_millis(60)),
                Some(Verdict::Fail),
            ),
        ];
        for (name, serve, want) in table {
            let addr = server(*serve);
            let got = run(addr, &spec, "limits/over-long-frame", Limits::scaled(1.0));
            let got_verdict = got.as_ref().err().map(|f| f.verdict);
            assert_eq!(got_verdict, *want, "{name}: {got:?}");
        }
    }

    /// Issue 10: a close at once after a partial message is not an idle
    /// timeout; a close after a silence is; no close warns.
    #[test]
    fn idle_timeout_is_told_from_a_close_at_once() {
        let spec: Spec = "line".parse().expect("spec");
        let table: &[(&str, Serve, Option<Verdict>)] = &[
            (
                "closes_on_a_partial_line",
                Serve::Limit(0),
                Some(Verdict::Fail),
            ),
            (
                "idle_timeout_200ms",
                Serve::NoLimitIdle(Duration::from_millis(200)),
                None,
            ),
            ("no_idle_timeout", Serve::EchoLines, Some(Verdict::Warn)),
        ];
        for (name, serve, want) in table {
            let addr = server(*serve);
            let got = run(addr, &spec, "limits/idle-timeout", Limits::scaled(1.0));
            let got_verdict = got.as_ref().err().map(|f| f.verdict);
            assert_eq!(got_verdict, *want, "{name}: {got:?}");
            if let Err(f) = &got
                && f.verdict == Verdict::Fail
            {
                assert!(
                    f.message
                        .contains("does not wait for the rest of a message"),
                    "{name}: {f:?}"
                );
            }
        }
    }
}
