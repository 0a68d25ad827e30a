#!/usr/bin/env bash
# The demo: serve the fixture vendor site on 127.0.0.1, read its signed listing
# over HTTP, resolve a suite into a plan, and make a signing key.
set -euo pipefail
cd "$(dirname "$0")"

cargo build --release --quiet
airlock=$PWD/target/release/airlock
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory fixtures/site >/dev/null 2>&1 &
server=$!
listing="http://127.0.0.1:$port/itms.pl.xml"
for _ in $(seq 50); do python3 -c "import urllib.request; urllib.request.urlopen('$listing')" 2>/dev/null && break; sleep 0.1; done

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }

step "$airlock" products --listing "$listing" --vendor-key fixtures/keys/vendor-test.pub
step "$airlock" plan --listing "$listing" --vendor-key fixtures/keys/vendor-test.pub \
    --select cms --without it-analytics --optional smp-docs
step "$airlock" keygen --out "$work/builder"
