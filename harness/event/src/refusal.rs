//! How a server refused a frame over its limit: the outcomes of the
//! `limits/*` cases, and the pure function that tells them apart from what
//! a client observed ([`classify`]), for any case group or fuzzer that
//! sends a frame the server must refuse.
//!
//! ```
//! use std::time::Duration;
//! use framecheck_event::refusal::{Closed, FollowUp, Observed, Refusal, Seen, classify};
//!
//! // beanstalkd: discards the over-long line up to its CRLF, replies
//! // BAD_FORMAT, and answers the next command.
//! let discard = Observed {
//!     closed: None,
//!     replies: vec![Seen::Other],
//!     first_reply: Some(Duration::from_millis(1)),
//!     over_limit_reply: false,
//!     follow_up: FollowUp::Answered,
//! };
//! assert_eq!(classify(&discard, Duration::from_millis(250)), Refusal::DiscardAndContinue);
//! // A reply to the canary hidden in the refused frame: a desync.
//! let desync = Observed { replies: vec![Seen::Other, Seen::Canary], ..discard };
//! assert_eq!(classify(&desync, Duration::from_millis(250)), Refusal::Desync);
//! assert!(!Refusal::Desync.conforms());
//! # let _ = Closed { reset: false, after: Duration::ZERO };
//! ```

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// How a server dealt with a frame over its limit. Every outcome is
/// reported as itself; [`Refusal::conforms`] says which ones meet the
/// `limits/*` requirements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    /// Replied (an error, or the replies to earlier frames), then closed
    /// promptly (FIN or RST).
    ReplyThenClose,
    /// Closed promptly (FIN or RST) without a reply.
    SilentClose,
    /// Read and dropped the refused frame up to its end (delimiter or
    /// declared count), replied an error and went on framing correctly: a
    /// well-formed message after it got its proper reply.
    DiscardAndContinue,
    /// Processed the over-limit frame (answered it, or its reply broke the
    /// limit itself).
    Accepted,
    /// Answered bytes of the refused frame as a message of their own (the
    /// canary hidden in it got a reply): the root of request smuggling.
    Desync,
    /// Closed, but only well after the limit was crossed: an idle timeout or
    /// a buffer valve, not a limit.
    LateClose,
    /// Neither closed, nor replied, nor answered: the server still waits
    /// for the rest of the frame (or ignores it).
    KeptOpen,
    /// Replied to the refused frame and kept the connection, but a
    /// well-formed message after it got no proper reply: it lost the
    /// framing.
    LostFraming,
}

impl Refusal {
    /// Every outcome, in report order.
    pub const ALL: [Refusal; 8] = [
        Refusal::ReplyThenClose,
        Refusal::SilentClose,
        Refusal::DiscardAndContinue,
        Refusal::Accepted,
        Refusal::Desync,
        Refusal::LateClose,
        Refusal::KeptOpen,
        Refusal::LostFraming,
    ];

    /// The kebab-case name (`discard-and-continue`).
    pub fn name(self) -> &'static str {
        match self {
            Refusal::ReplyThenClose => "reply-then-close",
            Refusal::SilentClose => "silent-close",
            Refusal::DiscardAndContinue => "discard-and-continue",
            Refusal::Accepted => "accepted",
            Refusal::Desync => "desync",
            Refusal::LateClose => "late-close",
            Refusal::KeptOpen => "kept-open",
            Refusal::LostFraming => "lost-framing",
        }
    }

    /// Whether the outcome is a legitimate refusal: closing promptly (with
    /// or without a reply) or discarding and continuing.
    pub fn conforms(self) -> bool {
        matches!(
            self,
            Refusal::ReplyThenClose | Refusal::SilentClose | Refusal::DiscardAndContinue
        )
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The server ended the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed {
    /// With RST rather than FIN.
    pub reset: bool,
    /// How long after the byte that crossed the limit.
    pub after: Duration,
}

/// One reply frame received before the follow-up message was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The answer to the canary hidden in the refused frame.
    Canary,
    /// The refused frame itself, answered (echoed).
    RefusedFrame,
    /// The last bytes of the refused frame, answered as a message of their
    /// own (an echo of its tail): a desync even without the canary.
    RefusedTail,
    /// Anything else: an error reply, or a reply to an earlier message.
    Other,
}

/// What became of the well-formed message sent after the refused one, on a
/// connection the server kept open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// Not sent: the connection ended first, or nothing asked for it.
    NotSent,
    /// It got its proper reply.
    Answered,
    /// It got no reply, or a wrong one.
    Unanswered,
}

/// What a client saw after sending a frame the server must refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// How and when the server ended the connection, if it did before the
    /// follow-up message.
    pub closed: Option<Closed>,
    /// Reply frames received before the follow-up message, in order.
    pub replies: Vec<Seen>,
    /// When the first of them arrived, after the byte that crossed the
    /// limit.
    pub first_reply: Option<Duration>,
    /// A reply broke the framing by being over the limit itself (the
    /// over-limit frame came back).
    pub over_limit_reply: bool,
    /// The follow-up message's fate.
    pub follow_up: FollowUp,
}

/// The outcome `o` shows; a close counts as a refusal only when it, or the
/// first reply before it, came within `prompt` of the byte that crossed the
/// limit.
///
/// A reply to the canary, or to the refused frame's tail, wins over
/// everything (a desync is the worst outcome and its evidence is
/// unambiguous), then the refused frame answered; then how the connection
/// ended.
pub fn classify(o: &Observed, prompt: Duration) -> Refusal {
    if o.replies.contains(&Seen::Canary) || o.replies.contains(&Seen::RefusedTail) {
        return Refusal::Desync;
    }
    if o.over_limit_reply || o.replies.contains(&Seen::RefusedFrame) {
        return Refusal::Accepted;
    }
    let replied_promptly = o.first_reply.is_some_and(|t| t <= prompt);
    match o.closed {
        Some(c) if o.replies.is_empty() && c.after <= prompt => Refusal::SilentClose,
        Some(c) if !o.replies.is_empty() && (c.after <= prompt || replied_promptly) => {
            Refusal::ReplyThenClose
        }
        Some(_) => Refusal::LateClose,
        None if o.replies.is_empty() => Refusal::KeptOpen,
        None if o.follow_up == FollowUp::Answered => Refusal::DiscardAndContinue,
        None => Refusal::LostFraming,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_observation_has_one_outcome() {
        use FollowUp::{Answered, NotSent, Unanswered};
        let prompt = Duration::from_millis(250);
        let soon = Some(Closed {
            reset: false,
            after: Duration::from_millis(3),
        });
        let late = Some(Closed {
            reset: true,
            after: Duration::from_secs(2),
        });
        let o = |closed, replies: &[Seen], over, follow_up| Observed {
            closed,
            replies: replies.to_vec(),
            first_reply: (!replies.is_empty()).then_some(Duration::from_millis(2)),
            over_limit_reply: over,
            follow_up,
        };
        let table = [
            (o(soon, &[], false, NotSent), Refusal::SilentClose),
            (
                o(soon, &[Seen::Other], false, NotSent),
                Refusal::ReplyThenClose,
            ),
            (o(late, &[], false, NotSent), Refusal::LateClose),
            (
                o(late, &[Seen::Other], false, NotSent),
                Refusal::ReplyThenClose,
            ),
            (
                o(None, &[Seen::Other], false, Answered),
                Refusal::DiscardAndContinue,
            ),
            (
                o(None, &[Seen::Other], false, Unanswered),
                Refusal::LostFraming,
            ),
            (o(None, &[], false, Unanswered), Refusal::KeptOpen),
            (o(None, &[], true, NotSent), Refusal::Accepted),
            (
                o(None, &[Seen::RefusedFrame], false, Answered),
                Refusal::Accepted,
            ),
            (
                o(soon, &[Seen::Other, Seen::Canary], false, NotSent),
                Refusal::Desync,
            ),
            (
                o(None, &[Seen::RefusedFrame, Seen::Canary], true, Answered),
                Refusal::Desync,
            ),
        ];
        for (obs, want) in table {
            assert_eq!(classify(&obs, prompt), want, "{obs:?}");
        }
        // A late reply and a late close: no refusal, an idle timeout.
        let slow = Observed {
            first_reply: Some(Duration::from_secs(1)),
            ..o(late, &[Seen::Other], false, NotSent)
        };
        assert_eq!(classify(&slow, prompt), Refusal::LateClose);
        let conforming: Vec<Refusal> = Refusal::ALL.into_iter().filter(|r| r.conforms()).collect();
        assert_eq!(
            conforming,
            [
                Refusal::ReplyThenClose,
                Refusal::SilentClose,
                Refusal::DiscardAndContinue
            ]
        );
        let mut names: Vec<&str> = Refusal::ALL.iter().map(|r| r.name()).collect();
        names.dedup();
        assert_eq!(names.len(), Refusal::ALL.len());
    }
}
