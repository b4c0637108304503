#!/usr/bin/env bash
# The one gate: formatting, lints, tests, doctests, docs, the fuzz targets'
# compile and the sans-IO dependency guard. Run from anywhere; exits non-zero
# on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "fmt"
cargo fmt --all --check

step "clippy -D warnings"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

step "sans-IO guard: the framing crate's normal dependency tree has no socket, thread or clock crate"
tree=$(cargo tree -p framecheck-framing -e normal --prefix none --locked)
if grep -E '^(tokio|mio|socket2|libc|nix|async-std|smol|futures|rustix|polling)( |$)' <<<"$tree"; then
    echo "framecheck-framing must stay sans-IO: the crates above are in its dependency tree" >&2
    exit 1
fi
if grep -rnE 'std::(net|thread|time::(Instant|SystemTime))|std::io::(Read|Write)\b' harness/framing/src; then
    echo "framecheck-framing must not use sockets, threads or clocks" >&2
    exit 1
fi

step "tests"
if command -v cargo-nextest >/dev/null 2>&1; then
    cargo nextest run --workspace --all-features --locked --no-fail-fast
else
    cargo test --workspace --all-features --locked --no-fail-fast
fi

step "doctests"
cargo test --workspace --all-features --locked --doc

step "docs -D warnings"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --all-features --no-deps --locked

step "fuzz targets compile; the differential corpus replays (the others replay in the framing crate's tests)"
if [ -f fuzz/Cargo.toml ]; then
    (cd fuzz && cargo check --locked --bins && cargo test --locked)
fi

# Optional: a ~20 s libFuzzer smoke run per target when a fuzzing toolchain
# is available (skips cleanly otherwise). Set FUZZ_SMOKE=1 to run it here.
if [ "${FUZZ_SMOKE:-0}" = 1 ]; then
    step "fuzz smoke run"
    scripts/fuzz-smoke.sh
fi

echo
echo "check.sh: all gates passed"
