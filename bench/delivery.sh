#!/usr/bin/env bash
# Webhook delivery beside its receiver's ceiling, nginx as the receiver (issue #10): nginx-light
# on 127.0.0.1 answers every POST to /hook with 200 and {"errcode":0} (`return` answers any
# method and discards the body, keep-alive kept). In each of BENCH_RUNS runs:
#  - the dutyd sender (tests/integration/delivery-driver.c over build/libdutyd.a: the real outbox
#    and sender, curl multi on sd-event, SQLite synchronous=FULL) sends BENCH_DELIVERY_N webhook
#    messages (default 10,000) queued beforehand in one state.db; its rate is N / the wall time
#    of `driver run` until the outbox is drained (signing, sending, marking sent);
#  - the ceiling: wrk POSTs the same path with a body like the sender's, at 8, 32 and 128
#    connections (BENCH_WRK_SECONDS each, default 2), the best rate counting.
#  - libcurl's own loop (bench/curl-loop.c): 50,000 POSTs of a body like the sender's with 8
#    and 32 transfers in flight, the best counting. Not a target: the most a sender built on
#    libcurl (the project's HTTP library) gets from this machine beside the receiver, so the
#    sender's distance from the ceiling splits into libcurl's and its own.
#  - libcurl alone on every core: 2 and 3 curl-loop processes at once (16 transfers in flight
#    each), their 2 × or 3 × 50,000 POSTs over the wall time of the group, the best counting. Not
#    a target either: the most a sender on libcurl with several threads could get here.
# Medians of the runs; the ratio sent / ceiling (target ≥ 50 %). Also printed: the rate of
# queueing (one transaction a message, and 100 a transaction), which is not in the table.
. "$(dirname "$0")/lib.sh"
need nginx
need wrk
need curl
N=${BENCH_DELIVERY_N:-10000}
dur=${BENCH_WRK_SECONDS:-2}
[ -s build/libdutyd.a ] || die "build/libdutyd.a missing: run make"
T=$(mktemp -d /tmp/dutyd-bench.XXXXXX)
ngx=
trap '[ -n "$ngx" ] && kill "$ngx" 2>/dev/null; rm -rf "$T"' EXIT

PKGS="libcurl libsystemd sqlite3 jansson libcrypto yaml-0.1 libical libmicrohttpd lunar-date-3.0 glib-2.0"
# shellcheck disable=SC2046,SC2086
cc -O2 -std=gnu17 -D_GNU_SOURCE $(printf -- "-Idaemon/%s " core config state feeds edge) $(pkg-config --cflags $PKGS) -o "$T/driver" \
        tests/integration/delivery-driver.c build/libdutyd.a $(pkg-config --libs $PKGS) -lm ||
        die "cannot build tests/integration/delivery-driver.c"

# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -o "$T/curl-loop" bench/curl-loop.c $(pkg-config --libs libcurl) ||
        die "cannot build bench/curl-loop.c"

port=$((20000 + RANDOM % 20000))
mkdir -p "$T/nginx"
# One worker per core as nginx's own "auto"; logs off: the ceiling of a receiver that answers.
cat >"$T/nginx/nginx.conf" <<NGX
worker_processes auto; daemon off; pid $T/nginx/nginx.pid; error_log $T/nginx/error.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 1000000;
  client_body_temp_path $T/nginx; proxy_temp_path $T/nginx; fastcgi_temp_path $T/nginx;
  uwsgi_temp_path $T/nginx; scgi_temp_path $T/nginx;
  server { listen 127.0.0.1:$port;
    location /hook { default_type application/json; return 200 '{"errcode":0}'; } } }
NGX
nginx -c "$T/nginx/nginx.conf" -p "$T/nginx" &
ngx=$!
url=http://127.0.0.1:$port/hook
for _ in $(seq 50); do curl -sf -o /dev/null -d '{}' "$url" && break; sleep 0.1; done
[ "$(curl -s -d '{"x":1}' "$url")" = '{"errcode":0}' ] || die "nginx does not answer POSTs on $url"

cat >"$T/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["X-Dutyd-Signature"] = "sha256=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
wrk.body = '{"version":1,"delivery_id":"0123456789abcdef0123456789abcdef","channel":"hk","kind":"upcoming","items":[{"occurrence":"d1:p1:2026-Q4:1","title":"安全生产例会","due":"2026-12-31"}],"text":"【大栗港镇·安全生产履职提醒】镇长（张三）：「安全生产例会」还剩7天"}'
LUA
cat >"$T/spec.json" <<JSON
{"state":"$T/state","org":"大栗港镇","timezone":"Asia/Shanghai","channels":[
 {"id":"hk","type":"webhook","url":"$url","secret":"benchsecret"}]}
JSON
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN {printf "%.0f\n", n / (b - a)}'; }
# P curl-loop processes at once: their POSTs over the group's wall time.
curl_group() {
        local p=$1 i t0 pids=()
        t0=$(now)
        for i in $(seq "$p"); do
                "$T/curl-loop" "$url" 50000 16 >/dev/null &
                pids+=($!)
        done
        for i in "${pids[@]}"; do wait "$i" || die "bench/curl-loop failed"; done
        rate $((p * 50000)) "$t0" "$(now)"
}
rm -f "$T"/{q,b,s,w,c,p}
for run in $(seq "$RUNS"); do
        rm -rf "$T/state"
        t0=$(now)
        "$T/driver" "$T/spec.json" enqueue hk "$N" >/dev/null || die "driver enqueue failed"
        rate "$N" "$t0" "$(now)" >>"$T/q"
        rm -rf "$T/state"
        t0=$(now)
        "$T/driver" "$T/spec.json" enqueue-batch hk "$N" 100 >/dev/null || die "driver enqueue-batch failed"
        rate "$N" "$t0" "$(now)" >>"$T/b"
        t0=$(now)
        "$T/driver" "$T/spec.json" run 300 >"$T/run.out" || die "driver run failed: $(cat "$T/run.out")"
        rate "$N" "$t0" "$(now)" >>"$T/s"
        sent=$(sed -n 's/^sent=\([0-9]*\).*/\1/p' "$T/run.out")
        [ "$sent" = "$N" ] || die "run $run: $sent of $N sent: $(cat "$T/run.out")"
        best=0
        for c in 8 32 128; do
                r=$(wrk -t2 -c$c -d"${dur}s" -s "$T/post.lua" "$url" 2>&1 |
                        awk '/Requests\/sec/ {printf "%.0f", $2}')
                [ -n "$r" ] || die "wrk against nginx failed"
                [ "$r" -gt "$best" ] && best=$r
        done
        echo "$best" >>"$T/w"
        best=0
        for c in 8 32; do
                r=$("$T/curl-loop" "$url" 50000 $c) || die "bench/curl-loop failed"
                [ "$r" -gt "$best" ] && best=$r
        done
        echo "$best" >>"$T/c"
        best=0
        for p in 2 3; do
                r=$(curl_group "$p")
                [ "$r" -gt "$best" ] && best=$r
        done
        echo "$best" >>"$T/p"
done
kill -0 "$ngx" 2>/dev/null || die "nginx died during the runs"
q=$(median <"$T/q") b=$(median <"$T/b") s=$(median <"$T/s") w=$(median <"$T/w") cl=$(median <"$T/c") pl=$(median <"$T/p")
pct=$(awk -v s="$s" -v w="$w" 'BEGIN {printf "%.1f", 100 * s / w}')
cpct=$(awk -v s="$cl" -v w="$w" 'BEGIN {printf "%.1f", 100 * s / w}')
ppct=$(awk -v s="$pl" -v w="$w" 'BEGIN {printf "%.1f", 100 * s / w}')
spct=$(awk -v s="$s" -v w="$cl" 'BEGIN {printf "%.1f", 100 * s / w}')
echo "delivery: $N webhook messages to nginx (return 200), $RUNS runs, medians"
printf '  queue (outbox_queue, one transaction each):   %8s msg/s\n' "$q"
printf '  queue (outbox_queue_many, 100 a transaction): %8s msg/s\n' "$b"
printf '  send (sender → nginx, marked sent in SQLite): %8s msg/s\n' "$s"
printf '  nginx ceiling (wrk POST, best of -c8/32/128): %8s req/s\n' "$w"
printf '  libcurl alone (bench/curl-loop, best of 8/32): %8s req/s\n' "$cl"
printf '  libcurl alone, 2 or 3 processes at once:       %8s req/s\n' "$pl"
printf '  sent / ceiling: %s %%; libcurl alone / ceiling: %s %%; sent / libcurl alone: %s %%\n' \
        "$pct" "$cpct" "$spct"
printf '  libcurl alone on every core / ceiling: %s %%\n' "$ppct"
echo "  per run: send $(paste -sd' ' "$T/s") | ceiling $(paste -sd' ' "$T/w") | libcurl $(paste -sd' ' "$T/c") | libcurl ×2-3 $(paste -sd' ' "$T/p")"
judged "webhook delivery msg/s (peer: nginx ceiling req/s)" "$N msgs" "$s" "$w" "$pct %" \
        "$pct" '>=' 50 "≥ 50 % of peer"
judged "libcurl alone req/s (peer: nginx ceiling req/s)" "50000 POSTs" "$cl" "$w" "$cpct %" \
        "$cpct" - 0 -
judged "libcurl alone, 2-3 processes req/s (peer: nginx ceiling req/s)" "2-3 × 50000 POSTs" \
        "$pl" "$w" "$ppct %" "$ppct" - 0 -
judged "webhook delivery msg/s (peer: libcurl alone req/s)" "$N msgs" "$s" "$cl" "$spct %" \
        "$spct" - 0 -
