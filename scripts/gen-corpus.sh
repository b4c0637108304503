#!/usr/bin/env bash
# Regenerate the committed seed corpus, deterministically:
#   corpus/<target>/seed-*   from framecheck_framing::fuzzing::seeds()
#                            (hand-picked edge cases + fixed-seed generated streams)
#   corpus/differential/seed-*  from framecheck_fuzz::seeds()
# Other files in corpus/<target>/ (inputs merged in by scripts/fuzz.sh) are kept.
#
#   scripts/gen-corpus.sh [--cmin]
#
# --cmin also minimizes those merged inputs with libFuzzer's merge (what
# `cargo fuzz cmin` does) against the seeds: an input stays only if it adds
# coverage beyond the seeds and the inputs kept before it. Seeds are always
# kept. Needs cargo-fuzz and nightly (or RUSTC_BOOTSTRAP=1).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

cargo run -q --locked -p framecheck-framing --features fuzzing --example gen_corpus -- corpus
(cd fuzz && cargo run -q --locked --example gen_corpus -- ../corpus)

if [ "${1:-}" = "--cmin" ]; then
    toolchain=()
    if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then toolchain=(+nightly); else export RUSTC_BOOTSTRAP=1; fi
    for dir in corpus/*/; do
        t=$(basename "$dir")
        [ "$t" = regressions ] && continue
        work=$(mktemp -d)
        mkdir -p "$work/min" "$work/old"
        find "$dir" -maxdepth 1 -type f -name 'seed-*' -exec cp {} "$work/min/" \;
        find "$dir" -maxdepth 1 -type f ! -name 'seed-*' -exec mv {} "$work/old/" \;
        before=$(find "$work/old" -type f | wc -l)
        (cd fuzz && cargo "${toolchain[@]}" fuzz run --release "$t" "$work/min" "$work/old" -- -merge=1) >"$work/log" 2>&1 \
            || { echo "gen-corpus.sh: merge for $t failed, see $work/log; restoring" >&2; mv "$work/old/"* "$dir" 2>/dev/null || true; continue; }
        find "$work/min" -maxdepth 1 -type f ! -name 'seed-*' -exec mv {} "$dir" \;
        after=$(find "$dir" -maxdepth 1 -type f ! -name 'seed-*' | wc -l)
        echo "gen-corpus.sh: $t: kept $after of $before merged inputs"
        rm -rf "$work"
    done
fi
du -sh corpus
