#!/usr/bin/env bash
# The running daemon: start-to-READY time and peak RSS for 1,000 / 10,000 / 100,000 assignments,
# reload time (SIGHUP → READY=1), and the wake-ups of an idle daemon (epoll_wait returns counted
# by strace over BENCH_IDLE_SECONDS, default 600, with the 10,000-assignment config).
# The injected clock starts at 10:00 on a weekday, so nothing is due for hours.
set -u
cd "$(dirname "$0")/.."
out=$PWD/build/bench/daemon; mkdir -p "$out"
D=${DUTYD_BIN:-build/dutyd}
runs=${BENCH_RUNS:-3}
sizes=${BENCH_SIZES:-1000 10000 100000}
idle=${BENCH_IDLE_SECONDS:-600}
export DUTYD_CLOCK=2026-11-24T10:00:00
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

start_daemon() { # config → sets DPID; waits for READY
        rm -rf "$out/state" "$out/notify.log"; mkdir -p "$out/state"
        /usr/bin/python3 tests/integration/notify.py "$out/notify.sock" "$out/notify.log" --time &
        NPID=$!
        while [ ! -S "$out/notify.sock" ]; do sleep 0.05; done
        t0=$(awk '{print $1}' /proc/uptime)
        STATE_DIRECTORY=$out/state NOTIFY_SOCKET=$out/notify.sock "$D" -c "$1" \
                >"$out/dutyd.log" 2>&1 &
        DPID=$!
        while ! grep -q 'READY=1' "$out/notify.log" 2>/dev/null; do
                kill -0 $DPID 2>/dev/null || { echo "dutyd died"; cat "$out/dutyd.log"; return 1; }
                sleep 0.02
        done
        t1=$(awk '{print $1}' /proc/uptime)
        READY_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
}
stop_daemon() { kill -TERM $DPID; wait $DPID 2>/dev/null; kill $NPID; wait $NPID 2>/dev/null; }

printf '%-12s %14s %14s %14s\n' assignments ready_s peak_RSS_MB reload_s
for n in $sizes; do
        f=build/bench/config-$n.yaml
        [ -s "$f" ] || bench/gen-config "$n" >"$f"
        readys=() rss=() reloads=()
        for _ in $(seq "$runs"); do
                start_daemon "$f" || exit 1
                readys+=("$READY_S")
                : >"$out/notify.log"
                kill -HUP $DPID
                while ! grep -q '^[0-9.]* READY=1' "$out/notify.log"; do sleep 0.02; done
                r0=$(grep 'RELOADING=1' "$out/notify.log" | head -n1 | awk '{print $1}')
                r1=$(grep ' READY=1' "$out/notify.log" | head -n1 | awk '{print $1}')
                reloads+=("$(awk -v a="$r0" -v b="$r1" 'BEGIN {printf "%.2f", b - a}')")
                rss+=("$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' /proc/$DPID/status)")
                stop_daemon
        done
        printf '%-12s %14s %14s %14s\n' "$n" \
                "$(printf '%s\n' "${readys[@]}" | median)" \
                "$(printf '%s\n' "${rss[@]}" | median)" \
                "$(printf '%s\n' "${reloads[@]}" | median)"
done

if [ "$idle" -gt 0 ] && command -v strace >/dev/null; then
        f=build/bench/config-10000.yaml
        [ -s "$f" ] || bench/gen-config 10000 >"$f"
        start_daemon "$f" || exit 1
        timeout "$idle" strace -f -qq -e trace=epoll_wait -o "$out/strace.log" -p $DPID
        # A wake-up is an epoll_wait that returned (the last call is still blocked at detach).
        wakes=$(grep -cE 'epoll_wait\(.*\) = [0-9]+' "$out/strace.log")
        echo "idle wake-ups over ${idle}s (10,000 assignments, epoll_wait returns): $wakes"
        grep -E 'epoll_wait\(.*\) = [0-9]+' "$out/strace.log" | head -3 | sed 's/^/  /'
        stop_daemon
fi
