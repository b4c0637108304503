#!/usr/bin/env bash
# Prove .clusterfuzzlite/build.sh without Docker: run it under OSS-Fuzz's
# environment conventions ($SRC with the source at $SRC/framecheck, $OUT,
# $WORK, FUZZING_LANGUAGE=rust, FUZZING_ENGINE=libfuzzer, SANITIZER=address,
# the base-builder's RUSTFLAGS and, when clang is here, its CFLAGS), then run
# every binary it left in $OUT on its unzipped seed corpus with its
# dictionary (`-runs=0 -dict=<target>.dict`: libFuzzer refuses a dictionary
# it cannot parse, and runs every seed once).
#
#   scripts/cflite-local.sh [--fresh]
#
# Works in target/cflite-local/{src,out,work} (kept between runs, so a
# rebuild is incremental; --fresh starts over). Exits 1 if a binary, seed
# corpus or dictionary is missing or a binary fails on its seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
base=$root/target/cflite-local
if [ "${1:-}" = --fresh ]; then rm -rf "$base"; fi

export SRC=$base/src OUT=$base/out WORK=$base/work
rm -rf "$OUT" "$WORK"
mkdir -p "$SRC/framecheck" "$OUT" "$WORK"
# What the Dockerfile's `COPY . $SRC/framecheck` copies: the tree as it is
# (tracked and new files, not the build directories).
git ls-files -co --exclude-standard | grep -v -e '^target/' -e '^fuzz/target/' \
    | tar -cf - -T - | tar -xf - -C "$SRC/framecheck"
cp .clusterfuzzlite/build.sh "$SRC/build.sh"

export FUZZING_LANGUAGE=rust FUZZING_ENGINE=libfuzzer SANITIZER=address ARCHITECTURE=x86_64
# base-builder's Rust flags; cargo-fuzz adds -Zsanitizer=address itself.
export RUSTFLAGS="--cfg fuzzing -Cdebug-assertions -Coverflow_checks"
if command -v clang >/dev/null 2>&1; then
    export CC=clang CXX=clang++
    export CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link"
    export CXXFLAGS="$CFLAGS"
else
    # gcc builds libFuzzer here: the flags it understands.
    export CFLAGS="-O1 -fno-omit-frame-pointer -g -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION"
    export CXXFLAGS="$CFLAGS"
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    export RUSTUP_TOOLCHAIN=nightly
else
    export RUSTC_BOOTSTRAP=1
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0}

(cd "$SRC/framecheck" && bash -eu "$SRC/build.sh")

expected=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -vx 'framecheck-fuzz\|calibrate' | grep -v '^bench_')
status=0
printf '%-18s %8s %8s %s\n' target seeds dict result
for t in $expected; do
    for f in "$OUT/$t" "$OUT/${t}_seed_corpus.zip" "$OUT/$t.dict"; do
        [ -e "$f" ] || { echo "cflite-local: missing $f" >&2; status=1; continue 2; }
    done
    [ -x "$OUT/$t" ] || { echo "cflite-local: $OUT/$t is not executable" >&2; status=1; continue; }
    seeds=$WORK/seeds/$t
    mkdir -p "$seeds"
    unzip -q -o "$OUT/${t}_seed_corpus.zip" -d "$seeds"
    n=$(find "$seeds" -type f | wc -l)
    log=$WORK/$t.log
    if "$OUT/$t" -runs=0 -dict="$OUT/$t.dict" "$seeds" >"$log" 2>&1 \
        && entries=$(sed -nE 's/^Dictionary: ([0-9]+) entries$/\1/p' "$log") && [ -n "$entries" ] \
        && grep -q 'INITED' "$log"; then
        printf '%-18s %8s %8s %s\n' "$t" "$n" "$entries" "clean ($(grep -oE 'INITED cov: [0-9]+' "$log" | head -1))"
    else
        printf '%-18s %8s %8s %s\n' "$t" "$n" "-" "FAILED, see $log"
        tail -20 "$log" >&2
        status=1
    fi
done
extra=$(find "$OUT" -maxdepth 1 -type f -executable | wc -l)
echo "cflite-local: $extra binaries in $OUT ($(echo "$expected" | wc -w) expected)"
exit $status
