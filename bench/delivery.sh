#!/usr/bin/env bash
# Delivery throughput: N webhook messages (default 10,000) queued in the outbox and sent by the
# real sender (curl multi on sd-event, 32 in flight per webhook channel, SQLite synchronous=FULL) to a
# local sink; beside it, the sink's own ceiling measured with wrk in the same run (same path,
# same answer). Medians of RUNS runs (default 3).
set -u
cd "$(dirname "$0")/.."
TOP=$PWD N=${N:-10000} RUNS=${RUNS:-3}
T=$(mktemp -d /tmp/dutyd-bench.XXXXXX)
sink=
trap '[ -n "$sink" ] && kill $sink 2>/dev/null; rm -rf "$T"' EXIT
SRCS=$(printf "daemon/%s.c " outbox message payload sign mail sender store util)
cc -O2 -std=gnu17 -D_GNU_SOURCE -Idaemon $(pkg-config --cflags libcurl libsystemd sqlite3 jansson) -o "$T/driver" \
        tests/integration/delivery-driver.c $SRCS \
        $(pkg-config --libs libcurl libsystemd sqlite3 jansson libcrypto) -lm || exit 1
start_sink() { # a fresh sink per run, so one run cannot starve the next
        [ -n "$sink" ] && { kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null; }
        rm -f "$T/port"
        /usr/bin/python3 tests/integration/sink.py --dir "$T" & sink=$!
        for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
        port=$(cat "$T/port")
}
cat >"$T/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.body = '{"version":1,"delivery_id":"0123456789abcdef0123456789abcdef","channel":"hk","kind":"upcoming","items":[],"text":"【大栗港镇·安全生产履职提醒】镇长（张三）：「安全生产例会」还剩7天"}'
LUA
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
now() { date +%s.%N; }
: >"$T/q" ; : >"$T/b"; : >"$T/s"; : >"$T/w"
for run in $(seq "$RUNS"); do
        rm -rf "$T/state"
        start_sink
        cat >"$T/spec.json" <<JSON
{"state":"$T/state","org":"大栗港镇","timezone":"Asia/Shanghai","channels":[
 {"id":"hk","type":"webhook","url":"http://127.0.0.1:$port/bench","secret":"benchsecret"}]}
JSON
        rm -rf "$T/state"
        tb0=$(now); "$T/driver" "$T/spec.json" enqueue-batch hk "$N" 100 >/dev/null; tb1=$(now)
        echo "$tb0 $tb1" | awk -v n="$N" '{printf "%.0f\n", n/($2-$1)}' >>"$T/b"
        rm -rf "$T/state"
        t0=$(now); "$T/driver" "$T/spec.json" enqueue hk "$N" >/dev/null; t1=$(now)
        "$T/driver" "$T/spec.json" run 300 >"$T/run.out"; t2=$(now)
        kill -0 "$sink" 2>/dev/null || echo "run $run: the sink died" >&2
        sent=$(sed -n 's/^sent=\([0-9]*\).*/\1/p' "$T/run.out")
        [ "$sent" = "$N" ] || echo "run $run: only $sent of $N sent" >&2
        echo "$t0 $t1" | awk -v n="$N" '{printf "%.0f\n", n/($2-$1)}' >>"$T/q"
        echo "$t1 $t2" | awk -v n="$N" '{printf "%.0f\n", n/($2-$1)}' >>"$T/s"
        start_sink
        wrk -t2 -c8 -d3s -s "$T/post.lua" "http://127.0.0.1:$port/bench" 2>/dev/null |
                awk '/Requests\/sec/ {printf "%.0f\n", $2}' >>"$T/w"
done
echo "delivery: $N webhook messages, $RUNS runs, medians"
printf '  queue (outbox_queue, one transaction each):  %8s msg/s\n' "$(median <"$T/q")"
printf '  queue (outbox_queue_many, 100 a transaction): %7s msg/s\n' "$(median <"$T/b")"
printf '  send (sender → sink, marked sent in SQLite): %8s msg/s\n' "$(median <"$T/s")"
printf '  sink ceiling (wrk -c8, same path and body):  %8s req/s\n' "$(median <"$T/w")"
echo "  per run: queue $(paste -sd' ' "$T/q") | batched $(paste -sd' ' "$T/b") | send $(paste -sd' ' "$T/s") | sink $(paste -sd' ' "$T/w")"
