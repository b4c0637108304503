#!/usr/bin/env bash
# CI smoke run of `framecheck fuzz`, at most 60 s: it finds
# dies-on-format-string at a fixed seed (exit 1), its replay file fails again
# (exit 1), and a short run against the correct server finds nothing (exit 0).
# Loopback only. Usage: scripts/netfuzz-smoke.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q --locked -p framecheck
FC=$PWD/target/debug/framecheck
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fail() { echo "netfuzz-smoke: $*" >&2; exit 1; }

P=$(port)
BUGGY="$FC serve --framing u16be --bug dies-on-format-string --listen 127.0.0.1:$P"
set +e
(cd "$WORK" && timeout 40 "$FC" fuzz "127.0.0.1:$P" --framing u16be --seconds 25 --seed 1 \
    --stop-after 1 --exec "$BUGGY" -q)
code=$?
set -e
[ "$code" = 1 ] || fail "fuzz against dies-on-format-string exited $code, expected 1"
file=$(find "$WORK/framecheck-findings" -name '*.json' | head -1)
[ -n "$file" ] || fail "no replay file written"
grep -q '"payload": "%n"' "$file" || fail "the finding was not minimized to %n: $(cat "$file")"
set +e
timeout 20 "$FC" replay "127.0.0.1:$P" --input "$file" --exec "$BUGGY" >/dev/null
code=$?
set -e
[ "$code" = 1 ] || fail "replay exited $code, expected 1 (fails again)"

P=$(port)
set +e
(cd "$WORK" && timeout 25 "$FC" fuzz "127.0.0.1:$P" --framing u16be --seconds 8 --seed 2 --jobs 2 \
    --exec "$FC serve --framing u16be --listen 127.0.0.1:$P" -q)
code=$?
set -e
[ "$code" = 0 ] || fail "fuzz against the correct server exited $code, expected 0"
echo "netfuzz-smoke: ok"
