//! Decode throughput of every strategy, beside tokio-util's codecs and the
//! memchr scan limit, on the same streams cut the same ways.
//!
//! Benchmark ids are `<strategy> <frame size>/<driver>/<chunking>`, the
//! driver being `framecheck`, a tokio-util codec or `memchr`;
//! `scripts/bench.sh` renders criterion's estimates as a table.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use framecheck_bench::{
    CHUNKINGS, Chunking, STRATEGIES, STREAM_LEN, build, framecheck, scan_limit, tokio,
};

fn decode(c: &mut Criterion) {
    for strategy in STRATEGIES {
        for &frame in strategy.frame_sizes() {
            let s = build(strategy, frame, STREAM_LEN);
            let mut group = c.benchmark_group(format!("{} {frame}", strategy.label()));
            group.throughput(Throughput::Bytes(s.bytes.len() as u64));
            for chunking in CHUNKINGS {
                let id = BenchmarkId::new("framecheck", chunking.label());
                group.bench_function(id, |b| b.iter(|| framecheck(&s.spec, &s.bytes, chunking)));
                for &codec in strategy.codecs() {
                    let id = BenchmarkId::new(codec.label(), chunking.label());
                    group.bench_function(id, |b| {
                        b.iter(|| tokio(codec, &s.spec, &s.bytes, chunking));
                    });
                }
            }
            if let Some(delim) = strategy.delimiter() {
                let id = BenchmarkId::new("memchr", Chunking::Whole.label());
                group.bench_function(id, |b| b.iter(|| scan_limit(delim, &s.bytes)));
            }
            group.finish();
        }
    }
}

fn config() -> Criterion {
    // The 1-byte chunkings take tens of milliseconds an iteration: few
    // samples, each of several iterations, keep the run short.
    Criterion::default().sample_size(20).configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = decode
}
criterion_main!(benches);
