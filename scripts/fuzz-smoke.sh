#!/usr/bin/env bash
# CI smoke run: every fuzz target for a few seconds from its committed
# corpus, no merging, no reports. Skips cleanly (exit 0, with a message) when
# no fuzzing toolchain can be had: cargo-fuzz missing and not installable,
# or no nightly and RUSTC_BOOTSTRAP unusable. A finding fails (exit 1) with
# the artifact and a reproduction command.
#
#   scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]     (default 20; 8 targets ≈ 3 min + build)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}

skip() { echo "fuzz-smoke: skipped: $*"; exit 0; }
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz"
    timeout 600 cargo install cargo-fuzz --locked >/dev/null 2>&1 || skip "cargo-fuzz cannot be installed"
fi
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
else
    export RUSTC_BOOTSTRAP=1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0}
targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -vx 'framecheck-fuzz\|calibrate' | grep -v '^bench_')
(cd fuzz && cargo "${toolchain[@]}" fuzz build --release) >/dev/null 2>&1 \
    || skip "the fuzz targets do not build with a fuzzing toolchain here (cargo ${toolchain[*]} fuzz build)"
bindir=fuzz/target/$(rustc "${toolchain[@]}" -vV | sed -n 's/^host: //p')/release
status=0
for t in $targets; do
    mkdir -p "fuzz/artifacts/$t"
    work=$(mktemp -d)
    if "$bindir/$t" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$t/" "$work" "corpus/$t" >"$work.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
        eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work.log")
        echo "fuzz-smoke: $t: ok, $runs runs, $eps exec/s"
        rm -rf "$work" "$work.log"
    else
        artifact=$(grep -oE 'written to [^ ]+' "$work.log" | tail -1 | sed 's/written to //')
        tail -30 "$work.log"
        echo "fuzz-smoke: $t: FINDING ${artifact:-see $work.log}"
        echo "  reproduce: (cd fuzz && cargo ${toolchain[*]} fuzz run $t $PWD/${artifact:-ARTIFACT})"
        status=1
    fi
done
exit $status
