#!/usr/bin/env bash
# Fuzz framecheck's targets with cargo-fuzz (libFuzzer + AddressSanitizer).
#
#   scripts/fuzz.sh [--seconds N] [--jobs N] [--max-len N] [--no-merge] [TARGET...] [-- LIBFUZZER_ARGS...]
#
# Runs every target (or the named ones) for N seconds each (default 60) with
# corpus/<target> as its corpus. --jobs N > 1 uses libFuzzer's fork mode with
# N workers. --max-len caps input size (default 4096 bytes; longer corpus
# files are read truncated while fuzzing, and replay whole in cargo test).
# New inputs that add coverage are merged back into
# corpus/<target> (unless --no-merge). Each run is appended to
# reports/fuzz-runs.tsv and reports/fuzz.md is rewritten from it: the latest
# run per target and the totals over all runs.
#
# Uses the nightly toolchain if rustup has one, else stable with
# RUSTC_BOOTSTRAP=1 (AddressSanitizer needs -Zsanitizer). Installs
# cargo-fuzz if missing. Exits 1 on a finding, printing the artifact and a
# one-line reproduction command; 2 on a usage or setup error.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=60
jobs=1
max_len=4096
merge=1
targets=()
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
        --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
        --max-len) max_len=${2:?--max-len needs a number}; shift 2 ;;
        --no-merge) merge=0; shift ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        --) shift; extra=("$@"); break ;;
        -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
case "$seconds$jobs$max_len" in *[!0-9]*) echo "fuzz.sh: --seconds and --jobs take whole numbers" >&2; exit 2 ;; esac

all_targets() { sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -vx 'framecheck-fuzz\|calibrate' | grep -v '^bench_'; }
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(all_targets)
fi
for t in "${targets[@]}"; do
    all_targets | grep -qx "$t" || { echo "fuzz.sh: no target named $t (have: $(all_targets | tr '\n' ' '))" >&2; exit 2; }
done

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked >&2 || { echo "fuzz.sh: cannot install cargo-fuzz" >&2; exit 2; }
fi
toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    toolchain=(+nightly)
    tcname=nightly
else
    export RUSTC_BOOTSTRAP=1
    tcname="stable (RUSTC_BOOTSTRAP=1)"
fi

# Heap checks stay on; ASan's fake stacks for use-after-return (a frame
# copied per call, about 40% of a decode target's time) are off unless
# ASAN_OPTIONS says otherwise: safe Rust cannot return a dangling stack pointer.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0}

echo "fuzz.sh: building ${#targets[@]} target(s) with $tcname, AddressSanitizer" >&2
for t in "${targets[@]}"; do
    (cd fuzz && cargo "${toolchain[@]}" fuzz build --release "$t") >&2
done
# Run the built binaries directly, so that edits made while a long run goes
# on cannot rebuild the targets under it.
bindir=$root/fuzz/target/$(rustc "${toolchain[@]}" -vV | sed -n 's/^host: //p')/release

tsv=reports/fuzz-runs.tsv
mkdir -p reports fuzz/artifacts
[ -f "$tsv" ] || printf 'date\ttarget\tseconds\tjobs\truns\texec_per_s\tcov\tft\tcorpus_files\tcorpus_bytes\tfinding\n' >"$tsv"

status=0
findings=()
for t in "${targets[@]}"; do
    corpus=corpus/$t
    mkdir -p "$corpus" "fuzz/artifacts/$t"
    work=$(mktemp -d)
    mkdir -p "$work/new"
    log=$work/log
    args=(-max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1 -artifact_prefix="$root/fuzz/artifacts/$t/")
    if [ "$jobs" -gt 1 ]; then args+=(-fork="$jobs"); fi
    echo "fuzz.sh: $t for ${seconds}s, jobs $jobs" >&2
    start=$(date +%s)
    set +e
    "$bindir/$t" "${args[@]}" "${extra[@]}" "$work/new" "$root/$corpus" >"$log" 2>&1
    rc=$?
    set -e
    elapsed=$(( $(date +%s) - start ))
    # Runs and speed: the final stats, or the last status line in fork mode.
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    [ -n "$runs" ] || runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    runs=${runs:-0}
    [ -n "$eps" ] || eps=$(( runs / (elapsed > 0 ? elapsed : 1) ))
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
    finding=-
    if [ $rc -ne 0 ]; then
        artifact=$(grep -oE '(Test unit|crash|leak|timeout|oom)[^ ]* written to [^ ]+' "$log" | tail -1 | sed 's/.* written to //' || true)
        [ -n "$artifact" ] || artifact=$(grep -oE "$root/fuzz/artifacts/$t/[^ ]+" "$log" | tail -1 || true)
        finding=${artifact:-"exit $rc, see $log"}
        findings+=("$t: $finding
  reproduce: (cd fuzz && cargo ${toolchain[*]} fuzz run $t $finding)
  log: $log")
        status=1
        tail -40 "$log" >&2
    fi
    if [ $merge -eq 1 ] && [ -n "$(ls -A "$work/new")" ]; then
        "$bindir/$t" -merge=1 -max_len="$max_len" -artifact_prefix="$root/fuzz/artifacts/$t/" \
            "$root/$corpus" "$work/new" >"$work/merge.log" 2>&1 \
            || echo "fuzz.sh: merge for $t failed, see $work/merge.log" >&2
    fi
    files=$(find "$corpus" -type f | wc -l)
    bytes=$(du -sb "$corpus" | cut -f1)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$elapsed" "$jobs" \
        "$runs" "$eps" "${cov:--}" "${ft:--}" "$files" "$bytes" "$finding" >>"$tsv"
    echo "fuzz.sh: $t: $runs runs, $eps exec/s, cov ${cov:--}, corpus $files files, finding: $finding" >&2
    [ $rc -ne 0 ] || rm -rf "$work"
done

scripts/fuzz-report.sh "$tsv" >reports/fuzz.md

if [ $status -ne 0 ]; then
    echo >&2
    echo "fuzz.sh: FINDINGS" >&2
    printf '%s\n' "${findings[@]}" >&2
    echo "Minimize with: (cd fuzz && cargo ${toolchain[*]} fuzz tmin TARGET ARTIFACT), then add it under corpus/regressions/TARGET/ with a fix." >&2
fi
exit $status
