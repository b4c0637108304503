#!/usr/bin/env bash
# Fuzzing throughput, measured side by side in one run: each decode target,
# the same target's decoder alone on the same corpus (no cutting, no checks:
# the `calibrate` binary with FRAMECHECK_CALIBRATE=<target>), and a trivial
# target; all with AddressSanitizer, as fuzz.sh builds them. Writes
# reports/fuzz-throughput.md (date, machine, load, exec/s, ratios).
#
#   scripts/fuzz-throughput.sh [--seconds N] [--max-len N] [--rounds N] [TARGET...]
#
# Each binary runs N seconds (default 20) per round from a scratch copy of
# corpus/<target> (nothing is merged back); with --rounds R > 1 the table
# shows the median of R rounds, taken in turn so that load drifts hit all
# three columns alike. Installs cargo-fuzz if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=20
max_len=4096
rounds=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=${2:?}; shift 2 ;;
        --max-len) max_len=${2:?}; shift 2 ;;
        --rounds) rounds=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        -*) echo "fuzz-throughput.sh: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
case "$seconds$max_len$rounds" in *[!0-9]*) echo "fuzz-throughput.sh: options take whole numbers" >&2; exit 2 ;; esac
[ ${#targets[@]} -gt 0 ] || targets=(decode_fixed decode_delimited decode_len decode_tagged decode_eof)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked >&2 || { echo "fuzz-throughput.sh: cannot install cargo-fuzz" >&2; exit 2; }
fi
toolchain=()
tcname="stable (RUSTC_BOOTSTRAP=1)"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
    tcname=nightly
else
    export RUSTC_BOOTSTRAP=1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0}
for t in "${targets[@]}" calibrate; do
    (cd fuzz && cargo "${toolchain[@]}" fuzz build --release "$t") >&2
done
bindir=$root/fuzz/target/$(rustc "${toolchain[@]}" -vV | sed -n 's/^host: //p')/release

# exec/s of one run: BIN CORPUS [MODE] (MODE: FRAMECHECK_CALIBRATE for `calibrate`).
# Run it as a plain assignment (v=$(measure ...)) so that set -e sees a failure.
measure() {
    local bin=$1 corpus=$2 mode=${3:-trivial} work log
    work=$(mktemp -d)
    cp -r "$corpus"/. "$work/" 2>/dev/null || true
    log=$(mktemp)
    FRAMECHECK_CALIBRATE=$mode "$bin" -max_total_time="$seconds" -max_len="$max_len" \
        -print_final_stats=1 -artifact_prefix="$work/" "$work" >"$log" 2>&1 || { tail -20 "$log" >&2; echo "fuzz-throughput.sh: $bin failed" >&2; exit 1; }
    local eps
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    rm -rf "$work" "$log"
    [ -n "$eps" ] || { echo "fuzz-throughput.sh: $bin printed no exec/s" >&2; exit 1; }
    echo "$eps"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

declare -A full alone
trivial_runs=()
for t in "${targets[@]}"; do
    runs_full=() runs_alone=()
    for r in $(seq "$rounds"); do
        echo "fuzz-throughput.sh: $t round $r/$rounds" >&2
        v=$(measure "$bindir/$t" "corpus/$t")
        runs_full+=("$v")
        v=$(measure "$bindir/calibrate" "corpus/$t" "$t")
        runs_alone+=("$v")
        if [ ${#trivial_runs[@]} -lt "$rounds" ]; then
            v=$(measure "$bindir/calibrate" "corpus/$t")
            trivial_runs+=("$v")
        fi
    done
    full[$t]=$(printf '%s\n' "${runs_full[@]}" | median)
    alone[$t]=$(printf '%s\n' "${runs_alone[@]}" | median)
done
trivial=$(printf '%s\n' "${trivial_runs[@]}" | median)

out=reports/fuzz-throughput.md
{
    echo "# Fuzzing throughput"
    echo
    echo "Written by \`scripts/fuzz-throughput.sh --seconds $seconds --max-len $max_len --rounds $rounds\` on $(date -u +%F) at $(date -u +%H:%M) UTC."
    echo "Machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Toolchain: $tcname ($(rustc "${toolchain[@]}" -V)), cargo-fuzz $(cargo fuzz --version 2>/dev/null | awk '{print $2}'), AddressSanitizer, \`ASAN_OPTIONS=$ASAN_OPTIONS\`, one process per run (no fork mode)."
    echo
    echo "Each binary ran ${seconds} s per round from a scratch copy of \`corpus/<target>\` with \`-max_len=$max_len\`; figures are libFuzzer's \`average_exec_per_sec\`, the median of $rounds round(s)."
    echo "*decoder alone* is \`calibrate\` with \`FRAMECHECK_CALIBRATE=<target>\`: the same spec read from the same inputs, one whole-stream decode, no cutting and no checks, which is the most the target could reach."
    echo "The trivial target (\`calibrate\` with no mode) only looks at the input: it measures libFuzzer and the sanitizer alone, ${trivial} exec/s here."
    echo
    echo "| target | exec/s | decoder alone, exec/s | target / decoder alone | target / trivial |"
    echo "|---|---:|---:|---:|---:|"
    for t in "${targets[@]}"; do
        awk -v t="$t" -v f="${full[$t]}" -v a="${alone[$t]}" -v z="$trivial" \
            'BEGIN { printf "| %s | %d | %d | %.2f | %.2f |\n", t, f, a, f / a, f / z }'
    done
} >"$out"
cat "$out"
