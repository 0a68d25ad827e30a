#!/usr/bin/env bash
# The demo: serve the fixture vendor site on 127.0.0.1, read its signed listing
# over HTTP, resolve a suite into a plan, download the planned files, pack them
# into a signed self-extracting bundle, then verify, inspect and run it.
set -euo pipefail
cd "$(dirname "$0")"

echo "building airlock (release)..."
cargo build --release --quiet --bin airlock --example pack -p airlock -p bundle-format
airlock=$PWD/target/release/airlock
pack=$PWD/target/release/examples/pack
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

# Until `airlock build` exists: fetch what the plan names, checking each sha256,
# and pack it with the bundle-format library's example packer.
"$airlock" plan --listing "$listing" --vendor-key fixtures/keys/vendor-test.pub "${selection[@]}" --json \
    > "$work/plan.json"
mkdir "$work/files"
python3 - "$work/plan.json" "$work/files" <<'PY'
import hashlib, json, sys, urllib.request
plan, out = json.load(open(sys.argv[1])), sys.argv[2]
for item in plan["items"]:
    data = urllib.request.urlopen(item["url"]).read()
    if hashlib.sha256(data).hexdigest() != item["sha256"]:
        sys.exit(f"{item['file']}: sha256 does not match the listing")
    open(f"{out}/{item['file']}", "wb").write(data)
print(f"fetched {len(plan['items'])} files, {plan['totalBytes']} bytes, every sha256 checked")
PY
step "$pack" --key "$work/builder.key" --out "$work/Symantec_Install_Package.exe" \
    --runner "$airlock" --vendor Symantec "$work"/files/*
step "$airlock" inspect "$work/Symantec_Install_Package.exe"
step "$airlock" verify "$work/Symantec_Install_Package.exe" --trust "$work/builder.pub"
step "$work/Symantec_Install_Package.exe" --extract-only --trust "$work/builder.pub" --root "$work/state"
step ls "$work/Symantec/Components"
