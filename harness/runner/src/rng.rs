//! A tiny seeded generator (`SplitMix64`): every random choice of a run derives
//! from `--seed`, and each case gets its own stream so that selecting or
//! skipping other cases does not change it.

/// `SplitMix64`: fast, tiny, and good enough to pick cut points.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for `seed`, mixed with a case id so each case has its own.
    pub(crate) fn for_case(seed: u64, id: &str) -> Rng {
        // FNV-1a of the id, so the stream depends on the case, not its position.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in id.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Rng(seed ^ h)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi` (`lo` if the range is empty).
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo {
            return lo;
        }
        let span = (hi - lo) as u64 + 1;
        // The remainder is below `span`, which came from a usize.
        lo + usize::try_from(self.next_u64() % span).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(seed: u64, id: &str) -> Vec<u64> {
        let mut rng = Rng::for_case(seed, id);
        (0..4).map(|_| rng.next_u64()).collect()
    }

    #[test]
    fn same_seed_and_id_same_stream_other_id_other_stream() {
        assert_eq!(stream(7, "x"), stream(7, "x"));
        assert_ne!(stream(7, "x"), stream(7, "y"));
        assert_ne!(stream(7, "x"), stream(8, "x"));
        let mut rng = Rng::for_case(1, "z");
        for _ in 0..1000 {
            let v = rng.range(3, 9);
            assert!((3..=9).contains(&v));
        }
        assert_eq!(rng.range(5, 5), 5);
    }
}
