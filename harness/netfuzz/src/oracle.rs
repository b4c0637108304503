//! The oracles: what in an [`Observation`] is a finding, and of which kind.
//! Legitimate behaviour is never one: a frame declared longer than what was
//! sent gets no reply (the server is waiting), a refused frame may be
//! refused in any conforming way (`framecheck_event::refusal`: a close with
//! or without an error reply, or a discard to its end with an error reply
//! and the frames after it answered), and what a reset connection did not
//! say is not judged. A refusal finding is named by its outcome
//! (`refusal:accepted`, `refusal:desync`, …).

use std::fmt;
use std::time::Duration;

use framecheck_event::refusal::{Closed, FollowUp, Observed, Refusal, classify};
use serde::{Deserialize, Serialize};

use crate::exec::{End, Observation};
use crate::session::Ending;

/// The kind of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// The server stopped accepting connections (or, with `--exec`, exited).
    Crash,
    /// The server stopped answering: owed replies stalled, and the liveness
    /// probe failed too (or, with the probe passing, this connection alone
    /// stalled).
    Hang,
    /// A reply differs from the echo: content, count or order; or the
    /// server closed before answering every whole frame.
    Mismatch,
    /// A frame the framing refuses (over the maximum, unknown tag, over-long
    /// delimited frame) was accepted, answered, or left the connection open.
    Refusal,
}

impl FindingKind {
    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::Crash => "crash",
            FindingKind::Hang => "hang",
            FindingKind::Mismatch => "mismatch",
            FindingKind::Refusal => "refusal",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What one observation suggests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspect {
    /// The kind, as far as the session alone can tell.
    pub kind: FindingKind,
    /// A stable class for deduplication (`mismatch:content`, …).
    pub class: &'static str,
    /// What was seen.
    pub what: String,
    /// Whether the liveness probe decides it: a crash or hang when the
    /// probe fails, else the `class` it falls back to (a connection of its
    /// own that went wrong).
    pub probe: bool,
}

/// Judge one session's observation.
pub fn judge(obs: &Observation, ending: Ending) -> Option<Suspect> {
    let owed = obs.owed.frames.len();
    let suspect = |kind, class, what: String, probe| {
        Some(Suspect {
            kind,
            class,
            what,
            probe,
        })
    };
    if obs.end == End::Refused {
        return suspect(
            FindingKind::Crash,
            "crash",
            "the server refused a new connection".to_owned(),
            true,
        );
    }
    if let Some((i, what)) = &obs.mismatch {
        if obs.owed.refused.is_some() && *i >= owed {
            return suspect(
                FindingKind::Refusal,
                "refusal:answered",
                format!(
                    "answered past a frame it must refuse ({}): {what}",
                    obs.owed.refused.as_deref().unwrap_or("")
                ),
                false,
            );
        }
        return suspect(FindingKind::Mismatch, "mismatch:reply", what.clone(), false);
    }
    if ending == Ending::Rst {
        return None;
    }
    if obs.owed.refused.is_some() && obs.end == End::Reset {
        // The server closed on the refused frame while bytes were still
        // coming: its kernel answers them with a reset, which may destroy
        // replies it had sent. Legitimate.
        return None;
    }
    if obs.frames < owed {
        return match obs.end {
            End::Stalled => suspect(
                FindingKind::Hang,
                "hang:stalled",
                format!(
                    "{} of {owed} owed replies after {} ms",
                    obs.frames,
                    obs.latency.as_millis()
                ),
                true,
            ),
            _ => suspect(
                FindingKind::Mismatch,
                "mismatch:closed-early",
                format!(
                    "the connection ended ({:?}) after {} of {owed} owed replies",
                    obs.end, obs.frames
                ),
                true,
            ),
        };
    }
    if let Some(refused) = &obs.owed.refused {
        return refusal(obs, refused);
    }
    if obs.end == End::Stalled && ending == Ending::Fin {
        return suspect(
            FindingKind::Mismatch,
            "mismatch:no-eof",
            "never closed after the client's EOF".to_owned(),
            true,
        );
    }
    None
}

/// A session whose stream breaks the framing at a frame the server must
/// refuse, judged by how it refused (`framecheck_event::refusal`, the
/// outcomes of the `limits/*` cases): closing (with a reply first or not)
/// is no finding, nor is discarding the frame to its end, replying and
/// answering the frames after it, where the frame has an end a server can
/// know; accepting it, answering bytes of it as a message of their own
/// (desync), keeping the connection open without a word, or replying and
/// then not answering the frames after it are findings, named by their
/// outcome. A server still discarding a frame whose end was never sent
/// cannot be told from one waiting for it: no finding either way.
fn refusal(obs: &Observation, refused: &str) -> Option<Suspect> {
    let closed = match obs.end {
        End::Fin => Some(Closed {
            reset: false,
            after: obs.latency,
        }),
        End::Reset => Some(Closed {
            reset: true,
            after: obs.latency,
        }),
        _ => None,
    };
    let follow_up = match obs.owed.resume {
        Some(_) if obs.followed >= obs.owed.after.len() => FollowUp::Answered,
        Some(_) => FollowUp::Unanswered,
        None => FollowUp::NotSent,
    };
    let seen = Observed {
        closed,
        replies: obs.past.clone(),
        first_reply: None,
        over_limit_reply: obs.over_limit_reply,
        follow_up,
    };
    // Any close counts: the session's own deadline bounds the wait.
    let outcome = classify(&seen, Duration::MAX);
    let still_discarding = obs.owed.discardable && obs.owed.resume.is_none();
    let class = match outcome {
        Refusal::ReplyThenClose | Refusal::SilentClose | Refusal::LateClose => return None,
        Refusal::DiscardAndContinue if obs.owed.discardable => return None,
        Refusal::KeptOpen | Refusal::LostFraming if still_discarding => return None,
        Refusal::DiscardAndContinue => "refusal:discard-and-continue",
        Refusal::Accepted => "refusal:accepted",
        Refusal::Desync => "refusal:desync",
        Refusal::KeptOpen => "refusal:kept-open",
        Refusal::LostFraming => "refusal:lost-framing",
    };
    let what = match outcome {
        Refusal::Accepted => "processed a frame it must refuse".to_owned(),
        Refusal::Desync => {
            "answered bytes of a frame it must refuse as a message of their own".to_owned()
        }
        Refusal::KeptOpen => {
            "kept the connection open after a frame it must refuse, without a word".to_owned()
        }
        Refusal::LostFraming => format!(
            "replied after a frame it must refuse, then answered {} of the {} frames after it",
            obs.followed,
            obs.owed.after.len()
        ),
        _ => "replied and went on after a frame with no end it could know".to_owned(),
    };
    Some(Suspect {
        kind: FindingKind::Refusal,
        class,
        what: format!("{outcome}: {what} ({refused})"),
        probe: outcome == Refusal::KeptOpen,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::session::Expect;

    fn obs(owed: usize, frames: usize, end: End) -> Observation {
        Observation {
            owed: Expect {
                frames: (0..owed).map(|i| i..i + 1).collect(),
                ..Expect::default()
            },
            frames,
            bytes: frames,
            mismatch: None,
            end,
            latency: Duration::ZERO,
            sent: owed,
            past: Vec::new(),
            followed: 0,
            over_limit_reply: false,
        }
    }

    #[test]
    fn legitimate_behaviour_is_no_finding() {
        assert_eq!(judge(&obs(3, 3, End::Open), Ending::Open), None);
        assert_eq!(judge(&obs(3, 3, End::Fin), Ending::Fin), None);
        // A reset connection owes nothing it did not say.
        assert_eq!(judge(&obs(3, 0, End::Open), Ending::Rst), None);
        // A refused frame: answered before, then closed.
        let mut o = obs(1, 1, End::Fin);
        o.owed.refused = Some("too long".to_owned());
        assert_eq!(judge(&o, Ending::Open), None);
        let mut o = obs(2, 0, End::Reset);
        o.owed.refused = Some("too long".to_owned());
        assert_eq!(judge(&o, Ending::Open), None);
    }

    /// Issue 12: a refused frame is judged by how it was refused; closing
    /// and discarding-and-continuing are no findings, the others are named
    /// by their outcome.
    #[test]
    fn refusals_are_judged_by_their_outcome() {
        use framecheck_event::refusal::Seen;
        // An over-long line at 0..9, a discarding server resumes at 9 and
        // owes the frame at 9..12.
        let refused = |past: Vec<Seen>, followed: usize, end: End| {
            let mut o = obs(0, past.len() + followed, end);
            o.owed.refused = Some("too long".to_owned());
            o.owed.refused_at = Some(0);
            o.owed.discardable = true;
            o.owed.resume = Some(9);
            o.owed.after = std::iter::once(9..12).collect::<Vec<_>>();
            o.past = past;
            o.followed = followed;
            o
        };
        let class = |o: &Observation| judge(o, Ending::Open).map(|s| s.class);
        let table: [(&str, Observation, Option<&str>); 7] = [
            (
                "reply_then_close",
                refused(vec![Seen::Other], 0, End::Fin),
                None,
            ),
            ("silent_close", refused(vec![], 0, End::Reset), None),
            (
                "discard_and_continue",
                refused(vec![Seen::Other], 1, End::Stalled),
                None,
            ),
            (
                "accepted",
                refused(vec![Seen::RefusedFrame], 1, End::Stalled),
                Some("refusal:accepted"),
            ),
            (
                "desync",
                refused(vec![Seen::Other, Seen::RefusedTail], 1, End::Stalled),
                Some("refusal:desync"),
            ),
            (
                "lost_framing",
                refused(vec![Seen::Other], 0, End::Stalled),
                Some("refusal:lost-framing"),
            ),
            (
                "kept_open",
                refused(vec![], 0, End::Stalled),
                Some("refusal:kept-open"),
            ),
        ];
        for (name, o, want) in &table {
            assert_eq!(class(o), *want, "{name}");
        }
        let mut over = refused(vec![], 0, End::Stalled);
        over.over_limit_reply = true;
        assert_eq!(class(&over), Some("refusal:accepted"));
        // The line's end never sent: a server still discarding it cannot be
        // told from one waiting for it.
        let mut waiting = refused(vec![], 0, End::Stalled);
        waiting.owed.resume = None;
        waiting.owed.after.clear();
        assert_eq!(class(&waiting), None);
        // An unknown tag: replying and going on is a finding.
        let mut tag = refused(vec![Seen::Other], 0, End::Stalled);
        tag.owed.discardable = false;
        tag.owed.resume = None;
        tag.owed.after.clear();
        assert_eq!(class(&tag), Some("refusal:lost-framing"));
        let found = judge(&table[4].1, Ending::Open).expect("desync");
        assert!(found.what.starts_with("desync: "), "{}", found.what);
        assert_eq!(found.kind, FindingKind::Refusal);
    }

    #[test]
    fn each_oracle_names_its_kind() {
        let kind = |o: &Observation, e| judge(o, e).map(|s| s.kind);
        assert_eq!(
            kind(&obs(1, 0, End::Refused), Ending::Open),
            Some(FindingKind::Crash)
        );
        assert_eq!(
            kind(&obs(2, 1, End::Stalled), Ending::Open),
            Some(FindingKind::Hang)
        );
        assert_eq!(
            kind(&obs(2, 1, End::Fin), Ending::Open),
            Some(FindingKind::Mismatch)
        );
        let mut o = obs(1, 1, End::Stalled);
        o.owed.refused = Some("too long".to_owned());
        assert_eq!(kind(&o, Ending::Open), Some(FindingKind::Refusal));
        o.mismatch = Some((1, "reply 1 was never owed".to_owned()));
        assert_eq!(kind(&o, Ending::Open), Some(FindingKind::Refusal));
        let mut o = obs(2, 2, End::Open);
        o.mismatch = Some((0, "differs".to_owned()));
        assert_eq!(kind(&o, Ending::Open), Some(FindingKind::Mismatch));
    }
}
