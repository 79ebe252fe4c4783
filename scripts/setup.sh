#!/usr/bin/env bash
# Create .venv and install the project into it. With --test, also the test tools and
# Debian's Chromium for the browser tests (playwright cannot download browsers here).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "${1:-}" = "--test" ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
    if [ ! -x /usr/bin/chromium ]; then
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
    fi
else
    .venv/bin/python -m pip install -q -e .
fi
# Write the shipped model's map and decoder files into ./static so the first page load
# is fast (the app would otherwise build them, ~2.5 s, on its first run).
.venv/bin/python scripts/warm_static.py
