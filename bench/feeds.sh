#!/usr/bin/env bash
# Calendar feeds at county scale (bench/gen-config 10000: 10,000 post×duty assignments):
#  1. `dutyctl feeds write` of every feed into an empty folder (cold: every file written) and
#     again (warm: every feed re-rendered and compared, nothing rewritten): median wall time of
#     BENCH_RUNS runs, MB written, MB/s, peak RSS.
#  2. `dutyctl serve --dir` (the folder of step 1: nothing rewritten): requests/s (wrk,
#     keep-alive) for one cached person feed through the feed route (token check, validators,
#     the file opened and sent with sendfile) beside the same bytes served by the same MHD server
#     as a plain buffer (/static) and from the file (/static-file, opened per request, sendfile),
#     and for the 404 of a wrong token — in one run; the server's peak RSS.
#  BENCH_ORG=false: the same with feeds.org off (no whole-county feed).
#     (No 304 figure: a 304 carries the representation's Content-Length as RFC 9110 allows,
#     and wrk's parser then waits for a body that never comes.)
set -eu
cd "$(dirname "$0")/.."
out=build/bench; mkdir -p "$out"
CTL=${DUTYCTL:-build/dutyctl}
runs=${BENCH_RUNS:-5}
n=${BENCH_ASSIGNMENTS:-10000}
dur=${BENCH_WRK_SECONDS:-5}
export DUTYD_CLOCK=${DUTYD_CLOCK:-2026-03-15} STATE_DIRECTORY=$PWD/$out/feeds-state
rm -rf "$STATE_DIRECTORY"; mkdir -p "$STATE_DIRECTORY"
org=${BENCH_ORG:-true}
cfg=$out/config-$n.yaml
[ -s "$cfg" ] || bench/gen-config "$n" >"$cfg"
dir=$out/feeds-$n
if [ "$org" = false ]; then
        { echo "feeds: {org: false}"; cat "$cfg"; } >"$out/config-$n-noorg.yaml"
        cfg=$out/config-$n-noorg.yaml dir=$out/feeds-$n-noorg
fi
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

cold=() warm=() rss=0 bytes=0 nfeeds=0
for _ in $(seq "$runs"); do
        rm -rf "$dir"
        /usr/bin/time -f '%e %M' -o "$out/time" "$CTL" -c "$cfg" feeds write --dir "$dir" \
                >"$out/feeds.out" 2>/dev/null
        read -r t m <"$out/time"; cold+=("$t"); [ "$m" -gt "$rss" ] && rss=$m
        /usr/bin/time -f '%e %M' -o "$out/time" "$CTL" -c "$cfg" feeds write --dir "$dir" \
                >"$out/feeds2.out" 2>/dev/null
        read -r t m <"$out/time"; warm+=("$t")
        grep -q '：0 个更新' "$out/feeds2.out" || echo "warning: second write rewrote files"
done
bytes=$(grep -o '共 [0-9]* 字节' "$out/feeds.out" | grep -o '[0-9]*')
nfeeds=$(grep -o '已写出 [0-9]* 个' "$out/feeds.out" | grep -o '[0-9]*')
events=$(cat "$dir"/post-*.ics | grep -c '^BEGIN:VEVENT')
mc=$(printf '%s\n' "${cold[@]}" | median) mw=$(printf '%s\n' "${warm[@]}" | median)
echo "feeds write, $n assignments (feeds.org $org): $nfeeds feeds, $events events, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}') MB in all feeds, $runs runs"
printf '  %-34s %8s s  %8s MB/s\n' "cold (every file written)" "$mc" \
        "$(awk -v b="$bytes" -v t="$mc" 'BEGIN {printf "%.1f", b / 1e6 / t}')"
printf '  %-34s %8s s  %8s MB/s\n' "warm (rendered, compared, kept)" "$mw" \
        "$(awk -v b="$bytes" -v t="$mw" 'BEGIN {printf "%.1f", b / 1e6 / t}')"
printf '  peak RSS %.0f MB\n' "$(awk -v r="$rss" 'BEGIN {print r / 1024}')"

if ! command -v wrk >/dev/null; then echo "wrk missing (make deps): no server numbers"; exit 0; fi
feed=person-u1
cp "$dir/$feed.ics" "$out/static.ics"
"$CTL" -c "$cfg" serve --listen 127.0.0.1:0 --dir "$dir" --static "$out/static.ics" \
        2>"$out/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
addr=
for _ in $(seq 600); do
        addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$out/serve.log" | head -1 || true)
        [ -n "$addr" ] && break
        sleep 0.1
done
[ -n "$addr" ] || { echo "server did not start"; cat "$out/serve.log"; exit 1; }
path=$("$CTL" -c "$cfg" feeds list 2>/dev/null | grep -oE "/feeds/[a-z2-7]{32}/$feed\.ics" | head -1)
cmp -s <(curl -s "$addr$path") "$out/static.ics" || echo "warning: served feed differs from the file"
rps() { wrk -t2 -c16 -d"${dur}s" "$@" 2>&1 | awk '/Requests\/sec/ {print $2}'; }
echo "server (wrk -t2 -c16 -d${dur}s, keep-alive), $feed: $(stat -c %s "$out/static.ics") bytes"
printf '  %-34s %10s req/s\n' "feed route, 200" "$(rps "$addr$path")"
printf '  %-34s %10s req/s\n' "same bytes from /static (buffer)" "$(rps "$addr/static")"
printf '  %-34s %10s req/s\n' "same bytes from /static-file" "$(rps "$addr/static-file")"
printf '  %-34s %10s req/s\n' "wrong token, 404" "$(rps "$addr/feeds/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/$feed.ics")"
printf '  server peak RSS %s MB\n' "$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/$server/status)"
kill -TERM $server; wait $server || true
trap - EXIT
