#!/usr/bin/env bash
# The demo, the Windows administrator's path: serve the fixture vendor site on
# 127.0.0.1, read its signed listing over HTTP, resolve a suite into a plan,
# build a signed bundle for Windows servers (downloads cached and verified,
# each MSI checked against the listing) around the Windows runner cross-built
# here, then verify and inspect it, pin the vendor's key on the server and
# run `wine Bundle.exe`: it checks every file against the vendor's signed
# listing, then installs itself through Wine's own msiexec into a fresh Wine
# prefix, keeping its state in C:\ProgramData\Airlock, whose kept runner then
# shows the machine's status and exports its history for the next,
# incremental plan.
set -euo pipefail
cd "$(dirname "$0")"

target=x86_64-pc-windows-gnu
work=$(mktemp -d)
server=
cross=
export WINEPREFIX=$work/wine WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() {
    [ -n "$cross" ] && kill "$cross" 2>/dev/null
    [ -n "$server" ] && kill "$server" 2>/dev/null
    wineserver -k 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# What a fresh Debian machine lacks: Wine (its msiexec is the Windows
# Installer here), the mingw linker and Rust's Windows target.
missing=()
command -v wine >/dev/null && command -v wineserver >/dev/null || missing+=(wine64 wine)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(gcc-mingw-w64-x86-64)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing ${missing[*]} (apt-get)..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "demo.sh needs ${missing[*]}: on Debian or Ubuntu run" >&2
        echo "  sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
fi
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    if [ "$(id -u)" = 0 ] || [ -w "${RUSTUP_HOME:-$HOME/.rustup}" ]; then
        echo "adding Rust's Windows target (rustup target add $target)..."
        rustup target add "$target" >/dev/null
    else
        echo "demo.sh needs Rust's Windows target: run  rustup target add $target" >&2
        exit 1
    fi
fi

echo "building airlock (release)..."
cargo build --release --quiet --bin airlock
airlock=$PWD/target/release/airlock

# The Windows runner builds in the background while the online side works.
runner_build=(cargo build --profile runner --target "$target" --no-default-features)
echo "cross-building the Windows runner in the background: ${runner_build[*]}"
"${runner_build[@]}" >"$work/cross.log" 2>&1 &
cross=$!

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
step "$airlock" keygen --out "$work/builder/builder"

# Meanwhile, the "server": a fresh Wine prefix, with the test-only ProcessPrng
# shim that Wine 8 lacks and Rust programs import (built here, never shipped
# in a bundle; see tests/fixtures/windows/processprng.c).
echo
echo "creating a fresh Wine prefix (the Windows server) while the runner builds..."
wine wineboot --init >/dev/null 2>&1
x86_64-w64-mingw32-gcc -shared -O2 -s -o "$work/bcryptprimitives.dll" \
    tests/fixtures/windows/processprng.c -ladvapi32
cp "$work/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

while kill -0 "$cross" 2>/dev/null; do
    now=$(grep -E '^ *(Compiling|Finished)' "$work/cross.log" | tail -n 1 | sed 's/^ *//')
    echo "waiting for the Windows runner build: ${now:-starting}"
    sleep 15
done
if ! wait "$cross"; then
    cross=
    echo "the Windows runner did not build:" >&2
    tail -n 30 "$work/cross.log" >&2
    exit 1
fi
cross=
export AIRLOCK_RUNNER=$PWD/target/$target/runner/airlock.exe
echo "built the Windows runner: AIRLOCK_RUNNER=$AIRLOCK_RUNNER"

mkdir "$work/usb"
bundle=$work/usb/Symantec_Install_Package.exe
step "$airlock" build --listing "$listing" --vendor-key fixtures/keys/vendor-test.pub "${selection[@]}" \
    --accept-eula --license fixtures/licenses/patch.xml --contact "ops@example.com" \
    --sign-key "$work/builder/builder.key" --cache "$work/cache" --out "$bundle"
step "$airlock" inspect "$bundle"
step "$airlock" verify "$bundle" --trust "$work/builder/builder.pub" --vendor-key fixtures/keys/vendor-test.pub

# The offline side for real: the bundle runs itself under Wine, checks
# readiness, and installs every step through Wine's own msiexec.
cat >"$work/usb/answers.toml" <<'TOML'
[smp]
INSTALLDIR = 'C:\Program Files\Altiris'
NS_PASSWORD = 'demo-only-password'
TOML
# The server pins the vendor's key once: every bundle's files are then checked
# against the listing the vendor signed, whoever built the bundle.
mkdir -p "$WINEPREFIX/drive_c/ProgramData/Airlock/vendor-keys"
step cp fixtures/keys/vendor-test.pub "$WINEPREFIX/drive_c/ProgramData/Airlock/vendor-keys/Symantec.pub"
cd "$work/usb"
step wine Symantec_Install_Package.exe --trust ../builder/builder.pub --answers answers.toml --yes </dev/null
cd - >/dev/null
state=$WINEPREFIX/drive_c/ProgramData/Airlock
step ls "$work/usb/Symantec/Components" "$WINEPREFIX/drive_c/Program Files/Altiris" "$state"

# The runner the install kept in C:\ProgramData\Airlock manages the machine
# once the bundle is gone.
rm "$bundle"
kept=$state/runner/airlock.exe
step wine "$kept" status </dev/null
step wine "$kept" history export --out 'C:\history.xml' </dev/null
step head -n 8 "$WINEPREFIX/drive_c/history.xml"
if grep -rq demo-only-password "$state"; then
    echo "the secret NS_PASSWORD was found under C:\\ProgramData\\Airlock" >&2
    exit 1
fi
echo
echo "no trace of the secret NS_PASSWORD under C:\\ProgramData\\Airlock (record, logs, listings)"

# Back on the builder: the exported history says what the server has, and
# the update plan what the listing offers beyond it.
step "$airlock" plan --listing "$listing" --history "$WINEPREFIX/drive_c/history.xml"
