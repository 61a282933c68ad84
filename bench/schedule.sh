#!/usr/bin/env bash
# Load + plan one year (`dutyctl check` does exactly that) for generated configs of 1,000 /
# 10,000 / 100,000 assignments: median wall time of 5 runs and peak RSS.
set -eu
cd "$(dirname "$0")/.."
out=build/bench; mkdir -p "$out"
CTL=build/dutyctl
runs=${BENCH_RUNS:-5}
printf '%-12s %12s %12s %14s %12s\n' assignments yaml_MB median_s occurrences peak_RSS_MB
for n in 1000 10000 100000; do
        f=$out/config-$n.yaml
        [ -s "$f" ] || bench/gen-config "$n" >"$f"
        times=() rss=0 occ=
        for _ in $(seq "$runs"); do
                /usr/bin/time -f '%e %M' -o "$out/time" "$CTL" -c "$f" check >"$out/check.out" 2>/dev/null
                read -r t m <"$out/time"
                times+=("$t"); [ "$m" -gt "$rss" ] && rss=$m
        done
        occ=$(grep -o '应办事项：[0-9]* 项' "$out/check.out" | grep -o '[0-9]*')
        med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
        printf '%-12s %12.1f %12s %14s %12.1f\n' "$n" "$(du -m "$f" | cut -f1)" "$med" "$occ" \
                "$(awk -v r="$rss" 'BEGIN {print r / 1024}')"
done
