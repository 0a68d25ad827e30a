#!/usr/bin/env bash
# The demo: serve the fixture vendor site on 127.0.0.1, read its signed listing
# over HTTP, resolve a suite into a plan, build a signed self-extracting bundle
# (downloads cached and verified, each MSI checked against the listing), then
# verify, inspect and run it.
set -euo pipefail
cd "$(dirname "$0")"

echo "building airlock (release)..."
cargo build --release --quiet --bin airlock
airlock=$PWD/target/release/airlock
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory fixtures/site >/dev/null 2>&1 &
server=$!
listing="http://127.0.0.1:$port/itms.pl.xml"
for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('$listing')" 2>/dev/null && break
    sleep 0.1
done

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
selection=(--select cms --without it-analytics --optional smp-docs)

step "$airlock" products --listing "$listing" --vendor-key fixtures/keys/vendor-test.pub
step "$airlock" plan --listing "$listing" --vendor-key fixtures/keys/vendor-test.pub "${selection[@]}"
step "$airlock" keygen --out "$work/builder"

step "$airlock" build --listing "$listing" --vendor-key fixtures/keys/vendor-test.pub "${selection[@]}" \
    --accept-eula --license fixtures/licenses/patch.xml --contact "ops@example.com" \
    --sign-key "$work/builder.key" --cache "$work/cache" --out "$work/Symantec_Install_Package.exe"
step "$airlock" inspect "$work/Symantec_Install_Package.exe"
step "$airlock" verify "$work/Symantec_Install_Package.exe" --trust "$work/builder.pub"
step "$work/Symantec_Install_Package.exe" --extract-only --trust "$work/builder.pub" --root "$work/state"
step ls "$work/Symantec/Components"
