//! Byte classes of a 64-byte block, one bit per byte, for the header-section
//! block scan ([`super::head`]), with AVX2, found at run time. Without AVX2
//! the block scan is not used: the portable scan runs.
//!
//! This module holds the framing crate's only `unsafe` code: the AVX2 loads
//! and compares of [`classes_avx2`], reached only through an [`Avx2`] token,
//! which exists only once the CPU is known to have AVX2. The scalar
//! [`classes`] is the reference the AVX2 version is tested against (every
//! byte value at every position), and the fuzz targets run the scan.
#![allow(unsafe_code)]

use super::is_tchar;

/// Two classes of the bytes of a block: bit `i` is byte `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Classes {
    /// Control bytes (below 0x20) and DEL: where a field line's value ends
    /// (its CR), or a byte the one-pass path leaves to the exact one.
    pub(super) ctl: u64,
    /// Bytes that are not tchar (RFC 9110 section 5.6.2): where a field
    /// name ends (its colon, or a byte that makes the line malformed).
    pub(super) delim: u64,
}

/// Something that classifies a block; [`Avx2`] when the CPU has it.
pub(super) trait Classify: Copy {
    /// The classes of the 64 bytes of `block`.
    fn classes(self, block: &[u8; 64]) -> Classes;
}

/// The reference classification, a byte at a time.
#[cfg_attr(
    all(not(test), target_arch = "x86_64"),
    expect(
        dead_code,
        reason = "the reference the AVX2 classes are tested against"
    )
)]
pub(super) fn classes(block: &[u8; 64]) -> Classes {
    let mut c = Classes { ctl: 0, delim: 0 };
    for (i, &b) in block.iter().enumerate() {
        c.ctl |= u64::from(b < 0x20 || b == 0x7f) << i;
        c.delim |= u64::from(!is_tchar(b)) << i;
    }
    c
}

/// Proof that the CPU has AVX2: made only by [`Avx2::detect`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Avx2(());

impl Avx2 {
    /// The token, if this CPU has AVX2.
    #[inline]
    pub(super) fn detect() -> Option<Avx2> {
        #[cfg(test)]
        if tests::PORTABLE.with(std::cell::Cell::get) {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Some(Avx2(()));
        }
        None
    }
}

/// For each high nibble 2 to 7 (where every tchar is) one bit; the low
/// nibble table sets that bit for each low nibble that makes a tchar with
/// it. A byte is a tchar when its two entries share a bit. Each table twice:
/// `vpshufb` looks up within each 16-byte lane.
const NIBBLES: ([u8; 32], [u8; 32]) = {
    let (mut lo, mut hi) = ([0u8; 32], [0u8; 32]);
    let mut h = 2;
    while h < 8 {
        let bit = 1 << (h - 2);
        hi[h] = bit;
        hi[h + 16] = bit;
        let mut l = 0;
        while l < 16 {
            // h * 16 + l < 128: the cast is exact.
            #[expect(clippy::cast_possible_truncation, reason = "below 128")]
            let b = (h * 16 + l) as u8;
            if super::tchar(b) {
                lo[l] |= bit;
                lo[l + 16] |= bit;
            }
            l += 1;
        }
        h += 1;
    }
    (lo, hi)
};

#[cfg(target_arch = "x86_64")]
impl Classify for Avx2 {
    #[inline]
    fn classes(self, block: &[u8; 64]) -> Classes {
        // SAFETY: `self` exists only if the CPU has AVX2 (`Avx2::detect`).
        unsafe { classes_avx2(block) }
    }
}

/// The classes with AVX2: two 32-byte halves; per half, control bytes as
/// those equal to their minimum with 0x1F, or to DEL; tchar by the nibble
/// tables.
///
/// Never inlined: its masks reach the scan as plain integers. (Inlined, LLVM
/// carries them as vectors of bits across the scan's loop and rebuilds
/// them a bit at a time, which measured slower than the call.)
///
/// # Safety
///
/// The CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline(never)]
#[expect(
    clippy::cast_ptr_alignment,
    reason = "_mm256_loadu_si256 reads unaligned"
)]
unsafe fn classes_avx2(block: &[u8; 64]) -> Classes {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256};
    // SAFETY: the caller's (AVX2); every load reads 32 bytes within a 32- or
    // 64-byte array.
    unsafe {
        let tables = (
            _mm256_loadu_si256(NIBBLES.0.as_ptr().cast::<__m256i>()),
            _mm256_loadu_si256(NIBBLES.1.as_ptr().cast::<__m256i>()),
        );
        let p = block.as_ptr();
        let (c0, d0) = half(_mm256_loadu_si256(p.cast::<__m256i>()), tables);
        let (c1, d1) = half(_mm256_loadu_si256(p.add(32).cast::<__m256i>()), tables);
        Classes {
            ctl: c0 | c1 << 32,
            delim: d0 | d1 << 32,
        }
    }
}

/// [`Avx2::classes`] of 32 bytes: the control and delimiter bits.
///
/// # Safety
///
/// The CPU has AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn half(
    v: std::arch::x86_64::__m256i,
    (lo_table, hi_table): (std::arch::x86_64::__m256i, std::arch::x86_64::__m256i),
) -> (u64, u64) {
    use std::arch::x86_64::{
        _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_setzero_si256, _mm256_shuffle_epi8,
        _mm256_srli_epi16,
    };
    // SAFETY: the caller's: the CPU has AVX2. (From Rust 1.87 on these
    // intrinsics are safe in an AVX2 function; our MSRV, 1.85, needs the block.)
    #[allow(unused_unsafe, reason = "needed before Rust 1.87 (MSRV 1.85)")]
    unsafe {
        let low4 = _mm256_set1_epi8(0x0f);
        let ctl = _mm256_or_si256(
            _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v),
            _mm256_cmpeq_epi8(v, _mm256_set1_epi8(0x7f)),
        );
        let lo = _mm256_shuffle_epi8(lo_table, _mm256_and_si256(v, low4));
        let hi = _mm256_shuffle_epi8(hi_table, _mm256_and_si256(_mm256_srli_epi16::<4>(v), low4));
        let delim = _mm256_cmpeq_epi8(_mm256_and_si256(lo, hi), _mm256_setzero_si256());
        // The move-masks' 32 bits, as unsigned.
        #[expect(clippy::cast_sign_loss, reason = "the mask's bits, not a number")]
        (
            u64::from(_mm256_movemask_epi8(ctl) as u32),
            u64::from(_mm256_movemask_epi8(delim) as u32),
        )
    }
}

#[cfg(not(target_arch = "x86_64"))]
impl Classify for Avx2 {
    fn classes(self, block: &[u8; 64]) -> Classes {
        classes(block)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    thread_local! {
        /// Set: this thread's scans take the portable path, as on a CPU
        /// without AVX2.
        pub(in crate::http1) static PORTABLE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    #[test]
    fn nibble_tables_give_tchar() {
        for b in 0..=255u8 {
            let (lo, hi) = (
                NIBBLES.0[usize::from(b & 15)],
                NIBBLES.1[usize::from(b >> 4)],
            );
            assert_eq!(lo & hi != 0, is_tchar(b), "byte {b:#04x}");
        }
    }

    /// Every byte value at every position, in a block of another value.
    #[test]
    fn avx2_classes_equal_the_table() {
        let Some(avx2) = Avx2::detect() else {
            eprintln!("no AVX2 on this CPU: nothing to compare");
            return;
        };
        for b in 0..=255u8 {
            for fill in [b'a', b' ', 0, 0xff] {
                for at in 0..64 {
                    let mut block = [fill; 64];
                    block[at] = b;
                    assert_eq!(
                        avx2.classes(&block),
                        classes(&block),
                        "byte {b:#04x} at {at}"
                    );
                }
            }
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..10_000 {
            let mut block = [0u8; 64];
            for b in &mut block {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x.to_le_bytes()[3];
            }
            assert_eq!(avx2.classes(&block), classes(&block));
        }
    }
}
