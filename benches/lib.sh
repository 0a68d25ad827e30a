# Shared by the shell benchmarks (sourced): timing one command with GNU time,
# medians, ratios and verdicts. The sourcing script sets `work` (its folder).

for tool in openssl zstd tar numfmt strace /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "bench needs $tool" >&2; exit 1; }
done

# measure NAME CMD... : runs once, adds its wall seconds and its CPU seconds
# (user + system, of it and its children) to NAME's lists and keeps its largest
# peak RSS (KiB); a failure ends the benchmark with its errors.
declare -A times cpu rss
measure() {
    local name=$1 s u k m
    shift
    sync
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.$name" "$@" >/dev/null 2>"$work/err.$name" || {
        echo "$name failed: $*" >&2
        cat "$work/err.$name" >&2
        exit 1
    }
    read -r s u k m <"$work/time.$name"
    times[$name]="${times[$name]:-} $s"
    cpu[$name]="${cpu[$name]:-} $(awk -v u="$u" -v k="$k" 'BEGIN { print u + k }')"
    ((m > ${rss[$name]:-0})) && rss[$name]=$m
    return 0
}
# measure_unsynced NAME CMD... : `measure NAME CMD...`, and the same wall time
# less the seconds CMD spent in fsync and fdatasync as NAME-unsynced: for a
# durable write set against tools that do not sync. The calls are traced alone
# (strace with a seccomp filter), the rest of CMD runs untraced.
measure_unsynced() {
    local name=$1 synced
    shift
    measure "$name" strace -f --seccomp-bpf -qq -e trace=fsync,fdatasync -T -o "$work/fsync.log" "$@"
    synced=$(sed -n 's/.*<\([0-9.]*\)>$/\1/p' "$work/fsync.log" | awk '{ s += $1 } END { print s + 0 }')
    times[$name-unsynced]="${times[$name-unsynced]:-} $(awk -v w="${times[$name]##* }" -v s="$synced" 'BEGIN { print w - s }')"
    cpu[$name-unsynced]=${cpu[$name]}
    rss[$name-unsynced]=${rss[$name]}
}
# median NAME [LIST]: the median of NAME's wall times (or of its CPU times with LIST=cpu).
median() {
    local -n list=${2:-times}
    tr ' ' '\n' <<<"${list[$1]}" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) b = 0.01; printf "%.2f", a / b }'; }
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r <= g) ? "ok" : "MISSED" }'; }

# pair RUN CMD... : runs every command once, starting with the first on run 1,
# the second on run 2, and so on round (with two: ours then the reference on
# odd runs, the other way on even ones).
pair() {
    local run=$1 i n
    shift
    n=$#
    local cmds=("$@")
    for ((i = 0; i < n; i++)); do
        "${cmds[(run - 1 + i) % n]}"
    done
}

# show NAME... : the median wall time, median CPU time and peak RSS of each.
show() {
    local name
    for name in "$@"; do
        printf '  %-14s %8.2f s  %8.2f s CPU  %8s MiB peak RSS\n' "$name" "$(median "$name")" \
            "$(median "$name" cpu)" "$(mib "${rss[$name]}")"
    done
}

# goal OURS REF GOAL : the ratio of the medians against its goal.
goal() {
    local r
    r=$(ratio "$(median "$1")" "$(median "$2")")
    printf '  %-14s %s (goal <= %s) %s\n' "$1" "$r" "$3" "$(verdict "$r" "$3")"
}

# listing URL_FOLDER FILE... : a product listing (on stdout) whose suite `all`
# requires one product per file, each with the file as its exe payload at
# URL_FOLDER/<name> (relative to the listing), with its size and sha256.
listing() {
    local folder=$1 i=0 file name sha
    shift
    echo '<?xml version="1.0" encoding="UTF-8"?>'
    echo '<productListing xmlns="urn:airlock:product-listing:1" vendor="Bench" name="Benchmark" serial="1" published="2026-01-01T00:00:00Z">'
    echo '<product id="all" name="Every payload" kind="suite"><release version="1.0" license="free">'
    for i in $(seq 1 $#); do echo "  <requires product=\"p$i\"/>"; done
    echo '</release></product>'
    i=0
    for file in "$@"; do
        i=$((i + 1))
        name=$(basename "$file")
        sha=$(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)
        echo "<product id=\"p$i\" name=\"Product $i\" kind=\"solution\"><release version=\"1.0.$i.0\" license=\"free\">"
        echo "  <payload kind=\"exe\" file=\"$name\" url=\"$folder/$name\" size=\"$(stat -c %s "$file")\" sha256=\"$sha\" args=\"/quiet\"/>"
        echo '</release></product>'
    done
    echo '</productListing>'
}
