//! Feedback without instrumentation: what the server did, in coarse
//! classes. A session whose behaviour has a signature not seen before is
//! kept in the corpus.

use std::collections::HashSet;
use std::hash::{Hash as _, Hasher as _};

use crate::exec::Observation;

/// `floor(log2(n)) + 1`, 0 for 0: the size class of a count.
fn class(n: u64) -> u32 {
    64 - n.leading_zeros()
}

/// The behaviour class of one observation: reply-frame count class, reply
/// length class, how the connection ended, latency bucket (powers of two of
/// 64 µs), and whether the server owed a refusal or was left waiting.
pub fn signature(obs: &Observation) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    class(obs.frames as u64).hash(&mut h);
    class(obs.bytes as u64).hash(&mut h);
    obs.end.hash(&mut h);
    class(u64::try_from(obs.latency.as_micros() / 64).unwrap_or(u64::MAX)).hash(&mut h);
    obs.owed.refused.is_some().hash(&mut h);
    obs.owed.partial.hash(&mut h);
    obs.mismatch.is_some().hash(&mut h);
    h.finish()
}

/// The signatures seen so far.
#[derive(Debug, Default)]
pub struct Seen(HashSet<u64>);

impl Seen {
    /// Record `obs`; whether its signature is new.
    pub fn novel(&mut self, obs: &Observation) -> bool {
        self.0.insert(signature(obs))
    }

    /// How many signatures are known.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::exec::End;
    use crate::session::Expect;

    #[test]
    fn new_behaviour_is_novel_once() {
        let mut o = Observation {
            owed: Expect::default(),
            frames: 3,
            bytes: 30,
            mismatch: None,
            end: End::Open,
            latency: Duration::from_micros(100),
            sent: 3,
            past: Vec::new(),
            followed: 0,
            over_limit_reply: false,
        };
        let mut seen = Seen::default();
        assert!(seen.novel(&o));
        assert!(!seen.novel(&o));
        o.bytes = 31; // same length class
        assert!(!seen.novel(&o));
        o.frames = 1000;
        assert!(seen.novel(&o));
        o.end = End::Fin;
        assert!(seen.novel(&o));
        assert_eq!(seen.len(), 3);
    }
}
