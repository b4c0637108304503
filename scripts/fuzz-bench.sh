#!/usr/bin/env bash
# Time to bug, not exec/s: fuzz every seeded-bug decoder (fuzz/src/bugs.rs)
# with its framecheck-backed target (bench_<bug>_fc: framecheck_testkit::fuzz_check)
# and with the plain target a user would otherwise write (bench_<bug>_plain:
# decode the whole input, check nothing), N libFuzzer seeds each, every run
# from an empty corpus and capped at S seconds; record the wall time to the
# first crash and write reports/fuzz-bench.md, FuzzBench-style (median time
# to crash, found/N), and the raw runs to reports/fuzz-bench.tsv.
#
#   scripts/fuzz-bench.sh [--seeds N] [--seconds S] [BUG...]     (default 3 seeds, 60 s)
#
# Runs are sequential (one core each); the whole default run takes about
# 8 bugs x 3 seeds x (a few seconds + up to 60 s) = 20 to 25 minutes, most
# of it plain targets that never crash. Uses nightly if rustup has it, else
# RUSTC_BOOTSTRAP=1; installs cargo-fuzz if missing. Exits 1 if a
# framecheck-backed target missed a bug in any run, 2 on a setup error.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seeds=3
seconds=60
bugs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seeds) seeds=${2:?--seeds needs a number}; shift 2 ;;
        --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        -*) echo "fuzz-bench.sh: unknown option $1" >&2; exit 2 ;;
        *) bugs+=("$1"); shift ;;
    esac
done
case "$seeds$seconds" in *[!0-9]*|'') echo "fuzz-bench.sh: --seeds and --seconds take whole numbers" >&2; exit 2 ;; esac

all_bugs() { sed -n 's/^name = "bench_\(.*\)_fc"$/\1/p' fuzz/Cargo.toml; }
[ ${#bugs[@]} -gt 0 ] || mapfile -t bugs < <(all_bugs)
for b in "${bugs[@]}"; do
    all_bugs | grep -qx "$b" || { echo "fuzz-bench.sh: no seeded bug named $b (have: $(all_bugs | tr '\n' ' '))" >&2; exit 2; }
done

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked >&2 || { echo "fuzz-bench.sh: cannot install cargo-fuzz" >&2; exit 2; }
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
targets=()
for b in "${bugs[@]}"; do targets+=("bench_${b}_fc" "bench_${b}_plain"); done
for t in "${targets[@]}"; do
    (cd fuzz && cargo "${toolchain[@]}" fuzz build --release "$t") >&2 \
        || { echo "fuzz-bench.sh: cannot build $t" >&2; exit 2; }
done
bindir=$root/fuzz/target/$(rustc "${toolchain[@]}" -vV | sed -n 's/^host: //p')/release

tsv=reports/fuzz-bench.tsv
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/runs.tsv"
now() { date +%s.%N; }
for b in "${bugs[@]}"; do
    for kind in fc plain; do
        t=bench_${b}_${kind}
        for s in $(seq 1 "$seeds"); do
            rm -rf "$work/corpus" "$work/crash"
            mkdir -p "$work/corpus" "$work/crash"
            start=$(now)
            status=0
            "$bindir/$t" -seed="$s" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
                -artifact_prefix="$work/crash/" "$work/corpus" >"$work/log" 2>&1 || status=$?
            secs=$(echo "$(now) - $start" | bc)
            if [ "$status" -ne 0 ] && ls "$work/crash/"* >/dev/null 2>&1; then
                found=1
                # What was found: the diff's verdict, a panic, or an allocation.
                if grep -q 'the decoder disagrees' "$work/log"; then
                    what="diff, $(sed -nE 's/^ *minimal schedule +([^ ]+) +on the first ([0-9]+) bytes.*/minimal \1 on \2 bytes/p' "$work/log" | head -1)"
                else
                    what=$(grep -m1 -oE 'panicked at|out-of-memory \(malloc|ERROR: AddressSanitizer: [a-z-]+|deadly signal' "$work/log" || echo crash)
                fi
            else
                found=0
                what=-
                secs=$seconds
            fi
            printf '%s\t%s\t%s\t%s\t%.1f\t%s\n' "$b" "$kind" "$s" "$found" "$secs" "$what" | tee -a "$work/runs.tsv" >&2
        done
    done
done

date_utc=$(date -u '+%Y-%m-%d %H:%M UTC')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
machine="$(uname -sm), ${cpu:-unknown CPU}, $(nproc) cores (shared), $(free -g | awk '/^Mem:/ {print $2}') GB RAM; $tcname, cargo-fuzz $(cargo fuzz --version 2>/dev/null | awk '{print $2}'), libFuzzer + AddressSanitizer, --release"
{
    printf '# date\t%s\n# machine\t%s\n# seeds\t%s\n# cap_seconds\t%s\n' "$date_utc" "$machine" "$seeds" "$seconds"
    printf '# load\t%s\n' "load average at the start $load_start, at the end $(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'bug\ttarget\tseed\tfound\tseconds\twhat\n'
    cat "$work/runs.tsv"
} >"$tsv"

python3 - "$tsv" "$seconds" >reports/fuzz-bench.md <<'EOF'
import re, statistics, sys
path, cap = sys.argv[1], float(sys.argv[2])
meta, rows = {}, []
for line in open(path):
    line = line.rstrip("\n")
    if line.startswith("# "):
        k, v = line[2:].split("\t", 1); meta[k] = v
    elif line and not line.startswith("bug\t"):
        b, kind, seed, found, secs, what = line.split("\t")
        rows.append((b, kind, int(seed), found == "1", float(secs), what))
specs, whats = {}, {}
src = open("fuzz/src/bugs.rs").read()
for m in re.finditer(r'name: "(\w+)",\s*spec: "([^"]+)",\s*what: "((?:[^"\\]|\\.)*)"', src):
    specs[m.group(1)] = m.group(2)
    whats[m.group(1)] = m.group(3).replace('\\"', '"').replace("\\\\", "\\")
bugs = list(dict.fromkeys(r[0] for r in rows))
n = int(meta["seeds"])

def cell(b, kind):
    rs = [r for r in rows if r[0] == b and r[1] == kind]
    found = [r for r in rs if r[3]]
    # FuzzBench-style: a run that found nothing counts as the cap (it is "> cap").
    times = sorted(r[4] if r[3] else float("inf") for r in rs)
    med = statistics.median(times) if times else float("inf")
    med_s = f"> {cap:.0f} s" if med == float("inf") else f"{med:.1f} s"
    kinds = list(dict.fromkeys(r[5] for r in found))
    return f"{len(found)}/{len(rs)}", med_s, "; ".join(kinds) if kinds else "-"

print("# Time to bug: framecheck-backed fuzz targets against plain ones")
print()
print("Generated by `scripts/fuzz-bench.sh`; raw runs in `reports/fuzz-bench.tsv`.")
print()
print(f"- date: {meta['date']}")
print(f"- machine: {meta['machine']}")
print(f"- {n} libFuzzer seeds per target (`-seed=1..{n}`), each run from an empty corpus, "
      f"capped at {cap:.0f} s wall, `-max_len=4096`, one run at a time.")
print("- time to bug: wall time from the fuzzer's start to its exit on the first crash "
      "(process start-up included). Median over all runs; a run that found nothing counts "
      "as more than the cap, so a median over the cap means fewer than half the runs found it.")
print()
print("| seeded bug | spec | framecheck-backed: found | median | found as | plain: found | median | found as |")
print("|---|---|---|---|---|---|---|---|")
fc_all, plain_found = True, 0
for b in bugs:
    f = cell(b, "fc"); p = cell(b, "plain")
    fc_all &= f[0] == f"{n}/{n}" and f[1] != f"> {cap:.0f} s" and float(f[1].split()[0]) <= 60
    plain_found += p[0] != f"0/{n}"
    print(f"| `{b}` | `{specs.get(b, '?')}` | {f[0]} | {f[1]} | {f[2]} | {p[0]} | {p[1]} | {p[2]} |")
print()
print("What each decoder gets wrong (`fuzz/src/bugs.rs`):")
print()
for b in bugs:
    print(f"- `{b}`: {whats.get(b, '?')}.")
print()
print("*found as*: `diff` is `fuzz_check`'s panic with the readable diff (a disagreement "
      "with the reference spec, a held or allocated size over the bound, or a decoder panic "
      "caught and compared), with the minimal schedule and prefix its shrinker found, per run; "
      "`panicked at` is a panic in the decoder; `out-of-memory (malloc` is one allocation "
      "over libFuzzer's `-malloc_limit_mb` (by default its `-rss_limit_mb`, 2048 MB).")
print()
print(f"Load: {meta.get('load', '?')}. The box is shared with other engineers' builds, so "
      "wall times include their contention; the plain targets' misses are 60-second "
      "timeouts, not slow finds.")
print()
goal = "met" if fc_all else "NOT met"
print(f"Goal (the framecheck-backed target finds every seeded bug, median at most 60 s): **{goal}**. "
      f"The plain target found {plain_found} of the {len(bugs)} bugs in at least one run.")
sys.exit(0 if fc_all else 1)
EOF
