#!/usr/bin/env bash
# The one gate: formatting, lints, tests, doctests, docs, the fuzz targets'
# compile, the sans-IO and no-socket dependency guards and the layout rule
# (no pair of files imports each other). Run from anywhere; exits non-zero on
# the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "fmt"
cargo fmt --all --check

step "clippy -D warnings"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

# guard CRATE WHAT SOURCE_PATTERN: CRATE's normal dependency tree has no
# socket, thread or async-runtime crate, and no framecheck crate in that tree
# uses what SOURCE_PATTERN matches.
guard() {
    local crate=$1 what=$2 pattern=$3 tree dirs
    tree=$(cargo tree -p "$crate" -e normal --prefix none --locked)
    if grep -E '^(tokio|mio|socket2|libc|nix|async-std|smol|futures|rustix|polling)( |$)' <<<"$tree"; then
        echo "$crate must stay $what: the crates above are in its dependency tree" >&2
        exit 1
    fi
    dirs=$(sed -nE 's#^framecheck-[a-z]+ v[^ ]+ \((.*)\)( \(\*\))?$#\1/src#p' <<<"$tree" | sort -u)
    # shellcheck disable=SC2086
    if grep -rnE "$pattern" $dirs; then
        echo "$crate must stay $what: the lines above are in its dependency tree" >&2
        exit 1
    fi
}

step "sans-IO guard: the framing crate's tree has no socket, thread or clock"
guard framecheck-framing sans-IO 'std::(net|thread|time::(Instant|SystemTime))|std::io::(Read|Write)\b|socket2'

step "no-socket guard: the report crate's tree renders events and opens no socket"
guard framecheck-report socket-free 'std::net|socket2|TcpStream|TcpListener|UdpSocket'

step "layout: no pair of source files imports each other"
scripts/import-pairs.py

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
