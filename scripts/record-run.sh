#!/usr/bin/env bash
# Record fixed-seed runs of `framecheck run` against `framecheck serve` (a
# correct server and two buggy ones, four framings), every report format, so
# that a refactor can be checked to change nothing:
#
#   scripts/record-run.sh OUT_DIR [FRAMECHECK_BINARY]
#   scripts/compare-runs.py BEFORE_DIR AFTER_DIR
#
# The binary defaults to target/release/framecheck (built if missing).
# Loopback only: the servers bind 127.0.0.1 and the runs target them.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/record-run.sh OUT_DIR [FRAMECHECK_BINARY]}
bin=${2:-target/release/framecheck}
if [ ! -x "$bin" ]; then
    cargo build --release --locked -q -p framecheck
fi
mkdir -p "$out"
runs=(
    "u16be"
    "crlf"
    "crlf --bug delim-in-one-read"
    "u32be,offset=1,adjust=-4 --bug header-in-one-recv"
)
i=0
for args in "${runs[@]}"; do
    i=$((i + 1))
    read -r spec rest <<<"$args"
    # shellcheck disable=SC2086
    "$bin" serve --framing "$spec" $rest >"$out/serve$i.out" 2>&1 &
    pid=$!
    addr=
    for _ in $(seq 100); do
        addr=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$out/serve$i.out")
        [ -n "$addr" ] && break
        sleep 0.1
    done
    if [ -z "$addr" ]; then
        kill "$pid" 2>/dev/null || true
        echo "record-run: the server for '$args' did not start" >&2
        exit 1
    fi
    status=0
    "$bin" run "$addr" --framing "$spec" --seed 7 --churn 300 \
        --json "$out/r$i.json" --junit "$out/r$i.xml" --html "$out/r$i.html" \
        --markdown "$out/r$i.md" >"$out/term$i.txt" 2>&1 || status=$?
    echo "exit $status" >>"$out/term$i.txt"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    sed -i "s/$addr/ADDR/g" "$out/term$i.txt" "$out/r$i".{json,xml,html,md}
done
echo "record-run: $i runs recorded in $out"
