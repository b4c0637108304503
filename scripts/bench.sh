#!/usr/bin/env bash
# Decode speed, measured side by side (issue 2, item 8).
#
# Every strategy on 64-byte and 4 KiB frames, cut whole / 64 KiB / 1460 / 7 /
# 1, beside tokio-util's codecs on the same streams and the memchr scan limit:
# 1. side by side (harness/bench/src/bin/side_by_side.rs): paired rounds, on-CPU
#    time, median throughputs and median per-round ratios -- the table that
#    holds up on a shared, noisy machine;
# 2. criterion (harness/bench/benches/decode.rs), rendered the same way from
#    its medians (ratios of medians, so noisier);
# 3. whole process: `framecheck frames --count` against a tokio-util program
#    (64 KiB reads) on the same 256 MiB files, timed by hyperfine (means: wall,
#    CPU = user + system, and their difference, the time off a core).
#
# Both sides are built with fat LTO and one codegen unit (the `bench` and
# `bench-lto` profiles of Cargo.toml), as a user who cares about speed builds.
#
# Usage: scripts/bench.sh [FILTER]   (FILTER: e.g. "line 64" for 1 and 2)
# Environment: BENCH_ROUNDS (paired rounds, default 15), BENCH_WARMUP /
# BENCH_TIME (criterion seconds, default 0.5 / 1.5), BENCH_RUNS (hyperfine
# runs, default 7), BENCH_MIB (file size, default 256), and
# BENCH_SKIP_PAIRED=1 / BENCH_SKIP_CRITERION=1 / BENCH_SKIP_PROCESS=1.
# Output: the tables on stdout, also written to target/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

warmup=${BENCH_WARMUP:-0.5}
measure=${BENCH_TIME:-1.5}
runs=${BENCH_RUNS:-7}
mib=${BENCH_MIB:-256}
filter=${1:-}
target=${CARGO_TARGET_DIR:-target}
out=$target/bench
mkdir -p "$out"

need() {
    command -v "$1" >/dev/null 2>&1 && return
    echo "installing $1" >&2
    apt-get install -y "$1" >/dev/null
}

echo "# framecheck decode benchmarks"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- rustc: $(rustc --version)"
echo

if [ "${BENCH_SKIP_PAIRED:-0}" != 1 ]; then
    cargo build -q --profile bench-lto --locked -p framecheck-bench --bin side_by_side
    echo "## In memory, side by side (paired rounds; on-CPU time, or wall-clock time where schedstat is tick-based; 1 MiB streams; GB/s = 10^9 bytes/s)"
    echo
    "$target/bench-lto/side_by_side" --rounds "${BENCH_ROUNDS:-15}" "$filter" 2>/dev/null \
        | tee "$out/side_by_side.md"
    echo
fi

if [ "${BENCH_SKIP_CRITERION:-0}" != 1 ]; then
    # Stale estimates from earlier (filtered) runs would leak into the table.
    rm -rf "$target/criterion"
    args=(--warm-up-time "$warmup" --measurement-time "$measure")
    [ -n "$filter" ] && args+=("$(sed 's/[][\\^$.|?*+(){}]/\\&/g' <<<"$filter")")
    cargo bench -p framecheck-bench --bench decode --locked -- "${args[@]}" >"$out/criterion.log" 2>&1 \
        || { tail -30 "$out/criterion.log" >&2; exit 1; }
    echo "## In memory, criterion (medians of wall-clock time, run one after another; 1 MiB streams)"
    echo
    cargo run -q --profile bench-lto -p framecheck-bench --bin bench_table --locked -- "$target/criterion" \
        | tee "$out/table.md"
    echo
fi

if [ "${BENCH_SKIP_PROCESS:-0}" != 1 ]; then
    need hyperfine
    need jq
    cargo build -q --profile bench-lto --locked -p framecheck -p framecheck-bench --bins
    bin=$target/bench-lto
    echo "## Whole process: \`framecheck frames --count\` vs tokio-util, ${mib} MiB files, $runs runs each"
    echo
    echo "Means over the runs (hyperfine reports user and system time only as means, so wall"
    echo "is a mean too), to 0.1 ms. Wall: spawn to exit, ± the standard deviation. CPU: user +"
    echo "system time of the process. Off-CPU: wall − CPU, the time it was not on a core"
    echo "(hyperfine's spawn and wait, plus any wait for a core or for I/O). A single-threaded"
    echo "process that reads a warm page cache on a free core never waits, so its wall and CPU"
    echo "time differ only by the spawn overhead; they part when the machine is busy."
    echo
    echo "| file | framecheck wall s | framecheck CPU s | off-CPU ms | tokio-util wall s | tokio-util CPU s | off-CPU ms | wall ratio | CPU ratio |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for spec in u32be line; do
        file=$out/$spec-64.bin
        [ -s "$file" ] || "$bin/gen_stream" "$spec" 64 $((mib * 1024 * 1024)) "$file" >/dev/null
        ours=$("$bin/framecheck" frames --framing "$spec" --count "$file")
        theirs=$("$bin/tokio_count" "$spec" "$file")
        if [ "$ours" != "$theirs" ]; then
            echo "frame counts differ on $file: framecheck $ours, tokio-util $theirs" >&2
            exit 1
        fi
        json=$out/process-$spec.json
        hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$json" \
            "$bin/framecheck frames --framing $spec --count $file" \
            "$bin/tokio_count $spec $file" >/dev/null 2>"$out/hyperfine-$spec.log"
        jq -r --arg f "$spec, 64 B frames ($ours frames)" '
            def r4: . * 10000 | round / 10000;
            def r2: . * 100 | round / 100;
            def r1: . * 10 | round / 10;
            [.results[] | {wall: .mean, sd: .stddev, cpu: (.user + .system)}] as [$a, $b]
            | "| \($f) | \($a.wall | r4) ± \($a.sd | r4) | \($a.cpu | r4) | \(($a.wall - $a.cpu) * 1000 | r1) | \($b.wall | r4) ± \($b.sd | r4) | \($b.cpu | r4) | \(($b.wall - $b.cpu) * 1000 | r1) | \($b.wall / $a.wall | r2)x | \($b.cpu / $a.cpu | r2)x |"' \
            "$json"
    done | tee "$out/process.md"
fi
