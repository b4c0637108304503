#!/usr/bin/env bash
# Install, once, what the tests and the conformance job need beyond the Rust
# toolchain: python3 (the independent Python servers of the runner's tests)
# and the real servers of scripts/conformance.sh (redis-server, mosquitto,
# dnsmasq, memcached, beanstalkd, postgresql, nginx, apache2). Debian packages, as root; anything already present is left as
# it is. Exits non-zero when something is still missing afterwards, so CI
# fails instead of skipping tests.
set -euo pipefail

missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v mosquitto >/dev/null || missing+=(mosquitto)
command -v dnsmasq >/dev/null || missing+=(dnsmasq)
command -v memcached >/dev/null || missing+=(memcached)
command -v beanstalkd >/dev/null || missing+=(beanstalkd)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/sbin/apache2 ] || missing+=(apache2)
pg_initdb() { ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1; }
[ -n "$(pg_initdb)" ] || missing+=(postgresql)
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-prereqs: python3, redis-server, mosquitto, dnsmasq, memcached, beanstalkd, postgresql, nginx, apache2 already installed"
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "install-prereqs: cannot install ${missing[*]}: not root or no apt-get" >&2
    exit 1
fi
echo "install-prereqs: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
timeout 300 apt-get update -qq
timeout 300 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages may start system-wide services (on their default ports);
# nothing here uses them, and they are left alone.
for cmd in python3 redis-server mosquitto dnsmasq memcached beanstalkd; do
    if ! command -v "$cmd" >/dev/null; then
        echo "install-prereqs: $cmd is still missing" >&2
        exit 1
    fi
done
for exe in /usr/sbin/nginx /usr/sbin/apache2; do
    if [ ! -x "$exe" ]; then
        echo "install-prereqs: $exe is still missing" >&2
        exit 1
    fi
done
if [ -z "$(pg_initdb)" ]; then
    echo "install-prereqs: postgresql (initdb) is still missing" >&2
    exit 1
fi
echo "install-prereqs: done"
