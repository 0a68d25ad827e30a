#!/usr/bin/env bash
# Fleet build benchmark: `airlock build --history` for a fleet of machines (20
# by default) against the same build for one machine, every bundle embedding
# the Windows runner built with the `runner` profile. The payloads are small
# (2 x 64 KiB from a local listing, already cached), so what each extra machine
# costs is mostly its copy of the runner: written, hashed and synced once per
# bundle. Prints the median time of each build, interleaved, and the time per
# extra machine: (fleet - one) / (machines - 1).
#
#   benches/fleet.sh
#   BENCH_RUNNER=path/to/airlock.exe benches/fleet.sh    # another runner
#
# Env: BENCH_MACHINES (default 20), BENCH_RUNS (default 5), BENCH_RUNNER (the
# runner to embed; default target/x86_64-pc-windows-gnu/runner/airlock.exe,
# built here), BENCH_DIR (work folder, default a new one under $TMPDIR, removed
# at the end), BENCH_NO_BUILD=1 (use the binaries already built;
# CARGO_TARGET_DIR is honoured).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
machines=${BENCH_MACHINES:-20}
runs=${BENCH_RUNS:-5}
((machines >= 2)) || { echo "BENCH_MACHINES must be at least 2" >&2; exit 1; }

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    (cd "$root" && cargo build --release --quiet --bin airlock -p airlock)
    [[ -n "${BENCH_RUNNER:-}" ]] || (cd "$root" && cargo build --profile runner --quiet \
        --target x86_64-pc-windows-gnu --no-default-features --bin airlock)
fi
target=${CARGO_TARGET_DIR:-$root/target}
airlock="$target/release/airlock"
runner=${BENCH_RUNNER:-$target/x86_64-pc-windows-gnu/runner/airlock.exe}
[[ -f "$runner" ]] || { echo "no runner at $runner" >&2; exit 1; }

work=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
[[ -n "${BENCH_DIR:-}" ]] || trap 'rm -rf "$work"' EXIT
cd "$work"
# shellcheck source=benches/lib.sh
source "$root/benches/lib.sh"
rm -rf payload histories fleet cache one.exe key.key key.pub
mkdir -p payload histories fleet
"$airlock" keygen --out "$work/key" >/dev/null 2>&1
for i in 1 2; do
    head -c 65536 /dev/urandom >"payload/Product_$i.exe"
done
listing payload payload/*.exe >bench.pl.xml

# One exported history per machine, as `airlock history export` writes it
# (bundle-format/HISTORY.md): nothing installed yet, so each bundle holds every payload.
for i in $(seq -w 1 "$machines"); do
    body=$(printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
        '<history xmlns="urn:airlock:history:1" version="1">' \
        "  <machine id=\"$(openssl rand -hex 16)\" name=\"srv$i\"/>" \
        '  <products/>' '  <listings/>' '  <bundles/>')
    digest=$(printf '%s\n' "$body" | openssl dgst -sha256 -r | cut -d' ' -f1)
    printf '%s\n  <digest algorithm="sha256">%s</digest>\n</history>\n' "$body" "$digest" \
        >"histories/srv$i.xml"
done
all=()
for h in histories/*.xml; do all+=(--history "$h"); done

build=("$airlock" build --listing bench.pl.xml --select all --sign-key "$work/key.key"
    --cache "$work/cache" --runner "$runner" --quiet)
"${build[@]}" --history "${all[1]}" --out one.exe >/dev/null # fills the cache, untimed

run_one() { rm -f one.exe; measure one "${build[@]}" --history "${all[1]}" --out one.exe; }
run_fleet() { rm -f fleet/*; measure fleet "${build[@]}" "${all[@]}" --out fleet; }
for run in $(seq 1 "$runs"); do
    pair "$run" run_one run_fleet
done
[[ $(find fleet -name '*.exe' | wc -l) -eq $machines ]] || { echo "the fleet build did not write $machines bundles" >&2; exit 1; }

echo "== $machines machines, runner $(stat -c %s "$runner") bytes ($runner)"
echo "median of $runs runs, interleaved:"
show one fleet
per=$(awk -v f="$(median fleet)" -v o="$(median one)" -v n="$machines" 'BEGIN { printf "%.0f", (f - o) * 1000 / (n - 1) }')
echo "per extra machine: $per ms"
