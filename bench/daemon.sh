#!/usr/bin/env bash
# The running daemon at each size of BENCH_SIZES (medians of BENCH_RUNS runs; each run is a
# start on an empty state folder, then a restart on the state it left):
#  - start → READY: from the exec of dutyd to the arrival of READY=1 (both CLOCK_MONOTONIC);
#  - memory at READY: VmRSS and VmHWM read by the notification socket (bench/notify-ready.py)
#    as READY=1 arrives;
#  - feed files written before READY: .ics files under the state folder whose mtime lies
#    between the exec and READY=1, their count and bytes (a background build after READY is
#    allowed);
#  - reload: SIGHUP → RELOADING=1 … READY=1 (after the restart).
# Then the wake-ups of an idle daemon: epoll_wait returns counted by strace over
# BENCH_IDLE_SECONDS (default 600; 0 leaves the row out, said so) with 10,000 assignments,
# from when its CPU time stops growing after READY (the background feed build is over).
# The injected clock starts at 10:00 on a weekday, so nothing is due for hours. The daemon
# listens on 127.0.0.1:0 (no clash with another dutyd on 8027).
. "$(dirname "$0")/lib.sh"
need python3
D=${DUTYD_BIN:-$TOP/build/dutyd}
[ -x "$D" ] || die "$D missing: run make"
idle=${BENCH_IDLE_SECONDS:-600}
out=$OUT/daemon
mkdir -p "$out"
export DUTYD_CLOCK=2026-11-24T10:00:00
DPID='' NPID=''
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; [ -n "$NPID" ] && kill $NPID 2>/dev/null' EXIT

# start_daemon CONFIG: starts dutyd on $out/state (kept as it is), waits for READY=1; sets
# DPID, READY_S, RSS_MIB, HWM_MIB, FILES, FILE_MB. Returns 1 (its log shown) when dutyd dies.
start_daemon() {
        rm -f "$out/notify.sock" "$out/notify.log"
        python3 bench/notify-ready.py "$out/notify.sock" "$out/notify.log" &
        NPID=$!
        while [ ! -S "$out/notify.sock" ]; do sleep 0.02; done
        # t0 is taken in the process that then becomes dutyd (exec), on both clocks.
        STATE_DIRECTORY=$out/state NOTIFY_SOCKET=$out/notify.sock python3 -c '
import os, sys, time
with open(sys.argv[1], "w") as f:
    f.write("%.6f %.6f\n" % (time.monotonic(), time.time()))
os.execv(sys.argv[2], sys.argv[2:])' "$out/t0" "$D" -c "$1" >"$out/dutyd.log" 2>&1 &
        DPID=$!
        until grep -q ' READY=1' "$out/notify.log" 2>/dev/null; do
                if ! kill -0 $DPID 2>/dev/null; then
                        echo "bench: dutyd died before READY=1:" >&2
                        tail -5 "$out/dutyd.log" | sed 's/^/  /' >&2
                        wait $DPID 2>/dev/null
                        kill $NPID
                        wait $NPID 2>/dev/null
                        DPID='' NPID=''
                        return 1
                fi
                sleep 0.01
        done
        local m0 r0 ready
        read -r m0 r0 <"$out/t0"
        ready=$(grep -m1 ' READY=1' "$out/notify.log")
        read -r READY_S RSS_MIB HWM_MIB < <(echo "$ready" | awk -v m0="$m0" \
                '{printf "%.4f %.1f %.1f\n", $1 - m0, $4 / 1024, $5 / 1024}')
        read -r FILES FILE_MB < <(find "$out/state" -type f -name '*.ics' -printf '%T@ %s\n' |
                awk -v a="$r0" -v b="$(echo "$ready" | awk '{print $2}')" \
                        '$1 >= a && $1 <= b {n++; s += $2} END {printf "%d %.1f\n", n, s / 1e6}')
}
stop_daemon() {
        kill -TERM $DPID
        wait $DPID 2>/dev/null
        kill $NPID
        wait $NPID 2>/dev/null
        DPID='' NPID=''
}
# settle: waits (at most 300 s) until the daemon's CPU time stays the same for 2 s: the
# background work that may follow READY (the feed build) is over.
settle() {
        local last=-1 cur same=0
        for _ in $(seq 300); do
                cur=$(awk '{print $14 + $15}' /proc/$DPID/stat)
                if [ "$cur" = "$last" ]; then
                        same=$((same + 1))
                        [ $same -ge 2 ] && return 0
                else
                        same=0
                fi
                last=$cur
                sleep 1
        done
        die "the daemon did not settle in 300 s"
}
reload_daemon() { # sets RELOAD_S
        : >"$out/notify.log"
        kill -HUP $DPID
        until grep -q ' READY=1' "$out/notify.log"; do sleep 0.01; done
        RELOAD_S=$(awk '/ RELOADING=1/ && !a {a = $1} / READY=1/ && !b {b = $1}
                END {printf "%.4f\n", b - a}' "$out/notify.log")
}

# Targets of issue #10 by size: READY (s) and RSS at READY (MiB).
ready_target() { case $1 in 10000) echo 0.2 ;; 100000) echo 1 ;; "$MILLION") echo 10 ;; *) echo - ;; esac; }
rss_target() { case $1 in 10000) echo 24 ;; 100000) echo 64 ;; "$MILLION") echo 512 ;; *) echo - ;; esac; }
# judge_limit MEASURE SIZE VALUE LIMIT UNIT: a row without peer, target "< LIMIT UNIT".
judge_limit() {
        if [ "$4" = - ]; then
                judged "$1" "$2" "$3" — — "$3" - 0 ""
        else
                judged "$1" "$2" "$3" — — "$3" '<' "$4" "< $4 $5"
        fi
}

printf '%-9s | %9s %8s %8s %12s | %9s %8s %8s %12s | %8s\n' size fresh_s RSS_MiB HWM_MiB \
        files/MB restart_s RSS_MiB HWM_MiB files/MB reload_s
# runs CONFIG: BENCH_RUNS fresh starts, restarts and reloads into $out/{fresh,restart,reload}.m.
runs() {
        rm -f "$out"/{fresh,restart,reload}.m
        for _ in $(seq "$RUNS"); do
                rm -rf "$out/state"
                mkdir -p "$out/state"
                start_daemon "$1" || return 1
                echo "$READY_S $RSS_MIB $HWM_MIB $FILES $FILE_MB" >>"$out/fresh.m"
                stop_daemon
                start_daemon "$1" || return 1
                echo "$READY_S $RSS_MIB $HWM_MIB $FILES $FILE_MB" >>"$out/restart.m"
                reload_daemon
                echo "$RELOAD_S" >>"$out/reload.m"
                stop_daemon
        done
}

bad=0
for n in $SIZES; do
        cfg=$out/config-$n.yaml
        { echo "server: {listen: '127.0.0.1:0'}"; cat "$(config "$n")"; } >"$cfg"
        if ! runs "$cfg"; then
                rt="< $(ready_target "$n") s" mt="< $(rss_target "$n") MiB"
                [ "$(ready_target "$n")" = - ] && rt=— mt=—
                for kind in fresh restart; do
                        failed_row "daemon start → READY s ($kind state)" "$n" "$rt"
                        failed_row "daemon VmRSS at READY MiB ($kind)" "$n" "$mt"
                        failed_row "daemon VmHWM at READY MiB ($kind)" "$n" "$mt"
                        failed_row "feed files written before READY ($kind)" "$n" "none"
                done
                bad=1
                continue
        fi
        m() { awk -v c="$2" '{print $c}' "$out/$1.m" | median; }
        printf '%-9s | %9.3f %8.1f %8.1f %6d/%-5.1f | %9.3f %8.1f %8.1f %6d/%-5.1f | %8.3f\n' "$n" \
                "$(m fresh 1)" "$(m fresh 2)" "$(m fresh 3)" "$(m fresh 4)" "$(m fresh 5)" \
                "$(m restart 1)" "$(m restart 2)" "$(m restart 3)" "$(m restart 4)" \
                "$(m restart 5)" "$(m reload 1)"
        rt=$(ready_target "$n") mt=$(rss_target "$n")
        for kind in fresh restart; do
                judge_limit "daemon start → READY s ($kind state)" "$n" "$(m $kind 1)" "$rt" s
                judge_limit "daemon VmRSS at READY MiB ($kind)" "$n" "$(m $kind 2)" "$mt" MiB
                judge_limit "daemon VmHWM at READY MiB ($kind)" "$n" "$(m $kind 3)" "$mt" MiB
                judged "feed files written before READY ($kind)" "$n" \
                        "$(m $kind 4) files, $(m $kind 5) MB" — — "$(m $kind 4)" '==' 0 "none"
        done
        judged "daemon reload (SIGHUP → READY) s" "$n" "$(m reload 1)" — — 0 - 0 ""
done

if [ "$idle" -gt 0 ]; then
        need strace
        cfg=$out/config-10000.yaml
        { echo "server: {listen: '127.0.0.1:0'}"; cat "$(config 10000)"; } >"$cfg"
        rm -rf "$out/state"
        mkdir -p "$out/state"
        start_daemon "$cfg" || exit 1
        settle
        timeout "$idle" strace -f -qq -e trace=epoll_wait -o "$out/strace.log" -p $DPID
        # A wake-up is an epoll_wait that returned (the last call is still blocked at detach).
        wakes=$(grep -cE 'epoll_wait\(.*\) = [0-9]+' "$out/strace.log")
        echo "idle wake-ups over ${idle}s (10,000 assignments, epoll_wait returns): $wakes"
        grep -E 'epoll_wait\(.*\) = [0-9]+' "$out/strace.log" | head -3 | sed 's/^/  /'
        judged "idle daemon wake-ups in ${idle} s" 10000 "$wakes" — — "$wakes" '==' 0 "0"
        stop_daemon
else
        echo "idle wake-ups: not measured (BENCH_IDLE_SECONDS=0)"
fi
exit $bad
