//! A tiny seeded generator, so random schedules replay exactly everywhere.

/// `SplitMix64` (Steele, Lea and Flood, 2014): one 64-bit state, full period,
/// good enough to spread piece sizes, and the same on every platform.
///
/// ```
/// use framecheck_framing::schedule::SplitMix64;
/// let mut a = SplitMix64::new(42);
/// let mut b = SplitMix64::new(42);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!((3..=9).contains(&a.range(3, 9)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi` (`lo <= hi`), by the multiply-shift method.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(lo <= hi);
        let span = u128::from(hi - lo) + 1;
        let scaled = (u128::from(self.next_u64()) * span) >> 64;
        // scaled < span <= 2^64, so it fits.
        lo + u64::try_from(scaled).unwrap_or(u64::MAX)
    }

    /// A size in `lo..=hi` drawn from a Pareto law with alpha 1: `lo / u`
    /// for `u` uniform in (0, 1], clamped to `hi`. Integer arithmetic only,
    /// so every platform draws the same sizes.
    pub fn heavy(&mut self, lo: u64, hi: u64) -> u64 {
        debug_assert!(1 <= lo && lo <= hi);
        // u = k / 2^53 with k in 1..=2^53, so lo / u = lo * 2^53 / k.
        let k = (self.next_u64() >> 11) + 1;
        let x = (u128::from(lo) << 53) / u128::from(k);
        u64::try_from(x).map_or(hi, |x| x.clamp(lo, hi))
    }

    /// A generator derived from this seed and a stream index (per connection).
    pub fn derive(seed: u64, index: u64) -> u64 {
        SplitMix64::new(seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03)).next_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_first_outputs() {
        // Reference values of SplitMix64 seeded with 0.
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(g.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn range_covers_both_ends() {
        let mut g = SplitMix64::new(1);
        let mut seen = [false; 4];
        for _ in 0..200 {
            let v = g.range(5, 8);
            assert!((5..=8).contains(&v));
            seen[usize::try_from(v - 5).unwrap_or(0)] = true;
        }
        assert_eq!(seen, [true; 4]);
    }

    #[test]
    fn heavy_is_mostly_small_sometimes_large() {
        let mut g = SplitMix64::new(3);
        let draws: Vec<u64> = (0..10_000).map(|_| g.heavy(1, 1 << 20)).collect();
        let small = draws.iter().filter(|&&d| d <= 2).count();
        let large = draws.iter().filter(|&&d| d >= 1000).count();
        // floor(1/u) <= 2 when u > 1/3: about 2/3; x >= 1000 about 1/1000.
        assert!((6000..7300).contains(&small), "{small}");
        assert!((1..100).contains(&large), "{large}");
        assert!(draws.iter().all(|&d| (1..=1 << 20).contains(&d)));
    }
}
