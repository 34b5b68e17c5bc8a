#!/usr/bin/env bash
# Set up nosworkbook on a fresh machine with Python 3.11: a virtualenv in .venv with the
# package installed. With --test, also the test tools and Debian's chromium for browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python=python3.11
command -v "$python" >/dev/null 2>&1 || python=python3

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

extras=""
if [ "${1:-}" = "--test" ]; then
    extras="[test]"
    if ! command -v chromium >/dev/null 2>&1; then
        echo "Installing Debian's chromium for the browser tests..."
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        echo "Installing Debian's PostgreSQL server for the store's PostgreSQL tests..."
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras}"
echo "nosworkbook is set up in .venv"
