//! The `limits/*` cases: a header declaring more than the maximum
//! (`limits/length-over-max`), a frame with no delimiter within the maximum
//! (`limits/over-long-frame`), an unknown tag (`limits/unknown-tag`) and a
//! length written as text with a sign, a non-digit, a forbidden leading
//! zero or too many digits (`limits/signed-length` and its kin) must be
//! refused (`refusal.rs` sends them and tells the outcome); here, a client
//! that stalls mid-message should be disconnected after a silence, and
//! must not be at once (`limits/idle-timeout`).

use std::time::{Duration, Instant};

use framecheck_event::{Ms, Verdict};

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
