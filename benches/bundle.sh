#!/usr/bin/env bash
# Bundle benchmarks: writing, verifying and extracting a bundle of incompressible
# MSI-like files, each against the plain tools doing the same work, in the same run.
#
#   benches/bundle.sh                       # 8 files, 200 MiB then 2 GiB in all
#   BENCH_TOTAL=200M benches/bundle.sh      # quick run, one size
#
# Env: BENCH_TOTAL (sizes to run, space-separated, bytes or with K/M/G; default
# "200M 2G"), BENCH_FILES (default 8), BENCH_DIR (work folder, default a new one
# under $TMPDIR, removed at the end), BENCH_NO_BUILD=1 (use the release binaries
# already built; CARGO_TARGET_DIR is honoured).
# Prints each measurement, one line per goal (ratio = ours / reference), and,
# with more than one size, whether peak memory grows with the size.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
sizes=${BENCH_TOTAL:-200M 2G}
files=${BENCH_FILES:-8}
rss_goal=65536 # KiB

for tool in sha256sum zstd tar numfmt /usr/bin/time; do
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

# measure NAME CMD... : runs once, records wall seconds and peak RSS (KiB).
declare -A secs rss
measure() {
    local name=$1
    shift
    sync
    /usr/bin/time -f "%e %M" -o "$work/time.$name" "$@" >/dev/null 2>&1
    read -r secs[$name] rss[$name] <"$work/time.$name"
    printf '  %-12s %8.2f s  %8d KiB peak RSS\n' "$name" "${secs[$name]}" "${rss[$name]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g) ? "ok" : "MISSED" }'; }

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

    echo "write:"
    measure pack "$pack" --key "$work/key.key" --out bench.exe --runner "$airlock" src/*.msi
    measure ref-write sh -c 'tar -C src -c . | zstd -q -3 -T0 -o ref.tar.zst && sha256sum src/*.msi'
    echo "verify:"
    measure verify "$airlock" verify bench.exe --trust "$work/key.pub"
    measure ref-verify sha256sum src/*.msi
    echo "extract:"
    measure extract "$airlock" install bench.exe --extract-only --extract-to out --trust "$work/key.pub"
    measure ref-extract sh -c 'zstd -q -dc ref.tar.zst | tar -C ref -x && sha256sum ref/*.msi'
    cmp -s <(cd out && sha256sum -- *.msi) <(cd src && sha256sum -- *.msi) \
        || { echo "extracted files differ from the sources" >&2; exit 1; }

    echo "ratios (ours / reference; goal):"
    local pair ours ref goal r name
    for pair in "verify ref-verify 1.1" "extract ref-extract 1.0" "pack ref-write 1.0"; do
        read -r ours ref goal <<<"$pair"
        r=$(ratio "${secs[$ours]}" "${secs[$ref]}")
        printf '  %-8s %s (goal <= %s) %s\n' "$ours" "$r" "$goal" "$(verdict "$r" "$goal")"
    done
    echo "peak RSS (goal <= $rss_goal KiB each):"
    for name in pack verify extract; do
        printf '  %-8s %d KiB %s\n' "$name" "${rss[$name]}" \
            "$( ((rss[$name] <= rss_goal)) && echo ok || echo MISSED)"
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
