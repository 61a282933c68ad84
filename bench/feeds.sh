#!/usr/bin/env bash
# Calendar feeds at county scale (bench/gen-config 10000: 10,000 post×duty assignments):
#  1. `dutyctl feeds write` of every feed into an empty folder (cold: every file written) and
#     again (warm: every feed re-rendered and compared, nothing rewritten): median wall time of
#     BENCH_RUNS runs, MB written, MB/s, peak RSS.
#  2. `dutyctl serve` (a feed rendered on request, its body then cached for its ETag):
#     requests/s (wrk, keep-alive) for one person feed through the feed route (token check,
#     validators, the cached body) beside the file step 1 wrote for it served by nginx (its
#     peer: a static file server, sendfile, keep-alive) on loopback, and for the 404 of a
#     wrong token — in one run, with the ratio; the server's peak RSS.
#  BENCH_ORG=false: the same with feeds.org off (no whole-county feed).
#  Runs BENCH_RUNS (default 3); nginx and wrk are required (make bench-deps).
#     (No 304 figure: a 304 carries the representation's Content-Length as RFC 9110 allows,
#     and wrk's parser then waits for a body that never comes.)
set -eu
. "$(dirname "$0")/lib.sh"
need wrk
need nginx
need curl
need /usr/bin/time
out=build/bench
runs=$RUNS
n=${BENCH_ASSIGNMENTS:-10000}
dur=${BENCH_WRK_SECONDS:-5}
export DUTYD_CLOCK=${DUTYD_CLOCK:-2026-03-15} STATE_DIRECTORY=$PWD/$out/feeds-state
# dutyctl's summary lines are read below: in English whatever the user's locale.
export LANG=C.UTF-8 LANGUAGE= LC_ALL=
rm -rf "$STATE_DIRECTORY"; mkdir -p "$STATE_DIRECTORY"
org=${BENCH_ORG:-true}
cfg=$(config "$n")
dir=$out/feeds-$n
# wrk's 16 connections all come from 127.0.0.1: the server's limit per address (8 by default,
# for the Internet) would close one to let the next in, and the figure would be of that churn.
{ echo "server: {per_ip_connections: 64}"; cat "$cfg"; } >"$out/config-$n-bench.yaml"
cfg=$out/config-$n-bench.yaml
if [ "$org" = false ]; then
        { echo "feeds: {org: false}"; cat "$cfg"; } >"$out/config-$n-noorg.yaml"
        cfg=$out/config-$n-noorg.yaml dir=$out/feeds-$n-noorg
fi

cold=() warm=() rss=0 bytes=0 nfeeds=0
for _ in $(seq "$runs"); do
        rm -rf "$dir"
        /usr/bin/time -f '%e %M' -o "$out/time" "$CTL" -c "$cfg" feeds write --dir "$dir" \
                >"$out/feeds.out" 2>/dev/null
        read -r t m <"$out/time"; cold+=("$t"); [ "$m" -gt "$rss" ] && rss=$m
        /usr/bin/time -f '%e %M' -o "$out/time" "$CTL" -c "$cfg" feeds write --dir "$dir" \
                >"$out/feeds2.out" 2>/dev/null
        read -r t m <"$out/time"; warm+=("$t")
        grep -q ': 0 updated,' "$out/feeds2.out" || echo "warning: second write rewrote files"
done
bytes=$(grep -o '[0-9]* bytes' "$out/feeds.out" | grep -o '[0-9]*')
nfeeds=$(grep -o '^wrote [0-9]* feeds' "$out/feeds.out" | grep -o '[0-9]*')
events=$(cat "$dir"/post-*.ics | grep -c '^BEGIN:VEVENT')
mc=$(printf '%s\n' "${cold[@]}" | median) mw=$(printf '%s\n' "${warm[@]}" | median)
echo "feeds write, $n assignments (feeds.org $org): $nfeeds feeds, $events events, $(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}') MB in all feeds, $runs runs"
printf '  %-34s %8s s  %8s MB/s\n' "cold (every file written)" "$mc" \
        "$(awk -v b="$bytes" -v t="$mc" 'BEGIN {printf "%.1f", b / 1e6 / t}')"
printf '  %-34s %8s s  %8s MB/s\n' "warm (rendered, compared, kept)" "$mw" \
        "$(awk -v b="$bytes" -v t="$mw" 'BEGIN {printf "%.1f", b / 1e6 / t}')"
printf '  peak RSS %.0f MB\n' "$(awk -v r="$rss" 'BEGIN {print r / 1024}')"

feed=person-u1
cp "$dir/$feed.ics" "$out/static.ics"
"$CTL" -c "$cfg" serve --listen 127.0.0.1:0 2>"$out/serve.log" &
server=$!
nginx_pid=
stop_all() { kill $server 2>/dev/null || true; [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null || true; }
trap stop_all EXIT
addr=
for _ in $(seq 600); do
        addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$out/serve.log" | head -1 || true)
        [ -n "$addr" ] && break
        sleep 0.1
done
[ -n "$addr" ] || { echo "server did not start"; cat "$out/serve.log"; exit 1; }
path=$("$CTL" -c "$cfg" feeds list 2>/dev/null | grep -oE "/feeds/[a-z2-7]{32}/$feed\.ics" | head -1)
cmp -s <(curl -s "$addr$path") "$out/static.ics" || echo "warning: served feed differs from the file"
# The peer: nginx serving the same file (static, sendfile, keep-alive, one worker per core).
nport=$((20000 + RANDOM % 20000))
mkdir -p "$out/nginx"
o=$(cd "$out" && pwd) # nginx takes relative paths from its prefix
cat >"$out/nginx/nginx.conf" <<NGX
worker_processes auto; daemon off; pid $o/nginx/nginx.pid; error_log $o/nginx/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { text/calendar ics; }
  client_body_temp_path $o/nginx; proxy_temp_path $o/nginx; fastcgi_temp_path $o/nginx;
  uwsgi_temp_path $o/nginx; scgi_temp_path $o/nginx;
  server { listen 127.0.0.1:$nport; root $o; } }
NGX
nginx -c "$o/nginx/nginx.conf" -p "$o/nginx" 2>/dev/null &
nginx_pid=$!
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$nport/static.ics" && break; sleep 0.1; done
rps() { wrk -t2 -c16 -d"${dur}s" "$@" 2>&1 | awk '/Requests\/sec/ {print $2}'; }
echo "server (wrk -t2 -c16 -d${dur}s, keep-alive), $feed: $(stat -c %s "$out/static.ics") bytes"
feed_rps=$(rps "$addr$path")
printf '  %-34s %10s req/s\n' "feed route, 200" "$feed_rps"
nginx_rps=$(rps "http://127.0.0.1:$nport/static.ics")
[ -n "$feed_rps" ] && [ -n "$nginx_rps" ] || die "wrk failed against the feed route or nginx"
printf '  %-34s %10s req/s  (dutyd/nginx %s)\n' "nginx, the same file" "$nginx_rps" \
        "$(ratio "$feed_rps" "$nginx_rps")"
judged "feed route req/s, one person feed (peer: nginx, same file)" "$n" "$feed_rps" \
        "$nginx_rps" "$(ratio "$feed_rps" "$nginx_rps")×" 0 - 0 ""
judged "dutyctl feeds write, every feed, cold s" "$n" "$mc" — — 0 - 0 ""
printf '  %-34s %10s req/s\n' "wrong token, 404" "$(rps "$addr/feeds/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/$feed.ics")"
printf '  server peak RSS %s MB\n' "$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' /proc/$server/status)"
kill -TERM $server; wait $server || true
[ -n "$nginx_pid" ] && { kill "$nginx_pid"; wait "$nginx_pid" 2>/dev/null || true; }
trap - EXIT
