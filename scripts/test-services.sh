#!/usr/bin/env bash
# What the test suite needs besides .venv: PostgreSQL on 127.0.0.1:5432 (trust on
# loopback), Debian's headless Chromium, and Java 17+ for the Spark tests. Installs and starts them when it can (root,
# apt); otherwise says what is missing and lets the tests report it.
set -uo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=""
apt_install() {
    [ -n "$apt_updated" ] || { as_root apt-get update -qq && apt_updated=1; } || return 1
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        echo "installing PostgreSQL (Debian package) for the tests …"
        if apt_install postgresql; then
            # A fresh install asks for passwords on TCP; the tests use trust on loopback only.
            hba="$(ls /etc/postgresql/*/main/pg_hba.conf | head -1)"
            as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
        fi
    fi
    if command -v pg_ctlcluster >/dev/null 2>&1; then
        as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
        for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
    fi
fi
pg_isready -h 127.0.0.1 -p 5432 \
    || echo "warning: PostgreSQL is not reachable on 127.0.0.1:5432; its tests will fail in CI and skip locally"

if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Chromium (Debian package) for the report's rendering test …"
    apt_install chromium || echo "warning: chromium is missing; the report rendering test will fail"
fi
java_major() { java -version 2>&1 | sed -n 's/.*version "\(1\.\)\{0,1\}\([0-9]*\).*/\2/p' | head -1; }
if [ -z "${JAVA_HOME:-}" ] && { ! command -v java >/dev/null 2>&1 || [ "$(java_major)" -lt 17 ]; }; then
    echo "installing Java 17 (Debian package) for the Spark tests …"
    apt_install openjdk-17-jre-headless || echo "warning: Java 17+ is missing; the Spark tests will fail"
fi
exit 0
