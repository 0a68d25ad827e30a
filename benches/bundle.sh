#!/usr/bin/env bash
# Bundle benchmarks: writing, verifying and extracting a bundle of incompressible
# MSI-like files, each against the plain tools doing the same work, in the same run.
# Hash references use `openssl dgst -sha256`, which has the SHA instructions that
# `sha2` uses (coreutils `sha256sum` lacks them and is about 3x slower here).
# Writing is the library's (the `pack` example): its write is durable and tar's
# is not, so its ratio takes the time it spent in fsync (traced with strace) off
# its wall time, as `pack-unsynced`. Verify and extract read the bundle
# `airlock build` makes of the same files from a local listing (an airlock package),
# run by the offline runner built with the `runner` profile, as on the servers.
#
#   benches/bundle.sh                       # 8 files, 200 MiB then 2 GiB in all
#   BENCH_TOTAL=200M benches/bundle.sh      # quick run, one size
#
# Env: BENCH_TOTAL (sizes to run, space-separated, bytes or with K/M/G; default
# "200M 2G"), BENCH_FILES (default 8), BENCH_RUNS (runs of each command, ours and
# the reference interleaved, alternating which goes first; default 5), BENCH_DIR
# (work folder, default a new one under $TMPDIR, removed at the end),
# BENCH_NO_BUILD=1 (use the binaries already built; CARGO_TARGET_DIR is
# honoured), BENCH_RUNNER (the airlock that verifies and extracts; default
# target/runner/airlock, built here), BENCH_BASELINE (another runner, say one
# built from an older commit: its verify and extract run interleaved with
# ours, on the same bundle, and each is compared with it).
# Prints, per size, the median wall time and the peak RSS (MiB) of each command,
# one line per goal (ratio = ours / reference), and, with more than one size,
# whether peak memory grows with the size.
#
#   BENCH_RUNNER=new/airlock BENCH_BASELINE=old/airlock benches/bundle.sh
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${BENCH_TOTAL:-200M 2G}
files=${BENCH_FILES:-8}
runs=${BENCH_RUNS:-5}
rss_goal=64 # MiB

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    (cd "$root" && cargo build --release --quiet --bin airlock -p airlock \
        && cargo build --release --quiet -p bundle-format --example pack)
    [[ -n "${BENCH_RUNNER:-}" ]] || (cd "$root" && cargo build --profile runner --quiet \
        --no-default-features --bin airlock -p airlock)
fi
target=${CARGO_TARGET_DIR:-$root/target}
airlock="$target/release/airlock"
runner=${BENCH_RUNNER:-$target/runner/airlock}
baseline=${BENCH_BASELINE:-}
pack="$target/release/examples/pack"

work=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
[[ -n "${BENCH_DIR:-}" ]] || trap 'rm -rf "$work"' EXIT
cd "$work"
# shellcheck source=benches/lib.sh
source "$root/benches/lib.sh"
rm -f key.key key.pub
"$airlock" keygen --out "$work/key" >/dev/null 2>&1

# The commands, ours and their references.
run_pack() { rm -f pack.exe; measure_unsynced pack "$pack" --key "$work/key.key" --out pack.exe --runner "$airlock" src/*.exe; }
run_ref_write() { rm -f ref.tar.zst; measure ref-write sh -c 'tar -C src -c . | zstd -q -3 -T0 -o ref.tar.zst && openssl dgst -sha256 src/*.exe'; }
run_verify() { measure verify "$runner" verify bench.exe --trust "$work/key.pub"; }
run_ref_verify() { measure ref-verify openssl dgst -sha256 src/*.exe; }
run_extract() { rm -rf out; measure extract "$runner" install bench.exe --extract-only --extract-to out --trust "$work/key.pub"; }
run_base_verify() { measure base-verify "$baseline" verify bench.exe --trust "$work/key.pub"; }
run_base_extract() { rm -rf out; measure base-extract "$baseline" install bench.exe --extract-only --extract-to out --trust "$work/key.pub"; }
run_ref_extract() { rm -rf ref && mkdir ref; measure ref-extract sh -c 'zstd -q -dc ref.tar.zst | tar -C ref -x && openssl dgst -sha256 ref/*.exe'; }

declare -A first_rss last_rss
run_size() {
    local total_bytes per_file
    total_bytes=$(numfmt --from=iec "$1")
    per_file=$((total_bytes / files))
    echo "== $files files, $(numfmt --to=iec "$total_bytes") in all, in $work"
    rm -rf src out ref bench.exe pack.exe bench.pl.xml ref.tar.zst
    mkdir -p src ref
    for i in $(seq 1 "$files"); do
        head -c "$per_file" /dev/urandom >"src/Product_$i.exe"
    done
    # verify and extract read a bundle of airlock's own package, from a local listing.
    listing src src/*.exe >bench.pl.xml
    "$airlock" build --target linux --listing bench.pl.xml --select all --sign-key "$work/key.key" \
        --cache "$work/cache" --quiet --out bench.exe >/dev/null

    times=() cpu=() rss=()
    local run
    for run in $(seq 1 "$runs"); do
        pair "$run" run_pack run_ref_write
        if [[ -n "$baseline" ]]; then
            pair "$run" run_verify run_ref_verify run_base_verify
            pair "$run" run_extract run_ref_extract run_base_extract
        else
            pair "$run" run_verify run_ref_verify
            pair "$run" run_extract run_ref_extract
        fi
    done
    cmp -s <(cd out && openssl dgst -sha256 -r -- *.exe) <(cd src && openssl dgst -sha256 -r -- *.exe) \
        || { echo "extracted files differ from the sources" >&2; exit 1; }
    echo "median of $runs runs, interleaved:"
    show pack pack-unsynced ref-write verify ref-verify extract ref-extract
    [[ -z "$baseline" ]] || show base-verify base-extract

    echo "ratios (ours / reference; goal):"
    goal verify ref-verify 1.1
    goal extract ref-extract 1.0
    goal pack-unsynced ref-write 1.0
    if [[ -n "$baseline" ]]; then
        echo "against the baseline runner (ours / baseline; goal: no slower), wall then CPU:"
        goal verify base-verify 1.0
        goal extract base-extract 1.0
        for name in verify extract; do
            r=$(ratio "$(median "$name" cpu)" "$(median "base-$name" cpu)")
            printf '  %-8s %s CPU (goal <= 1.0) %s\n' "$name" "$r" "$(verdict "$r" 1.0)"
        done
    fi
    echo "peak RSS (goal <= $rss_goal MiB each):"
    for name in pack verify extract; do
        printf '  %-8s %s MiB %s\n' "$name" "$(mib "${rss[$name]}")" \
            "$( ((rss[$name] <= rss_goal * 1024)) && echo ok || echo MISSED)"
        first_rss[$name]=${first_rss[$name]:-${rss[$name]}}
        last_rss[$name]=${rss[$name]}
    done
    rm -rf src out ref bench.exe pack.exe bench.pl.xml ref.tar.zst
}

for size in $sizes; do
    run_size "$size"
done

if [[ $(wc -w <<<"$sizes") -gt 1 ]]; then
    echo "peak RSS, largest size / smallest (goal: not growing, <= 1.25):"
    for name in pack verify extract; do
        r=$(ratio "${last_rss[$name]}" "${first_rss[$name]}")
        printf '  %-8s %s %s\n' "$name" "$r" "$(verdict "$r" 1.25)"
    done
fi
