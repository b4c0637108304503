//! The `boundary/*` cases: messages written whole, byte by byte, cut at
//! every point, inside a length field, a delimiter or after a tag,
//! coalesced, straddling writes, with an empty payload
//! (`boundary_sessions`), cut at seeded random points and shrunk on failure
//! (`random_schedules`), one message larger than the socket buffers
//! (`large_message`) and replies to a client that reads late
//! (`slow_reader`).

use std::time::{Duration, Instant};

use framecheck_event::Ms;
use framecheck_framing::Kind;

use super::{Ctx, Finding, Session, compare, ends, session};
use crate::catalogue::{self, Action, Mode};
use crate::delivery::Pieces;
use crate::rng::Rng;

/// The sessions of a deterministic boundary case.
pub(super) fn boundary_sessions(ctx: &mut Ctx<'_>, action: Action) -> Vec<Session> {
    let maker = &ctx.maker;
    let short = |i: usize| maker.message(i, 5);
    let sessions: Vec<Session> = match action {
        Action::Whole => vec![Session::each_whole(maker.batch(&mut ctx.rng, 4, 32))],
        Action::ByteAtATime => {
            let msgs = maker.batch(&mut ctx.rng, 3, 12);
            let len: usize = msgs.iter().map(Vec::len).sum();
            vec![Session {
                msgs,
                cuts: (1..len).collect(),
            }]
        }
        Action::SplitEveryPoint => {
            let len = short(0).len();
            let msgs: Vec<Vec<u8>> = (1..len).map(short).collect();
            vec![Session::cut_each(msgs, |i| i + 1)]
        }
        Action::SplitLengthField => {
            let Some(m) = maker.message_with_wide_length() else {
                return Vec::new();
            };
            let l = maker.layout(&m);
            let points: Vec<usize> = (l.prefix.max(1)..l.head).collect();
            vec![Session::cut_each(vec![m; points.len()], |i| points[i])]
        }
        Action::SplitDelimiter => {
            let m = maker.message(2, 6);
            let l = maker.layout(&m);
            let points: Vec<usize> = (l.body_end + 1..l.len).collect();
            vec![Session::cut_each(vec![m; points.len()], |i| points[i])]
        }
        Action::SplitAfterTag => {
            let n = match &ctx.spec.kind {
                Kind::Tagged(e) => e.len(),
                _ => 0,
            };
            let msgs: Vec<Vec<u8>> = (0..n).map(|k| maker.message_with(k, 5, Some(k))).collect();
            vec![Session::cut_each(msgs, |_| 1)]
        }
        Action::Coalesced => vec![Session {
            msgs: maker.batch(&mut ctx.rng, 5, 32),
            cuts: Vec::new(),
        }],
        Action::Straddle => {
            let msgs = maker.batch(&mut ctx.rng, 4, 32);
            let mut cuts = Vec::new();
            let mut start = 0;
            for m in &msgs {
                if start > 0 {
                    cuts.push(start + m.len().div_ceil(2));
                }
                start += m.len();
            }
            vec![Session { msgs, cuts }]
        }
        Action::EmptyPayload => {
            let empty = match &ctx.spec.kind {
                Kind::Tagged(e) => {
                    let k = e.iter().position(|e| {
                        matches!(
                            e.rule,
                            framecheck_framing::TagRule::Len(_)
                                | framecheck_framing::TagRule::Fixed(0)
                        )
                    });
                    k.map(|k| maker.message_with(0, 0, Some(k)))
                }
                _ => Some(maker.message(0, 0)),
            };
            let Some(empty) = empty else {
                return Vec::new();
            };
            vec![Session::each_whole(vec![empty.clone(), short(1), empty])]
        }
        _ => Vec::new(),
    };
    if ctx.eof() {
        // One message per connection, cut at the same points inside it.
        sessions.into_iter().flat_map(split_per_message).collect()
    } else {
        sessions
    }
}

/// For `eof` framing: one session per message, keeping the cuts inside it.
fn split_per_message(s: Session) -> Vec<Session> {
    let mut start = 0;
    s.msgs
        .into_iter()
        .map(|m| {
            let end = start + m.len();
            let cuts = s
                .cuts
                .iter()
                .filter(|&&c| c > start && c < end)
                .map(|c| c - start)
                .collect();
            start = end;
            Session {
                msgs: vec![m],
                cuts,
            }
        })
        .collect()
}

/// Seeded random cuts over small batches; a failure is shrunk against the
/// live server to a minimal schedule before it is reported.
pub(super) fn random_schedules(ctx: &mut Ctx<'_>, mode: Mode) -> Result<(), Finding> {
    let trials: Vec<usize> = match &ctx.replay {
        Some(r) => vec![r.trial],
        None => (0..ctx.trials).collect(),
    };
    for trial in trials {
        let mut rng = Rng::for_case(ctx.seed, &format!("trial {trial}"));
        let count = if ctx.eof() { 1 } else { rng.range(1, 5) };
        let msgs = ctx.maker.batch(&mut rng, count, 40);
        let total: usize = msgs.iter().map(Vec::len).sum();
        let pieces = if let Some(r) = &ctx.replay {
            r.pieces.clone()
        } else {
            let n = rng.range(1, total.saturating_sub(1).min(12));
            let cuts: Vec<usize> = (0..n)
                .map(|_| rng.range(1, total.saturating_sub(1).max(1)))
                .collect();
            Pieces::from_cuts(total, &cuts)
        };
        let Err(finding) = try_schedule(ctx, trial, &msgs, &pieces, mode) else {
            continue;
        };
        let original = pieces.to_string();
        let shrunk = if ctx.replay.is_some() {
            pieces
        } else {
            shrink(ctx, trial, &msgs, pieces, mode)
        };
        ctx.extra.original_schedule = Some(format!("trial {trial}: {original}"));
        ctx.extra.shrunk_schedule = Some(format!("trial {trial}: {shrunk}"));
        ctx.extra.replay_args = format!(" --trial {trial} --schedule {shrunk}");
        // Report the minimal run: keep only its connection in the evidence.
        ctx.conns.clear();
        let last = try_schedule(ctx, trial, &msgs, &shrunk, mode);
        return Err(last.err().unwrap_or(finding));
    }
    Ok(())
}

/// Run one schedule on a fresh connection; the messages sent are those the
/// schedule covers (a shorter schedule drops trailing messages).
fn try_schedule(
    ctx: &mut Ctx<'_>,
    trial: usize,
    msgs: &[Vec<u8>],
    pieces: &Pieces,
    mode: Mode,
) -> Result<(), Finding> {
    let mut covered = Vec::new();
    let mut len = 0;
    for m in msgs {
        if len + m.len() > pieces.total() {
            break;
        }
        len += m.len();
        covered.push(m.clone());
    }
    let s = Session {
        msgs: covered,
        cuts: pieces.cuts(),
    };
    if s.msgs.is_empty() {
        return Ok(());
    }
    session(ctx, &format!("trial {trial}"), &s, mode)
}

/// Greedy shrinking against the live server: drop trailing messages, then
/// merge adjacent pieces, keeping each change that still fails. At most 60
/// attempts, within twice the reply deadline.
fn shrink(ctx: &mut Ctx<'_>, trial: usize, msgs: &[Vec<u8>], pieces: Pieces, mode: Mode) -> Pieces {
    let mut best = pieces;
    let mut attempts = 0;
    let budget = (Instant::now() + ctx.limits.reply * 2).min(ctx.deadline);
    let fails = |ctx: &mut Ctx<'_>, p: &Pieces, attempts: &mut usize| {
        *attempts += 1;
        let before = ctx.conns.len();
        let failed = try_schedule(ctx, trial, msgs, p, mode).is_err();
        ctx.conns.truncate(before);
        failed
    };
    // Fewer messages: the schedule cut at each earlier message boundary.
    let bounds = ends(msgs);
    for &end in &bounds[..bounds.len().saturating_sub(1)] {
        if attempts >= 60 || Instant::now() >= budget {
            break;
        }
        let cuts: Vec<usize> = best.cuts().into_iter().filter(|&c| c < end).collect();
        let candidate = Pieces::from_cuts(end, &cuts);
        if fails(ctx, &candidate, &mut attempts) {
            best = candidate;
            break;
        }
    }
    // Fewer cuts.
    let mut i = 0;
    while i < best.cuts().len() && attempts < 60 && Instant::now() < budget {
        let mut cuts = best.cuts();
        cuts.remove(i);
        let candidate = Pieces::from_cuts(best.total(), &cuts);
        if fails(ctx, &candidate, &mut attempts) {
            best = candidate;
        } else {
            i += 1;
        }
    }
    ctx.note(format!(
        "shrunk in {attempts} attempts against the live server"
    ));
    best
}

pub(super) fn large_message(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let size = ctx.maker.max_payload().min(catalogue::LARGE);
    let m = ctx.maker.largest_message(0, size);
    let mut conn = ctx.connect("client")?;
    let len = m.len();
    // 64 KiB pieces, written while the replies are read.
    let pieces = Pieces::from_cuts(
        len,
        &(1..len.div_ceil(65536))
            .map(|k| k * 65536)
            .collect::<Vec<_>>(),
    );
    let deadline = ctx.until(ctx.limits.reply * 3);
    let started = Instant::now();
    let (sent, wait) = conn.send_while_reading(&m, &pieces, Duration::ZERO, 1, deadline, ctx.eof());
    if let Err(e) = sent {
        ctx.note(format!("write failed: {e}"));
    }
    ctx.note(format!(
        "{len}-byte message echoed in {}",
        Ms(started.elapsed())
    ));
    let result = compare(&conn, &[m], &wait);
    ctx.keep(conn.close());
    result
}

/// About 1 MiB of messages in flight while the client waits before
/// reading: the server's writes go short or block, and every reply must
/// still arrive whole.
pub(super) fn slow_reader(ctx: &mut Ctx<'_>) -> Result<(), Finding> {
    let m = ctx.maker.largest_message(0, 16 * 1024);
    let count = (SLOW_READER_BYTES / m.len()).clamp(1, 65536);
    let msgs: Vec<Vec<u8>> = (0..count)
        .map(|i| ctx.maker.largest_message(i, 16 * 1024))
        .collect();
    let stream = msgs.concat();
    let mut conn = ctx.connect("slow client")?;
    let pieces = Pieces::whole(stream.len());
    let deadline = ctx.until(ctx.limits.reply * 3);
    let pause = ctx.limits.prompt * 4 / 5;
    let (sent, wait) = conn.send_then_read_late(&stream, &pieces, pause, count, deadline);
    if let Err(e) = sent {
        ctx.note(format!("write failed: {e}"));
    }
    ctx.note(format!(
        "{count} messages, {} bytes; reading began {} after writing",
        stream.len(),
        Ms(pause)
    ));
    let result = compare(&conn, &msgs, &wait);
    ctx.keep(conn.close());
    result
}

/// Bytes in flight in `boundary/slow-reader`.
const SLOW_READER_BYTES: usize = 8 * 1024 * 1024;
