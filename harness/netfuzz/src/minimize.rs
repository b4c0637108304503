//! Shrinking a finding's session while it still fails: drop messages, lower
//! repeat counts, shrink payloads (length fields are written from the
//! payload at render time, so they stay consistent; a declared-length lie
//! keeps its value), then coarsen the schedule and the ending. The caller's
//! check runs the candidate against the live server (k of n times).

use std::time::Instant;

use crate::session::{Ending, Session};

/// How far minimization may go.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// The most checks.
    pub checks: usize,
    /// When to stop in any case.
    pub deadline: Instant,
}

/// What minimization did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minimized {
    /// The smallest session found that still fails.
    pub session: Session,
    /// Checks run.
    pub checks: usize,
    /// Whether it stopped for the budget rather than for lack of progress.
    pub exhausted: bool,
}

struct Shrinker<'c> {
    check: &'c mut dyn FnMut(&Session) -> bool,
    budget: Budget,
    checks: usize,
    best: Session,
}

impl Shrinker<'_> {
    fn spent(&self) -> bool {
        self.checks >= self.budget.checks || Instant::now() >= self.budget.deadline
    }

    /// Keep `candidate` if it still fails.
    fn try_keep(&mut self, candidate: Session) -> bool {
        if candidate == self.best || self.spent() {
            return false;
        }
        self.checks += 1;
        if (self.check)(&candidate) {
            self.best = candidate;
            true
        } else {
            false
        }
    }

    fn drop_messages(&mut self) {
        let mut chunk = self.best.messages.len().div_ceil(2);
        while chunk >= 1 && self.best.messages.len() > 1 {
            let mut start = 0;
            while start < self.best.messages.len() && self.best.messages.len() > 1 {
                let mut c = self.best.clone();
                let end = (start + chunk).min(c.messages.len());
                c.messages.drain(start..end);
                if c.messages.is_empty() || !self.try_keep(c) {
                    start += chunk;
                }
            }
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
    }

    fn lower_repeats(&mut self) {
        for i in 0..self.best.messages.len() {
            let mut lo = 1;
            let mut hi = self.best.messages[i].repeat;
            // The smallest count that still fails, if failing is monotone.
            while lo < hi && !self.spent() {
                let mid = lo + (hi - lo) / 2;
                let mut c = self.best.clone();
                c.messages[i].repeat = mid;
                if self.try_keep(c) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
        }
    }

    fn shrink_payloads(&mut self) {
        for i in 0..self.best.messages.len() {
            let mut c = self.best.clone();
            if c.messages[i].lie.take().is_some() {
                self.try_keep(c);
            }
            let mut chunk = self.best.messages[i].payload.len().div_ceil(2);
            while chunk >= 1 && !self.spent() {
                let mut start = 0;
                while start < self.best.messages[i].payload.len() && !self.spent() {
                    let mut c = self.best.clone();
                    let p = &mut c.messages[i].payload;
                    let end = (start + chunk).min(p.len());
                    p.drain(start..end);
                    if !self.try_keep(c) {
                        start += chunk;
                    }
                }
                if chunk == 1 {
                    break;
                }
                chunk = chunk.div_ceil(2);
            }
        }
    }

    fn coarsen(&mut self) {
        if self.best.schedule != "whole" {
            let mut c = self.best.clone();
            "whole".clone_into(&mut c.schedule);
            self.try_keep(c);
        }
        for ending in [Ending::Open, Ending::Fin] {
            if self.best.ending != ending {
                let mut c = self.best.clone();
                c.ending = ending;
                if self.try_keep(c) {
                    break;
                }
            }
        }
    }
}

/// Shrink `session` while `check` says it still fails, within `budget`.
/// `check` is not called on `session` itself: it is taken to fail.
pub fn minimize(
    session: &Session,
    budget: Budget,
    check: &mut dyn FnMut(&Session) -> bool,
) -> Minimized {
    let mut s = Shrinker {
        check,
        budget,
        checks: 0,
        best: session.clone(),
    };
    loop {
        let before = s.best.clone();
        s.drop_messages();
        s.lower_repeats();
        s.shrink_payloads();
        s.coarsen();
        if s.best == before || s.spent() {
            break;
        }
    }
    let exhausted = s.spent();
    let mut session = s.best;
    session.messages = crate::session::coalesce(session.messages);
    Minimized {
        exhausted,
        checks: s.checks,
        session,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::session::{Lie, Message};

    #[test]
    fn shrinks_to_what_the_check_needs() {
        let mut noisy = Message::new(Vec::new(), b"xxxxxx%nyyyyyyyy".to_vec());
        noisy.lie = Some(Lie::Tag { byte: 1 });
        let mut counted = Message::new(Vec::new(), b"abc".to_vec());
        counted.repeat = 4000;
        let mut session = Session::new(vec![
            Message::new(Vec::new(), b"first".to_vec()),
            noisy,
            counted,
            Message::new(Vec::new(), b"last".to_vec()),
        ]);
        session.schedule = "rand:1..8/seed=3".to_owned();
        session.ending = Ending::Idle;
        // Fails when some payload holds %n and 1000 messages or more are sent.
        let mut check = |s: &Session| {
            s.messages
                .iter()
                .any(|m| m.payload.windows(2).any(|w| w == b"%n"))
                && s.sent_count() >= 1000
        };
        let budget = Budget {
            checks: 10_000,
            deadline: Instant::now() + Duration::from_secs(30),
        };
        let m = minimize(&session, budget, &mut check);
        assert!(check(&m.session));
        assert_eq!(m.session.sent_count(), 1000, "{:?}", m.session);
        assert_eq!(m.session.schedule, "whole");
        assert_eq!(m.session.ending, Ending::Open);
        let total: usize = m.session.messages.iter().map(|m| m.payload.len()).sum();
        assert_eq!(total, 2, "{:?}", m.session);
        assert!(m.session.messages.iter().all(|m| m.lie.is_none()));
    }
}
