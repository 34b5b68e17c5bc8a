#!/usr/bin/env bash
# Set up nosworkbook on a fresh machine with Python 3.11: a virtualenv in .venv with the
# package installed, and the hub's configurable-http-proxy from npm in .venv/hub (Debian's
# nodejs and npm first, where node is missing). With --test, also the test tools and Debian's
# chromium for browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

python=python3.11
command -v "$python" >/dev/null 2>&1 || python=python3

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The PDF reports draw their text in DejaVu Sans (Debian's fonts-dejavu-core) and embed it, so
# nothing is fetched when a PDF is made. Installed here, not only with --test: reports are a
# main feature.
if ! [ "$(dpkg-query -W -f='${db:Status-Status}' fonts-dejavu-core 2>/dev/null)" = installed ]; then
    echo "Installing Debian's DejaVu fonts for the PDF reports..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null
fi

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

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "Installing Debian's nodejs and npm for the hub's proxy..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".${extras}"
proxy=configurable-http-proxy@4.6.3  # nosworkbook.hub.config.PROXY_VERSION
if [ "$(.venv/hub/node_modules/.bin/configurable-http-proxy --version 2>/dev/null)" != "${proxy#*@}" ]; then
    npm install --prefix .venv/hub --no-audit --no-fund --loglevel=error "$proxy" >/dev/null
fi
echo "nosworkbook is set up in .venv"
