//! The clock of the paired benchmarks: on-CPU time of this thread where
//! Linux reports it finely, else the wall clock; and the median.

use std::hint::black_box;
use std::time::Instant;

/// Mean ns per call over `iters` back-to-back calls: on-CPU time of this
/// thread where Linux reports it finely, so time spent descheduled by the
/// other work on a shared machine does not count; else wall-clock time.
pub fn time(run: &dyn Fn() -> u64, iters: u32) -> f64 {
    let fine = cpu_clock_is_fine();
    let (wall, cpu) = (Instant::now(), cpu_ns().filter(|_| fine));
    for _ in 0..iters {
        black_box(run());
    }
    let ns = match (cpu, cpu_ns()) {
        (Some(a), Some(b)) if b > a => to_f64_u64(b - a),
        _ => wall.elapsed().as_secs_f64() * 1e9,
    };
    ns / f64::from(iters)
}

/// Whether `/proc/thread-self/schedstat` counts on-CPU time finely. On some
/// kernels (seen on a 2-core VM) it only moves at scheduler ticks, in 4 ms
/// steps, which would quantize 10 ms timings into a few values; there the
/// wall clock is the better measure. Probed once: five 1 ms busy spins must
/// each show between 0.5 and 2 ms of CPU time.
pub fn cpu_clock_is_fine() -> bool {
    static FINE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *FINE.get_or_init(|| {
        let fine = (0..5).all(|_| {
            let (Some(a), wall) = (cpu_ns(), Instant::now()) else {
                return false;
            };
            while wall.elapsed().as_micros() < 1000 {
                black_box(0);
            }
            cpu_ns().is_some_and(|b| (500_000..2_000_000).contains(&b.saturating_sub(a)))
        });
        eprintln!(
            "timing with {}",
            if fine {
                "this thread's on-CPU time (schedstat)"
            } else {
                "the wall clock (schedstat is coarse or missing here)"
            }
        );
        fine
    })
}

/// This thread's time on a CPU so far, in ns: the first field of
/// `/proc/thread-self/schedstat`.
pub fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// `n` as a float (durations in ns, far below 2^52).
#[expect(clippy::cast_precision_loss, reason = "durations far below 2^52 ns")]
pub fn to_f64_u64(n: u64) -> f64 {
    n as f64
}

/// The median of `v` (the mean of the middle two for an even count).
pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        f64::midpoint(v[n / 2 - 1], v[n / 2])
    }
}

/// `n` as a float (stream lengths, far below 2^52).
#[expect(clippy::cast_precision_loss, reason = "stream lengths far below 2^52")]
pub fn to_f64(n: usize) -> f64 {
    n as f64
}

/// Time `a` and `b` in `rounds` paired rounds, back to back in alternating
/// order (so drift and load hit both alike), each round enough iterations
/// for about 10 ms: the nanoseconds of one iteration of each, per round.
pub fn paired(a: &dyn Fn() -> u64, b: &dyn Fn() -> u64, rounds: usize) -> (Vec<f64>, Vec<f64>) {
    let iters = |f: &dyn Fn() -> u64| {
        let once = time(f, 1).max(1.0);
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped"
        )]
        let n = (10e6 / once).clamp(1.0, 10_000.0) as u32;
        n
    };
    let (ia, ib) = (iters(a), iters(b));
    let (mut ta, mut tb) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds {
        if round % 2 == 0 {
            ta.push(time(a, ia));
            tb.push(time(b, ib));
        } else {
            tb.push(time(b, ib));
            ta.push(time(a, ia));
        }
    }
    (ta, tb)
}
