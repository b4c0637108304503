//! The oracles: what in an [`Observation`] is a finding, and of which kind.
//! Legitimate behaviour is never one: a frame declared longer than what was
//! sent gets no reply (the server is waiting), a refused frame gets none
//! either, and what a reset connection did not say is not judged.

use std::fmt;

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
    if obs.end == End::Stalled {
        if let Some(refused) = &obs.owed.refused {
            return suspect(
                FindingKind::Refusal,
                "refusal:kept-open",
                format!("kept the connection open after a frame it must refuse: {refused}"),
                true,
            );
        }
        if ending == Ending::Fin {
            return suspect(
                FindingKind::Mismatch,
                "mismatch:no-eof",
                "never closed after the client's EOF".to_owned(),
                true,
            );
        }
    }
    None
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
