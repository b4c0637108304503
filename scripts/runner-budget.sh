#!/usr/bin/env bash
# The runner's time budget: the full default suite against the correct
# reference server (`framecheck serve`, idle timeout 0.5 s) on one framing
# per strategy, one run at a time, release build. Writes
# reports/runner-budget.md; exits non-zero if a run is not conformant or
# takes more than 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p framecheck
bin=target/release/framecheck
out=reports/runner-budget.md
specs=(fixed:16 line crlf 'delim:\r\n\r\n' u8 u16be 'u32be,offset=1,adjust=-4' 'varint,offset=1' 'tagged:A=4/B=0/V=u16be' eof)
{
    echo "# Runner time budget"
    echo
    echo "\`scripts/runner-budget.sh\`: \`framecheck run\` (full default suite, seed 1, release build)"
    echo "against \`framecheck serve\` (correct, idle timeout 0.5 s), one run at a time."
    echo "Budget: 5 s per run. $(date -u +%F), $(nproc)-core machine, $(wc -l < /proc/net/tcp) sockets in /proc/net/tcp."
    echo
    echo "| framing | seconds | exit | summary |"
    echo "|---|---|---|---|"
} > "$out"
status=0
for spec in "${specs[@]}"; do
    log=$(mktemp)
    "$bin" serve --framing "$spec" --idle-timeout 0.5 > "$log" &
    server=$!
    addr=""
    for _ in $(seq 50); do
        addr=$(sed -n 's/^listening on //p' "$log")
        [ -n "$addr" ] && break
        sleep 0.1
    done
    start=$(date +%s.%N)
    set +e
    summary=$(NO_COLOR=1 "$bin" run "$addr" --framing "$spec" --seed 1 | tail -n 1)
    code=$?
    set -e
    end=$(date +%s.%N)
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -f "$log"
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    printf '| `%s` | %s | %d | %s |\n' "$spec" "$secs" "$code" "$summary" >> "$out"
    if [ "$code" -ne 0 ] || awk -v s="$secs" 'BEGIN { exit !(s > 5) }'; then status=1; fi
done
cat "$out"
exit "$status"
