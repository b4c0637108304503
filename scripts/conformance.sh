#!/usr/bin/env bash
# The CI conformance job: the suite against the reference echo server on every
# framing strategy, then the built-in profiles against real servers on
# loopback (redis-server, mosquitto, dnsmasq, installed with apt-get).
#
# Writes reports/conformance/<target>.{json,xml,html,md} and
# reports/conformance/summary.md (also appended to $GITHUB_STEP_SUMMARY when
# set). Every server started here listens on 127.0.0.1 only, on a free high
# port, and is stopped on exit, whatever happens.
#
# Exit status: 0 when every target is conformant (warnings and listed known
# deviations allowed); 1 when a target fails a case or the harness breaks.
# A real server that cannot be installed (no apt, no network) is reported as
# skipped, not as a failure.
#
# Environment: FRAMECHECK_BUILD=release|dev (default release),
# FRAMECHECK_SKIP_REAL=1 to skip the apt servers, SEED (default 1).
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=reports/conformance
SEED=${SEED:-1}
BUILD=${FRAMECHECK_BUILD:-release}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/framecheck-conformance.XXXXXX")
PIDS=()
FAILED=()
SUMMARY_ROWS=()
started_at=$SECONDS

log() { printf '\n== %s\n' "$*"; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        # Give each a moment, then insist.
        for _ in 1 2 3 4 5 6 7 8 9 10; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port on 127.0.0.1 that nothing listens on (checked by connecting).
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# Wait until 127.0.0.1:$1 accepts connections, at most $2 seconds, while
# process $3 is alive.
wait_port() {
    local port=$1 deadline=$((SECONDS + $2)) pid=$3
    while ((SECONDS < deadline)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# run_suite NAME ADDR ARGS...: one run with every report format.
run_suite() {
    local name=$1 addr=$2 rc
    shift 2
    local expect=()
    if [ -f "$OUT/expect-$name.txt" ]; then
        expect=(--expect "$OUT/expect-$name.txt")
    fi
    "$BIN" run "$addr" "$@" --seed "$SEED" --quiet "${expect[@]}" \
        --json "$OUT/$name.json" --junit "$OUT/$name.xml" \
        --html "$OUT/$name.html" --markdown "$OUT/$name.md"
    rc=$?
    case $rc in
        0) SUMMARY_ROWS+=("| $name | conformant |") ;;
        *) SUMMARY_ROWS+=("| $name | exit code $rc |"); FAILED+=("$name (exit $rc)") ;;
    esac
}

log "build framecheck ($BUILD)"
if [ "$BUILD" = release ]; then
    cargo build --release --locked -p framecheck || exit 1
    BIN=target/release/framecheck
else
    cargo build --locked -p framecheck || exit 1
    BIN=target/debug/framecheck
fi
mkdir -p "$OUT"

log "reference echo server, every strategy"
for spec in 'fixed:16' 'line' 'crlf' 'u16be' 'u32be,offset=1,adjust=-4' 'varint,offset=1' \
    'tagged:A=4/B=16/V=u16be' 'eof,max=1MiB'; do
    name="reference-$(printf '%s' "${spec%%,*}" | tr -c 'a-z0-9\n' '-' | sed 's/-*$//')"
    "$BIN" serve --framing "$spec" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    pid=$!
    PIDS+=("$pid")
    addr=
    for _ in $(seq 1 100); do
        addr=$(sed -n 's/^listening on //p' "$WORK/$name.out" | head -1)
        [ -n "$addr" ] && break
        sleep 0.05
    done
    if [ -z "$addr" ]; then
        echo "conformance: the reference server for $spec did not start:" >&2
        cat "$WORK/$name.err" >&2
        FAILED+=("$name (did not start)")
        continue
    fi
    echo "-- $name: $spec at $addr"
    run_suite "$name" "$addr" --framing "$spec"
    kill "$pid" 2>/dev/null
done

if [ "${FRAMECHECK_SKIP_REAL:-0}" = 1 ]; then
    log "real servers skipped (FRAMECHECK_SKIP_REAL=1)"
else
    log "real servers: install redis-server, mosquitto, dnsmasq"
    missing=()
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v mosquitto >/dev/null || missing+=(mosquitto)
    command -v dnsmasq >/dev/null || missing+=(dnsmasq)
    # dnsmasq-base would do, but the dnsmasq package is what a user installs.
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            export DEBIAN_FRONTEND=noninteractive
            timeout 180 apt-get update -qq &&
                timeout 180 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
                echo "conformance: warning: apt-get could not install ${missing[*]}" >&2
        else
            echo "conformance: warning: not root or no apt-get; cannot install ${missing[*]}" >&2
        fi
        # The packages may start system-wide services (on 0.0.0.0 and the
        # default ports); this job does not use them and leaves them alone.
    fi

    # redis-server: no persistence, loopback only.
    if command -v redis-server >/dev/null; then
        port=$(free_port)
        redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
            --dir "$WORK" --daemonize no --logfile "$WORK/redis.log" &
        PIDS+=($!)
        if wait_port "$port" 10 "$!"; then
            echo "-- redis $(redis-server --version | awk '{print $3}') at 127.0.0.1:$port"
            run_suite redis "127.0.0.1:$port" --profile redis
        else
            echo "conformance: redis-server did not start:" >&2
            tail -5 "$WORK/redis.log" >&2
            FAILED+=("redis (did not start)")
        fi
    else
        SUMMARY_ROWS+=("| redis | skipped: not installed |")
    fi

    # mosquitto 2.x: anonymous clients on one loopback listener.
    if command -v mosquitto >/dev/null; then
        port=$(free_port)
        printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n' \
            "$port" >"$WORK/mosquitto.conf"
        mosquitto -c "$WORK/mosquitto.conf" 2>"$WORK/mosquitto.log" &
        PIDS+=($!)
        if wait_port "$port" 10 "$!"; then
            echo "-- mosquitto $(mosquitto -h 2>&1 | sed -n 's/^mosquitto version //p') at 127.0.0.1:$port"
            run_suite mqtt "127.0.0.1:$port" --profile mqtt
        else
            echo "conformance: mosquitto did not start:" >&2
            tail -5 "$WORK/mosquitto.log" >&2
            FAILED+=("mqtt (did not start)")
        fi
    else
        SUMMARY_ROWS+=("| mqtt | skipped: not installed |")
    fi

    # dnsmasq: answers framecheck.test itself; no upstream, no /etc/hosts,
    # no config file, loopback only, in the foreground.
    if command -v dnsmasq >/dev/null; then
        port=$(free_port)
        dnsmasq --keep-in-foreground --conf-file=/dev/null --port="$port" \
            --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
            --address=/framecheck.test/127.0.0.1 --pid-file= --log-facility=- \
            2>"$WORK/dnsmasq.log" &
        PIDS+=($!)
        if wait_port "$port" 10 "$!"; then
            echo "-- dnsmasq $(dnsmasq --version | awk 'NR==1{print $3}') at 127.0.0.1:$port"
            run_suite dns "127.0.0.1:$port" --profile dns
        else
            echo "conformance: dnsmasq did not start:" >&2
            tail -5 "$WORK/dnsmasq.log" >&2
            FAILED+=("dns (did not start)")
        fi
    else
        SUMMARY_ROWS+=("| dns | skipped: not installed |")
    fi
fi

{
    echo "## framecheck conformance"
    echo
    echo "| target | result |"
    echo "|---|---|"
    printf '%s\n' "${SUMMARY_ROWS[@]}"
    echo
    echo "Seed $SEED; reports in \`$OUT/\` (JSON, JUnit XML, HTML, Markdown per target)."
} >"$OUT/summary.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
        cat "$OUT/summary.md"
        for f in "$OUT"/*.md; do
            [ "$f" = "$OUT/summary.md" ] || cat "$f"
        done
    } >>"$GITHUB_STEP_SUMMARY" 2>/dev/null
fi

log "conformance: $((SECONDS - started_at)) s"
cat "$OUT/summary.md"
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "conformance: FAILED: ${FAILED[*]}" >&2
    exit 1
fi
echo "conformance: all targets conformant"
