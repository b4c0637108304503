//! Every strategy beside tokio-util's codecs, measured in paired rounds:
//! each round times framecheck and every codec on the same stream and
//! chunking back to back (order alternating), so a noisy machine slows both
//! sides alike. Prints the table of [`framecheck_bench::table`] with median
//! throughputs and, as ratios, the median of the per-round ratios.
//!
//! ```text
//! side_by_side [--rounds N] [--ms M] [FILTER]
//! ```
//!
//! Times are this thread's on-CPU time (`/proc/thread-self/schedstat`),
//! so the other work on a shared machine inflates them less than it does
//! wall-clock time; where schedstat only moves at scheduler ticks (probed at
//! start, said on stderr), wall-clock time. `--rounds` (default 15) is the number of paired rounds, `--ms` (default
//! 10) the time each timing aims at; `FILTER` keeps the cases whose
//! `<strategy> <frame>/<chunking>` contains it.

use std::process::ExitCode;

use framecheck_bench::clock::{median, time, to_f64};
use framecheck_bench::table::{FASTEST, FRAMECHECK, MEMCHR, Results};
use framecheck_bench::{
    CHUNKINGS, Chunking, STRATEGIES, STREAM_LEN, Strategy, Stream, build, framecheck, scan_limit,
    tokio,
};

struct Options {
    rounds: usize,
    ms: f64,
    filter: String,
}

fn main() -> ExitCode {
    let Some(opts) = parse(std::env::args().skip(1).collect()) else {
        eprintln!("usage: side_by_side [--rounds N] [--ms M] [FILTER]");
        return ExitCode::from(2);
    };
    let mut results = Results::default();
    for strategy in STRATEGIES {
        for &frame in strategy.frame_sizes() {
            let s = build(strategy, frame, STREAM_LEN);
            for chunking in CHUNKINGS {
                let case = format!("{} {frame}/{}", strategy.label(), chunking.label());
                if case.contains(&opts.filter) {
                    eprintln!("{case}");
                    measure_case(&opts, strategy, frame, &s, chunking, &mut results);
                }
            }
        }
    }
    if results.is_empty() {
        eprintln!("side_by_side: no case matches {:?}", opts.filter);
        return ExitCode::from(2);
    }
    print!("{}", results.render());
    ExitCode::SUCCESS
}

fn parse(args: Vec<String>) -> Option<Options> {
    let mut opts = Options {
        rounds: 15,
        ms: 10.0,
        filter: String::new(),
    };
    let mut args = args.into_iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rounds" => opts.rounds = args.next()?.parse().ok().filter(|&n| n > 0)?,
            "--ms" => opts.ms = args.next()?.parse().ok().filter(|&m: &f64| m > 0.0)?,
            _ if opts.filter.is_empty() && !a.starts_with('-') => opts.filter = a,
            _ => return None,
        }
    }
    Some(opts)
}

/// One driver: a label and a closure decoding the whole stream once.
type Driver<'a> = (&'static str, Box<dyn Fn() -> u64 + 'a>);

fn measure_case(
    opts: &Options,
    strategy: Strategy,
    frame: usize,
    s: &Stream,
    chunking: Chunking,
    results: &mut Results,
) {
    // The codecs read the same frames; for a framing they have no codec
    // for, the same frames with the nearest length field they read.
    let owned;
    let peer: &Stream = if strategy.peer() == strategy {
        s
    } else {
        owned = build(strategy.peer(), frame, STREAM_LEN);
        &owned
    };
    let mut drivers: Vec<Driver<'_>> = vec![(
        FRAMECHECK,
        Box::new(move || framecheck(&s.spec, &s.bytes, chunking).frames),
    )];
    for &codec in strategy.codecs() {
        drivers.push((
            codec.label(),
            Box::new(move || tokio(codec, &peer.spec, &peer.bytes, chunking).frames),
        ));
    }
    if let (Some(delim), Chunking::Whole) = (strategy.delimiter(), chunking) {
        drivers.push((MEMCHR, Box::new(move || scan_limit(delim, &s.bytes))));
    }
    // Iterations per timing, so that one timing lasts about `ms`.
    let iters: Vec<u32> = drivers
        .iter()
        .map(|(_, run)| {
            let once = time(run.as_ref(), 1).max(1.0);
            let n = (opts.ms * 1e6 / once).clamp(1.0, 10_000.0);
            // Whole iterations, at most 10 000: the cast cannot truncate.
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "clamped above"
            )]
            let n = n as u32;
            n
        })
        .collect();
    // ns per iteration, by driver, by round.
    let mut ns: Vec<Vec<f64>> = vec![Vec::with_capacity(opts.rounds); drivers.len()];
    for round in 0..opts.rounds {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..drivers.len()).collect()
        } else {
            (0..drivers.len()).rev().collect()
        };
        for i in order {
            ns[i].push(time(drivers[i].1.as_ref(), iters[i]));
        }
    }
    let bytes = to_f64(s.bytes.len());
    for (i, (label, _)) in drivers.iter().enumerate() {
        results.set_speed(strategy, frame, label, chunking, bytes / median(&ns[i]));
    }
    let codecs = 1..=strategy.codecs().len();
    for i in codecs.clone() {
        let per_round: Vec<f64> = (0..opts.rounds).map(|r| ns[i][r] / ns[0][r]).collect();
        results.set_ratio(strategy, frame, drivers[i].0, chunking, median(&per_round));
    }
    if !codecs.is_empty() {
        let per_round: Vec<f64> = (0..opts.rounds)
            .map(|r| {
                codecs
                    .clone()
                    .map(|i| ns[i][r])
                    .fold(f64::INFINITY, f64::min)
                    / ns[0][r]
            })
            .collect();
        results.set_ratio(strategy, frame, FASTEST, chunking, median(&per_round));
    }
}
