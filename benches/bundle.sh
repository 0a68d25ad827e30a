#!/usr/bin/env bash
# Bundle benchmarks: writing, verifying and extracting a bundle of incompressible
# MSI-like files, each against the plain tools doing the same work, in the same run.
# Hash references use `openssl dgst -sha256`, which has the SHA instructions that
# `sha2` uses (coreutils `sha256sum` lacks them and is about 3x slower here).
#
#   benches/bundle.sh                       # 8 files, 200 MiB then 2 GiB in all
#   BENCH_TOTAL=200M benches/bundle.sh      # quick run, one size
#
# Env: BENCH_TOTAL (sizes to run, space-separated, bytes or with K/M/G; default
# "200M 2G"), BENCH_FILES (default 8), BENCH_RUNS (runs of each command, ours and
# the reference interleaved, alternating which goes first; default 5), BENCH_DIR
# (work folder, default a new one under $TMPDIR, removed at the end),
# BENCH_NO_BUILD=1 (use the release binaries already built; CARGO_TARGET_DIR is
# honoured).
# Prints, per size, the median wall time and the peak RSS (MiB) of each command,
# one line per goal (ratio = ours / reference), and, with more than one size,
# whether peak memory grows with the size.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${BENCH_TOTAL:-200M 2G}
files=${BENCH_FILES:-8}
runs=${BENCH_RUNS:-5}
rss_goal=64 # MiB

for tool in openssl zstd tar numfmt /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench needs $tool" >&2; exit 1; }
done

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    (cd "$root" && cargo build --release --quiet --bin airlock -p airlock \
        && cargo build --release --quiet -p bundle-format --example pack)
fi
target=${CARGO_TARGET_DIR:-$root/target}
airlock="$target/release/airlock"
pack="$target/release/examples/pack"

work=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
[[ -n "${BENCH_DIR:-}" ]] || trap 'rm -rf "$work"' EXIT
cd "$work"
rm -f key.key key.pub
"$airlock" keygen --out "$work/key" >/dev/null 2>&1

# measure NAME CMD... : runs once, adds its wall seconds to NAME's list and
# keeps its largest peak RSS (KiB).
declare -A times rss
measure() {
    local name=$1 s m
    shift
    sync
    /usr/bin/time -f "%e %M" -o "$work/time.$name" "$@" >/dev/null 2>&1
    read -r s m <"$work/time.$name"
    times[$name]="${times[$name]:-} $s"
    ((m > ${rss[$name]:-0})) && rss[$name]=$m
    return 0
}
median() { tr ' ' '\n' <<<"${times[$1]}" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g) ? "ok" : "MISSED" }'; }

# The commands, ours and their references.
run_pack() { rm -f bench.exe; measure pack "$pack" --key "$work/key.key" --out bench.exe --runner "$airlock" src/*.msi; }
run_ref_write() { rm -f ref.tar.zst; measure ref-write sh -c 'tar -C src -c . | zstd -q -3 -T0 -o ref.tar.zst && openssl dgst -sha256 src/*.msi'; }
run_verify() { measure verify "$airlock" verify bench.exe --trust "$work/key.pub"; }
run_ref_verify() { measure ref-verify openssl dgst -sha256 src/*.msi; }
run_extract() { rm -rf out; measure extract "$airlock" install bench.exe --extract-only --extract-to out --trust "$work/key.pub"; }
run_ref_extract() { rm -rf ref && mkdir ref; measure ref-extract sh -c 'zstd -q -dc ref.tar.zst | tar -C ref -x && openssl dgst -sha256 ref/*.msi'; }

# pair RUN OURS REF: ours then the reference on odd runs, the other way on even ones.
pair() {
    if (($1 % 2)); then "$2"; "$3"; else "$3"; "$2"; fi
}

declare -A first_rss last_rss
run_size() {
    local total_bytes per_file
    total_bytes=$(numfmt --from=iec "$1")
    per_file=$((total_bytes / files))
    echo "== $files files, $(numfmt --to=iec "$total_bytes") in all, in $work"
    rm -rf src out ref bench.exe ref.tar.zst
    mkdir -p src ref
    for i in $(seq 1 "$files"); do
        head -c "$per_file" /dev/urandom >"src/Product_$i.msi"
    done

    times=() rss=()
    local run
    for run in $(seq 1 "$runs"); do
        pair "$run" run_pack run_ref_write
        pair "$run" run_verify run_ref_verify
        pair "$run" run_extract run_ref_extract
    done
    cmp -s <(cd out && openssl dgst -sha256 -r -- *.msi) <(cd src && openssl dgst -sha256 -r -- *.msi) \
        || { echo "extracted files differ from the sources" >&2; exit 1; }
    echo "median of $runs runs, interleaved:"
    local name
    for name in pack ref-write verify ref-verify extract ref-extract; do
        printf '  %-12s %8.2f s  %8s MiB peak RSS\n' "$name" "$(median "$name")" "$(mib "${rss[$name]}")"
    done

    echo "ratios (ours / reference; goal):"
    local pair ours ref goal r
    for pair in "verify ref-verify 1.1" "extract ref-extract 1.0" "pack ref-write 1.0"; do
        read -r ours ref goal <<<"$pair"
        r=$(ratio "$(median "$ours")" "$(median "$ref")")
        printf '  %-8s %s (goal <= %s) %s\n' "$ours" "$r" "$goal" "$(verdict "$r" "$goal")"
    done
    echo "peak RSS (goal <= $rss_goal MiB each):"
    for name in pack verify extract; do
        printf '  %-8s %s MiB %s\n' "$name" "$(mib "${rss[$name]}")" \
            "$( ((rss[$name] <= rss_goal * 1024)) && echo ok || echo MISSED)"
        first_rss[$name]=${first_rss[$name]:-${rss[$name]}}
        last_rss[$name]=${rss[$name]}
    done
    rm -rf src out ref bench.exe ref.tar.zst
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
