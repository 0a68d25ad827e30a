#!/usr/bin/env bash
# Warm-cache build benchmark: `airlock build` of a listing whose 8 payloads
# (incompressible, like the already compressed MSIs of real products) total
# 2 GiB, served from 127.0.0.1, every payload already in the download cache,
# against the plain tools doing the same work: `tar -c | zstd -3 -T0` of the
# files plus `openssl dgst -sha256` of them. Our write is durable (the bundle
# is synced before it is renamed into place) and tar's is not, so there are two
# ratios: ours without the time it spent in fsync (traced with strace) against
# the tools as they are (goal: at most 1.0), and ours as it is against the tools
# with the archive synced too, `sync ref.tar.zst .` (goal: at most 0.8). One
# cold build fills the cache first, untimed; then ours and the references run
# interleaved, each run starting with the next one, and the medians are compared.
#
#   benches/build.sh                       # 2 GiB in all
#   BENCH_TOTAL=200M benches/build.sh      # quick run
#
# Env: BENCH_TOTAL (bytes or with K/M/G; default 2G), BENCH_FILES (default 8),
# BENCH_RUNS (default 5), BENCH_DIR (work folder, default a new one under
# $TMPDIR, removed at the end), BENCH_NO_BUILD=1 (use the release binary already
# built; CARGO_TARGET_DIR is honoured). Needs python3 for the HTTP server and
# strace.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
total=$(numfmt --from=iec "${BENCH_TOTAL:-2G}")
files=${BENCH_FILES:-8}
runs=${BENCH_RUNS:-5}
command -v python3 >/dev/null || { echo "bench needs python3 (its http.server)" >&2; exit 1; }

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    (cd "$root" && cargo build --release --quiet --bin airlock -p airlock)
fi
airlock="${CARGO_TARGET_DIR:-$root/target}/release/airlock"

work=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
server=
cleanup() {
    [[ -z "$server" ]] || kill "$server" 2>/dev/null || true
    [[ -n "${BENCH_DIR:-}" ]] || rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
# shellcheck source=benches/lib.sh
source "$root/benches/lib.sh"
rm -rf site cache bench.exe ref.tar.zst key.key key.pub
mkdir -p site/payload
"$airlock" keygen --out "$work/key" >/dev/null 2>&1

per_file=$((total / files))
echo "== $files payloads, $(numfmt --to=iec "$total") in all, in $work"
for i in $(seq 1 "$files"); do
    head -c "$per_file" /dev/urandom >"site/payload/Product_$i.exe"
done
listing payload site/payload/*.exe >site/bench.pl.xml

# The payloads on 127.0.0.1, on a port the server picks and prints.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory site >server.log 2>&1 &
server=$!
for _ in $(seq 1 50); do
    port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' server.log | head -n 1)
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "${port:-}" ]] || { echo "the HTTP server did not start: $(cat server.log)" >&2; exit 1; }

build=("$airlock" build --target linux --listing "http://127.0.0.1:$port/bench.pl.xml" --select all
    --sign-key "$work/key.key" --cache "$work/cache" --quiet --out "$work/bench.exe")
"${build[@]}" >/dev/null # cold: fills the cache, untimed
[[ $(find cache/sha256 -type f | wc -l) -eq $files ]] || { echo "the cold build did not cache every payload" >&2; exit 1; }

run_build() { rm -f bench.exe; measure_unsynced build "${build[@]}"; }
reference='tar -C site/payload -c . | zstd -q -3 -T0 -o ref.tar.zst'
hash='openssl dgst -sha256 site/payload/*.exe'
run_ref() { rm -f ref.tar.zst; measure ref sh -c "$reference && $hash"; }
run_ref_sync() { rm -f ref.tar.zst; measure ref-sync sh -c "$reference && sync ref.tar.zst . && $hash"; }
for run in $(seq 1 "$runs"); do
    pair "$run" run_build run_ref run_ref_sync
done
"$airlock" verify bench.exe --trust key.pub >/dev/null

echo "median of $runs runs, interleaved (warm cache):"
show build build-unsynced ref ref-sync
echo "ratios (ours / reference; goal):"
goal build-unsynced ref 1.0
goal build ref-sync 0.8
echo "CPU time, ours / reference (user + system): $(ratio "$(median build cpu)" "$(median ref cpu)")"
