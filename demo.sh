#!/usr/bin/env bash
# The demo: serve the fixture vendor site on 127.0.0.1, read its signed listing
# over HTTP, resolve a suite into a plan, build a signed self-extracting bundle
# (downloads cached and verified, each MSI checked against the listing), then
# verify, inspect and run it: the bundle installs itself through Wine's Windows
# Installer into a fresh Wine prefix, then shows the machine's status and
# exports its history.
set -euo pipefail
cd "$(dirname "$0")"

echo "building airlock (release)..."
cargo build --release --quiet --bin airlock
airlock=$PWD/target/release/airlock
work=$(mktemp -d)
server=
export WINEPREFIX=$work/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wineserver -k 2>/dev/null; rm -rf "$work"' EXIT

# Installing needs Wine (its msiexec is the Windows Installer here).
if ! command -v wine >/dev/null || ! command -v wineserver >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing Wine (apt-get install wine64 wine)..."
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wine64 wine >/dev/null
    else
        echo "demo.sh needs Wine to install the bundle: on Debian or Ubuntu run" >&2
        echo "  sudo apt-get install wine64 wine" >&2
        exit 1
    fi
fi

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

# The offline side for real: a fresh Wine prefix is the "server"; the bundle
# runs itself, checks readiness, and installs every step through wine msiexec.
echo "creating a fresh Wine prefix (about 15 s)..."
wine wineboot --init >/dev/null 2>&1
cat >"$work/answers.toml" <<'TOML'
[smp]
INSTALLDIR = 'C:\Program Files\Altiris'
NS_PASSWORD = 'demo-only-password'
TOML
step "$work/Symantec_Install_Package.exe" --trust "$work/builder.pub" --root "$work/state" \
    --msiexec "wine msiexec" --answers "$work/answers.toml" --yes
step ls "$WINEPREFIX/drive_c/Program Files/Altiris"
step "$airlock" status --root "$work/state"
step "$airlock" history export --out "$work/history.xml" --root "$work/state"
step head -n 8 "$work/history.xml"
if grep -rq demo-only-password "$work/state"; then
    echo "the secret NS_PASSWORD was found under the state root" >&2
    exit 1
fi
echo
echo "no trace of the secret NS_PASSWORD under $work/state (record, logs, listings)"

# Back on the builder: the exported history says what the server has; with
# the same listing, nothing is newer, so the update plan is empty.
step "$airlock" plan --listing "$listing" --history "$work/history.xml"
