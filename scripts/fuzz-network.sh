#!/usr/bin/env bash
# framecheck fuzz beside boofuzz, on loopback only, and writes
# reports/fuzz-network.md:
#   1. cases/s of each against the same small Python echo server (u16be),
#   2. sessions/s of `framecheck fuzz --jobs 2` against `framecheck serve`,
#   3. time to each fuzz-only reference-server bug, for both tools,
#   4. optionally (CLEAN_SECONDS=600) a long run against the correct server.
# boofuzz is installed with pip into its own virtualenv (target/boofuzz-venv).
# Each step has a time limit; the whole script stays under ~15 minutes
# (plus CLEAN_SECONDS). Usage: scripts/fuzz-network.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}              # rounds of each throughput measurement (median)
SECONDS_EACH=${SECONDS_EACH:-10}
FIND_LIMIT=${FIND_LIMIT:-60}
CLEAN_SECONDS=${CLEAN_SECONDS:-0}
OUT=${OUT:-reports/fuzz-network.md}
VENV=target/boofuzz-venv
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

cargo build --release --locked -q -p framecheck
FC=$PWD/target/release/framecheck
if [ ! -x "$VENV/bin/python3" ] || ! "$VENV/bin/python3" -c 'import boofuzz' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q boofuzz
fi
BOO_VERSION=$("$VENV/bin/python3" -c 'import importlib.metadata as m; print(m.version("boofuzz"))')

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# The sessions/s figure of a `framecheck fuzz` run, from its last stderr line.
fc_rate() { sed -nE 's/.* sessions in .* \(([0-9]+)\/s\).*/\1/p' "$1" | tail -1; }

# 1. cases/s against the Python echo server.
PY_PORT=$(port)
python3 scripts/fuzz-network/echo_server.py "$PY_PORT" >"$WORK/echo.log" 2>&1 &
PIDS+=($!)
wait_port "$PY_PORT"
boo_rates=() fc1_rates=() fc2_rates=()
for r in $(seq "$ROUNDS"); do
    timeout $((SECONDS_EACH + 30)) "$VENV/bin/python3" scripts/fuzz-network/boofuzz_session.py \
        127.0.0.1 "$PY_PORT" "$SECONDS_EACH" 2 >"$WORK/boo-$r.json"
    boo_rates+=("$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cases_per_s"])' "$WORK/boo-$r.json")")
    (cd "$WORK" && timeout $((SECONDS_EACH + 30)) "$FC" fuzz "127.0.0.1:$PY_PORT" --framing u16be \
        --seconds "$SECONDS_EACH" --seed "$r" --findings "$WORK/f-py1-$r" -q >/dev/null 2>"$WORK/fc1-$r.log") || true
    fc1_rates+=("$(fc_rate "$WORK/fc1-$r.log")")
    (cd "$WORK" && timeout $((SECONDS_EACH + 30)) "$FC" fuzz "127.0.0.1:$PY_PORT" --framing u16be \
        --seconds "$SECONDS_EACH" --seed "$r" --jobs 2 --findings "$WORK/f-py2-$r" -q >/dev/null 2>"$WORK/fc2-$r.log") || true
    fc2_rates+=("$(fc_rate "$WORK/fc2-$r.log")")
done
py_findings=$(find "$WORK" -path '*f-py*' -name '*.json' | wc -l)

# 2. sessions/s against framecheck serve, --jobs 2.
SV_PORT=$(port)
"$FC" serve --framing u16be --listen "127.0.0.1:$SV_PORT" >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
wait_port "$SV_PORT"
sv_rates=()
for r in $(seq "$ROUNDS"); do
    (cd "$WORK" && timeout $((SECONDS_EACH + 30)) "$FC" fuzz "127.0.0.1:$SV_PORT" --framing u16be \
        --seconds "$SECONDS_EACH" --seed "$r" --jobs 2 --findings "$WORK/f-sv-$r" -q >/dev/null 2>"$WORK/sv-$r.log") || true
    sv_rates+=("$(fc_rate "$WORK/sv-$r.log")")
done
sv_findings=$(find "$WORK" -path '*f-sv*' -name '*.json' | wc -l)

# 3. Time to each fuzz-only bug.
rows=""
for pair in u16be:dies-on-format-string u16be:dies-on-thousandth-frame u32be:dies-on-length-wrap u16be:leaks-slot-on-nul; do
    spec=${pair%%:*} bug=${pair#*:}
    width=2; [ "$spec" = u32be ] && width=4
    p=$(port)
    dir="$WORK/find-$bug"
    mkdir -p "$dir"
    (cd "$dir" && timeout $((FIND_LIMIT + 60)) "$FC" fuzz "127.0.0.1:$p" --framing "$spec" --seconds "$FIND_LIMIT" \
        --seed 1 --stop-after 1 --no-minimize --findings "$dir/out" -q \
        --exec "$FC serve --framing $spec --bug $bug --listen 127.0.0.1:$p" >/dev/null 2>"$dir/fc.log") || true
    fc_ms=$(cat "$dir"/out/*.json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["found_ms"])' 2>/dev/null || echo "not found in ${FIND_LIMIT} s")
    "$FC" serve --framing "$spec" --bug "$bug" --listen "127.0.0.1:$p" >"$dir/serve.log" 2>&1 &
    spid=$!
    PIDS+=("$spid")
    wait_port "$p"
    timeout $((FIND_LIMIT + 30)) "$VENV/bin/python3" scripts/fuzz-network/boofuzz_session.py \
        127.0.0.1 "$p" "$FIND_LIMIT" "$width" >"$dir/boo.json" 2>/dev/null || true
    kill "$spid" 2>/dev/null || true
    boo=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("not found in %s s (%d cases)" % (sys.argv[2], d["cases"]) if d["finding_s"] is None else "%d ms (%d cases)" % (d["finding_s"]*1000, d["cases"]))' "$dir/boo.json" "$FIND_LIMIT" 2>/dev/null || echo "no result")
    [[ "$fc_ms" =~ ^[0-9]+$ ]] && fc_ms="$fc_ms ms"
    rows+="| \`$bug\` | \`$spec\` | $fc_ms | $boo |"$'\n'
done

# 4. Feedback or not: time to each bug over 5 seeds, in-process server.
cargo build --release --locked -q -p framecheck-netfuzz --example time_to_find
feedback_table=$(timeout 600 target/release/examples/time_to_find 5 1 || echo "(did not finish)")

# 5. Optional long clean run against the correct server.
clean=""
if [ "$CLEAN_SECONDS" -gt 0 ]; then
    (cd "$WORK" && timeout $((CLEAN_SECONDS + 60)) "$FC" fuzz "127.0.0.1:$SV_PORT" --framing u16be \
        --seconds "$CLEAN_SECONDS" --seed 7 --jobs 2 --findings "$WORK/f-clean" -q >/dev/null 2>"$WORK/clean.log") || true
    n=$(find "$WORK/f-clean" -name '*.json' 2>/dev/null | wc -l)
    clean="$CLEAN_SECONDS s, --jobs 2, seed 7, against \`framecheck serve --framing u16be\`: $(tail -1 "$WORK/clean.log" | sed 's/^framecheck fuzz: //'); $n replay files."
fi

boo_med=$(printf '%s\n' "${boo_rates[@]}" | median)
fc1_med=$(printf '%s\n' "${fc1_rates[@]}" | median)
fc2_med=$(printf '%s\n' "${fc2_rates[@]}" | median)
sv_med=$(printf '%s\n' "${sv_rates[@]}" | median)
ratio() { python3 -c "import sys; b=float(sys.argv[2]); print('%.1f' % (float(sys.argv[1]) / b) if b else 'n/a')" "$1" "$2"; }
cpu=$(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)
cores=$(grep -c ^processor /proc/cpuinfo)

mkdir -p "$(dirname "$OUT")"
cat >"$OUT" <<EOF
# framecheck fuzz beside boofuzz

Generated by \`scripts/fuzz-network.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $cpu, $cores
cores; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). boofuzz $BOO_VERSION (pip, its own
virtualenv), framecheck release build. Everything on loopback. Medians of $ROUNDS rounds of
$SECONDS_EACH s.

boofuzz's session: a fuzzable 2-byte big-endian length (\`s_size\`) and a fuzzable string
payload, the shape of framecheck's \`--framing u16be\` messages; one connection per case (its
only mode), at its fastest: no \`recv\` after a case (BOOFUZZ_RECV=${BOOFUZZ_RECV:-0}; with 1 it
reads one \`recv\` per case with a 10 ms timeout, and every case whose length was fuzzed upwards
waits it out), text logger to /dev/null, no web UI, no sleep between cases. framecheck: defaults (feedback off, see below).

## Throughput

| target | boofuzz cases/s | framecheck --jobs 1 sessions/s | framecheck --jobs 2 sessions/s | ratio (jobs 1 / boofuzz) |
|---|---|---|---|---|
| Python echo server (\`scripts/fuzz-network/echo_server.py\`, u16be) | $boo_med | $fc1_med | $fc2_med | $(ratio "$fc1_med" "$boo_med") |
| \`framecheck serve --framing u16be\` | | | $sv_med | |

Per round: boofuzz ${boo_rates[*]}; framecheck jobs 1 ${fc1_rates[*]}; jobs 2 ${fc2_rates[*]};
against framecheck serve ${sv_rates[*]}. Findings against the correct servers during these
runs (false positives): $py_findings against the Python server, $sv_findings against
\`framecheck serve\`.

## Time to each finding

Seed 1, at most $FIND_LIMIT s each. framecheck: \`--exec\` starts the buggy server, the time is
when the crash or hang was confirmed by the liveness probe (\`found_ms\` of the replay file,
before confirmation and minimization). boofuzz: the first time a probe thread (a valid frame
every 100 ms) saw the server fail; boofuzz itself would blame the next case.

| bug | framing | framecheck fuzz | boofuzz |
|---|---|---|---|
$rows
## Feedback or not

Time to each bug (ms from the start of the run to the probe's verdict), seeds 1 to 5, one
job, in-process reference server, no minimization (\`harness/netfuzz/examples/time_to_find.rs\`).
Feedback keeps a session in the corpus when the server's behaviour class (reply-frame count
class, reply length class, ending, latency bucket) is new, and mutates corpus sessions;
without it every session is a mutation of fresh valid messages.

$feedback_table
EOF
if [ -n "$clean" ]; then
    printf '\n## Long run against the correct server\n\n%s\n' "$clean" >>"$OUT"
fi
cat "$OUT"
