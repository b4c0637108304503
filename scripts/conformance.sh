#!/usr/bin/env bash
# The CI conformance job: the suite against the reference echo server on every
# framing strategy, then the built-in profiles against real servers on
# loopback (redis-server, mosquitto, dnsmasq, installed with apt-get), and
# a user-written format-v2 profile against memcached
# (harness/runner/tests/profiles/memcached.toml), and the built-in postgres
# profile against a throwaway PostgreSQL cluster (trust authentication);
# beanstalkd: a user-written v2 profile with counted replies
# (harness/runner/tests/profiles/beanstalkd.toml); and the built-in http
# profile against nginx and apache2 serving one static file (their two suites
# side by side).
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

# A TCP port on 127.0.0.1 that nothing listens on (checked by connecting),
# below the kernel's ephemeral range, so that the thousands of client
# connections the suite makes (and their TIME_WAIT) never hold it.
free_port() {
    local port low=32768
    if [ -r /proc/sys/net/ipv4/ip_local_port_range ]; then
        read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    fi
    ((low > 12000)) || low=32768
    for _ in $(seq 1 50); do
        port=$((10000 + RANDOM % (low - 10000)))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# start NAME LOG COMMAND...: start a server whose command line holds the
# word PORT (replaced by a free port), up to 3 tries; sets PORT on success.
start() {
    local name=$1 logfile=$2 pid
    shift 2
    for _ in 1 2 3; do
        PORT=$(free_port) || return 1
        "${@//PORT/$PORT}" >"$logfile" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        if wait_port "$PORT" 10 "$pid"; then
            return 0
        fi
        kill "$pid" 2>/dev/null
        echo "conformance: $name did not start on port $PORT:" >&2
        tail -3 "$logfile" >&2
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
for target in fixed=fixed:16 line=line crlf=crlf u16be=u16be postgres='u32be,offset=1,adjust=-4' \
    mqtt-like='varint,offset=1' tagged='tagged:A=4/B=16/V=u16be' eof='eof,max=1MiB' \
    resp=resp resp-request=resp:request; do
    name="reference-${target%%=*}"
    spec=${target#*=}
    # A 1 s idle timeout: the suite waits 1.5 s for one (limits/idle-timeout).
    "$BIN" serve --framing "$spec" --idle-timeout 1 >"$WORK/$name.out" 2>"$WORK/$name.err" &
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

# The reference HTTP/1.1 server, with the built-in http profile.
"$BIN" serve --framing 'http1:request,max=1MiB' --idle-timeout 1 \
    >"$WORK/reference-http.out" 2>"$WORK/reference-http.err" &
PIDS+=("$!")
addr=
for _ in $(seq 1 100); do
    addr=$(sed -n 's/^listening on //p' "$WORK/reference-http.out" | head -1)
    [ -n "$addr" ] && break
    sleep 0.05
done
if [ -n "$addr" ]; then
    echo "-- reference-http: http1:request at $addr"
    run_suite reference-http "$addr" --profile http
else
    echo "conformance: the reference HTTP server did not start:" >&2
    cat "$WORK/reference-http.err" >&2
    FAILED+=("reference-http (did not start)")
fi

if [ "${FRAMECHECK_SKIP_REAL:-0}" = 1 ]; then
    log "real servers skipped (FRAMECHECK_SKIP_REAL=1)"
else
    log "real servers: install redis-server, mosquitto, dnsmasq, memcached, beanstalkd, postgresql, nginx, apache2"
    pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
    missing=()
    [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v mosquitto >/dev/null || missing+=(mosquitto)
    command -v dnsmasq >/dev/null || missing+=(dnsmasq)
    command -v memcached >/dev/null || missing+=(memcached)
    command -v beanstalkd >/dev/null || missing+=(beanstalkd)
    [ -x /usr/sbin/nginx ] || missing+=(nginx)
    [ -x /usr/sbin/apache2 ] || missing+=(apache2)
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

    # In CI a real server that could not be installed fails the job: a
    # missing prerequisite must not pass as a skip.
    not_installed() {
        SUMMARY_ROWS+=("| $1 | skipped: not installed |")
        if [ -n "${CI:-}" ] && [ "${CI}" != false ] && [ "${CI}" != 0 ]; then
            FAILED+=("$1 (not installed)")
        fi
    }

    # redis-server: no persistence, loopback only, default limits; the
    # built-in redis profile speaks RESP (resp:request / resp).
    if ! command -v redis-server >/dev/null; then
        not_installed redis
    elif start redis-server "$WORK/redis.err" redis-server --port PORT --bind 127.0.0.1 \
        --save '' --appendonly no --dir "$WORK" --daemonize no --logfile ''; then
        echo "-- redis $(redis-server --version | awk '{print $3}') at 127.0.0.1:$PORT"
        run_suite redis "127.0.0.1:$PORT" --profile redis
    else
        FAILED+=("redis (did not start)")
    fi

    # mosquitto 2.x: anonymous clients on one loopback listener.
    if ! command -v mosquitto >/dev/null; then
        not_installed mqtt
    else
        printf 'listener PORT 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n' \
            >"$WORK/mosquitto.conf.in"
        # The config file names the port, so write it per try.
        mosquitto_on() {
            sed "s/PORT/$1/" "$WORK/mosquitto.conf.in" >"$WORK/mosquitto.conf"
            exec mosquitto -c "$WORK/mosquitto.conf"
        }
        if start mosquitto "$WORK/mosquitto.err" mosquitto_on PORT; then
            echo "-- mosquitto $(mosquitto -h 2>&1 | sed -n 's/^mosquitto version //p') at 127.0.0.1:$PORT"
            run_suite mqtt "127.0.0.1:$PORT" --profile mqtt
        else
            FAILED+=("mqtt (did not start)")
        fi
    fi

    # dnsmasq: answers framecheck.test itself; no upstream, no /etc/hosts,
    # no config file, loopback only, in the foreground.
    if ! command -v dnsmasq >/dev/null; then
        not_installed dns
    elif start dnsmasq "$WORK/dnsmasq.err" dnsmasq --keep-in-foreground --conf-file=/dev/null \
        --port=PORT --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
        --address=/framecheck.test/127.0.0.1 --pid-file= --log-facility=-; then
        echo "-- dnsmasq $(dnsmasq --version | awk 'NR==1{print $3}') at 127.0.0.1:$PORT"
        run_suite dns "127.0.0.1:$PORT" --profile dns
    else
        FAILED+=("dns (did not start)")
    fi

    # memcached: loopback TCP only (no UDP), 2 threads, a throwaway cache
    # (the profile writes one key). As root it must be told a user to run as.
    memcached_user=()
    [ "$(id -u)" = 0 ] && memcached_user=(-u nobody)
    if ! command -v memcached >/dev/null; then
        not_installed memcached
    elif start memcached "$WORK/memcached.err" memcached "${memcached_user[@]}" -l 127.0.0.1 \
        -p PORT -U 0 -t 2; then
        echo "-- memcached $(memcached -V | awk '{print $2}') at 127.0.0.1:$PORT"
        run_suite memcached "127.0.0.1:$PORT" --profile harness/runner/tests/profiles/memcached.toml
    else
        FAILED+=("memcached (did not start)")
    fi

    # beanstalkd: loopback only, no binlog (jobs in memory, gone at exit),
    # jobs of at most 222 bytes (-z; the profile's lines are at most 222
    # bytes too). The profile puts one job per connection in its own tube.
    if ! command -v beanstalkd >/dev/null; then
        not_installed beanstalkd
    elif start beanstalkd "$WORK/beanstalkd.err" beanstalkd -l 127.0.0.1 -p PORT -z 222; then
        echo "-- beanstalkd $(beanstalkd -v | awk '{print $2}') at 127.0.0.1:$PORT"
        run_suite beanstalkd "127.0.0.1:$PORT" --profile harness/runner/tests/profiles/beanstalkd.toml
    else
        FAILED+=("beanstalkd (did not start)")
    fi

    # PostgreSQL: a throwaway cluster in $WORK whose superuser "framecheck" is
    # trusted (no password), listening on 127.0.0.1 only (its Unix socket in
    # $WORK too), fsync off. initdb and postgres refuse to run as root: as
    # root they run as the postgres user the package created.
    PG_BIN=$(pg_bin)
    if [ ! -x "$PG_BIN/initdb" ]; then
        not_installed postgres
    else
        as_pg=()
        PG_DIR="$WORK/pg"
        mkdir -p "$PG_DIR"
        if [ "$(id -u)" = 0 ]; then
            as_pg=(setpriv --reuid=postgres --regid=postgres --clear-groups)
            chmod 711 "$WORK"
            chown postgres: "$PG_DIR"
        fi
        if ! "${as_pg[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U framecheck --auth=trust \
            -E UTF8 --no-locale >"$WORK/initdb.log" 2>&1; then
            tail -5 "$WORK/initdb.log" >&2
            FAILED+=("postgres (initdb failed)")
        elif start postgres "$WORK/postgres.err" "${as_pg[@]}" "$PG_BIN/postgres" \
            -D "$PG_DIR/data" -p PORT -c listen_addresses=127.0.0.1 -k "$PG_DIR" -c fsync=off; then
            echo "-- postgres $("$PG_BIN/postgres" --version | awk '{print $3}') at 127.0.0.1:$PORT"
            run_suite postgres "127.0.0.1:$PORT" --profile postgres
        else
            FAILED+=("postgres (did not start)")
        fi
    fi

    # HTTP: nginx and apache2, each serving $WORK/www (index.html holds
    # "framecheck\n") on 127.0.0.1 only, with a throwaway configuration of
    # its own (no system config, no daemon, pid and temp files in $WORK), and
    # a request body limit of 1 MiB (nginx's default client_max_body_size;
    # apache2's LimitRequestBody set to match), which the http profile's
    # request framing declares, and a 1 s timeout for a request's head and
    # body (nginx's client_header_timeout and client_body_timeout, apache2's
    # mod_reqtimeout; both 60 s by default), as the reference servers get
    # --idle-timeout 1: limits/idle-timeout waits 1.5 s for one. No limit on
    # requests per connection (nginx's keepalive_requests, 1000 by default;
    # apache2's MaxKeepAliveRequests, 100): past it both close and drain the
    # rest, so reset/while-server-writes never sees them blocked writing.
    # The two suites run side by side (each run is mostly waiting), then are
    # collected.
    mkdir -p "$WORK/www" "$WORK/nginx" "$WORK/apache2"
    printf 'framecheck\n' >"$WORK/www/index.html"
    chmod 711 "$WORK"
    chmod 755 "$WORK/www"
    chmod 644 "$WORK/www/index.html"
    HTTP_JOBS=()
    HTTP_PIDS=()
    # run_http NAME PORT: run_suite in the background; collected below.
    run_http() {
        (
            run_suite "$1" "127.0.0.1:$2" --profile http >"$WORK/$1.suite" 2>&1
            printf '%s\n' "${SUMMARY_ROWS[-1]}" >"$WORK/$1.row"
            if [ ${#FAILED[@]} -gt 0 ]; then printf '%s\n' "${FAILED[-1]}" >"$WORK/$1.failed"; fi
        ) &
        HTTP_PIDS+=($!)
        HTTP_JOBS+=("$1")
    }
    if [ ! -x /usr/sbin/nginx ]; then
        not_installed nginx
    else
        cat >"$WORK/nginx.conf.in" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    client_max_body_size 1m;
    client_header_timeout 1s;
    client_body_timeout 1s;
    keepalive_requests 10000000;
    server {
        listen 127.0.0.1:PORT;
        root $WORK/www;
    }
}
EOF
        nginx_on() {
            sed "s/PORT/$1/" "$WORK/nginx.conf.in" >"$WORK/nginx.conf"
            exec /usr/sbin/nginx -c "$WORK/nginx.conf" -p "$WORK/nginx/"
        }
        if start nginx "$WORK/nginx.err" nginx_on PORT; then
            echo "-- nginx $(/usr/sbin/nginx -v 2>&1 | sed 's|.*/||') at 127.0.0.1:$PORT"
            run_http nginx "$PORT"
        else
            FAILED+=("nginx (did not start)")
        fi
    fi
    if [ ! -x /usr/sbin/apache2 ]; then
        not_installed apache2
    else
        # mpm_event, as Debian's default; as root the children run as nobody.
        apache_user=
        [ "$(id -u)" = 0 ] && apache_user=$'User nobody\nGroup nogroup'
        cat >"$WORK/apache2.conf.in" <<EOF
ServerRoot /etc/apache2
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule reqtimeout_module /usr/lib/apache2/modules/mod_reqtimeout.so
RequestReadTimeout handshake=0 header=1 body=1
$apache_user
ServerName 127.0.0.1
Listen 127.0.0.1:PORT
PidFile $WORK/apache2/httpd.pid
DefaultRuntimeDir $WORK/apache2
Mutex file:$WORK/apache2
ErrorLog /dev/stderr
LogLevel warn
LimitRequestBody 1048576
MaxKeepAliveRequests 0
DocumentRoot $WORK/www
<Directory $WORK/www>
    Require all granted
</Directory>
DirectoryIndex index.html
TypesConfig /etc/mime.types
EOF
        apache2_on() {
            sed "s/PORT/$1/" "$WORK/apache2.conf.in" >"$WORK/apache2.conf"
            exec /usr/sbin/apache2 -f "$WORK/apache2.conf" -DFOREGROUND
        }
        if start apache2 "$WORK/apache2.err" apache2_on PORT; then
            echo "-- apache2 $(/usr/sbin/apache2 -v | sed -n 's|^Server version: Apache/||p') at 127.0.0.1:$PORT"
            run_http apache2 "$PORT"
        else
            FAILED+=("apache2 (did not start)")
        fi
    fi
    wait_http=$SECONDS
    for pid in "${HTTP_PIDS[@]}"; do
        wait "$pid"
    done
    for name in "${HTTP_JOBS[@]}"; do
        cat "$WORK/$name.suite"
        if [ -s "$WORK/$name.row" ]; then
            SUMMARY_ROWS+=("$(cat "$WORK/$name.row")")
        else
            SUMMARY_ROWS+=("| $name | harness broke |")
            FAILED+=("$name (no result)")
        fi
        if [ -s "$WORK/$name.failed" ]; then FAILED+=("$(cat "$WORK/$name.failed")"); fi
    done
    echo "-- http suites: $((SECONDS - wait_http)) s side by side"
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
