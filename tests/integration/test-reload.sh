#!/usr/bin/env bash
# A reload never stalls the daemon (issue 12, item 5): dutyd reads the config on SIGHUP in a
# thread while the loop goes on serving with the old one. With a config large enough that the
# read takes seconds (bench/gen-config: 150,000 assignments, 60,000 under ASan, which is
# slower), a client (tests/integration/reload-probe.py) fetches a feed again and again during
# the read: every answer a 200 in under 0.5 s, and the watchdog keeps being answered. Then:
# the new config is in force (a post only it has gets its feed); a bad large config is
# rejected with its location and the old one stays; a SIGHUP during a read makes one more read
# of the newest file, the first one's result dropped unseen; SIGTERM during a read stops at
# once (STOPPING=1 without waiting for the read) and exits 0 once the read has ended.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
N=150000
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd N=60000
T=$T_TMP
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export DUTYD_CLOCK=2026-03-15T10:00:00 TZ=Asia/Shanghai
LAST=p$((N / 10 - 1)) # the last post of the large config; the small one has p0 and p1

/usr/bin/python3 "$TOP/tests/integration/notify.py" "$T/notify.sock" "$T/notify.log" &
PIDS+=($!)
wait_for 10 test -S "$T/notify.sock"
mkdir -p "$T/state"

gen() { # FILE ASSIGNMENTS: a bench config on this test's state and an ephemeral port
        { echo "state: $T/state"; echo 'server: {listen: "127.0.0.1:0"}'
          "$TOP/bench/gen-config" "$2"; } >"$1"
}
gen "$T/small.yaml" 20
gen "$T/large.yaml" $N
cp "$T/large.yaml" "$T/bad.yaml"
echo "  - {id: bad, post: p0, title: 检查, rule: 每年至少4次, bogus: 1}" >>"$T/bad.yaml"
BAD_AT="dutyd.yaml:$(wc -l <"$T/bad.yaml"):50: 未知键“bogus”"
sed 's/^people:$/  - {id: xin, name: 新设岗位}\npeople:/' "$T/small.yaml" >"$T/newest.yaml"
use() { cp "$T/$1.yaml" "$T/next.yaml" && mv "$T/next.yaml" "$T/dutyd.yaml"; } # as editors do
usec() { echo "${EPOCHREALTIME/./}"; }
n_lines() { grep -c "$1" "$2"; }
# reload NAME: SIGHUP with NAME.yaml in place, once the daemon says it is reading.
reload() {
        use "$1"
        : >"$T/notify.log"
        kill -HUP $DPID
        wait_for 10 grep -q RELOADING=1 "$T/notify.log"
}
# probe TEXT: fetch the old feed until TEXT is logged; sets ANSWERS, WORST, FAILED.
probe() {
        local out
        out=$(/usr/bin/python3 "$TOP/tests/integration/reload-probe.py" "$FEED" "$T/dutyd.log" "$1")
        echo "# during the read: $out"
        ANSWERS=$(echo "$out" | sed 's/.*answers=\([0-9]*\).*/\1/')
        WORST=$(echo "$out" | sed 's/.*worst_ms=\([0-9]*\).*/\1/')
        FAILED=$(echo "$out" | sed 's/.*failed=\([0-9]*\).*/\1/')
}
# Watchdog pings between the last RELOADING=1 and the READY=1 that ends the reload.
pings() { sed -n '/^RELOADING=1/,/^READY=1/p' "$T/notify.log" | grep -c '^WATCHDOG=1'; }
status() { curl -s -o /dev/null -w '%{http_code}' "http://$ADDR$1"; }
feed_path() { # CONFIG FEED: the feed's address path (its token created if new)
        "$CTL" -c "$T/$1.yaml" feeds list 2>/dev/null | grep -oE "/feeds/[a-z2-7]{32}/$2\.ics" | head -1
}

use small
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000 "$D" -c "$T/dutyd.yaml" >"$T/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "READY=1 with the small config" wait_for 15 grep -q '^READY=1' "$T/notify.log"
ADDR=$(grep -o '订阅地址 127\.0\.0\.1:[0-9]*' "$T/dutyd.log" | head -1 | cut -d' ' -f2)
FEED=http://$ADDR$(feed_path small post-p0)
NEWPOST=$(feed_path large post-$LAST)
XIN=$(feed_path newest post-xin)
check_eq "the old config's feed is served" 200 "$(status "${FEED#http://$ADDR}")"
check_eq "a post of the large config has no feed yet" 404 "$(status "$NEWPOST")"

# 1. The large config: the feed answers quickly while it is read, then the new one is in force.
reload large
t0=$(usec)
probe '已重新加载配置'
echo "# the read took about $((($(usec) - t0) / 1000)) ms ($N assignments)"
check "feeds answered during the read (${ANSWERS} answers)" test "$ANSWERS" -ge 3
check "every answer under 0.5 s (worst ${WORST} ms)" test "$WORST" -lt 500
check_eq "every answer a 200" 0 "$FAILED"
check "READY=1 after the reload" wait_for 30 grep -q '^READY=1' "$T/notify.log"
check "the watchdog was answered during the read ($(pings) pings)" test "$(pings)" -ge 2
check_eq "the large config is in force: its post's feed" 200 "$(status "$NEWPOST")"

# 2. A bad large config: served meanwhile; then rejected with its place, the large one kept.
reload bad
probe '未重新加载，继续使用原配置'
check "feeds answered during the bad read (${ANSWERS} answers)" test "$ANSWERS" -ge 3
check "every answer under 0.5 s (worst ${WORST} ms)" test "$WORST" -lt 500
check "the error at FILE:LINE:COLUMN" grep -q "$BAD_AT" "$T/dutyd.log"
check "READY=1 after the rejected reload" wait_for 30 grep -q '^READY=1' "$T/notify.log"
check "STATUS says the old config stays" grep -q 'STATUS=.*重新加载失败（见日志），沿用原配置' "$T/notify.log"
check_eq "the large config still in force" 200 "$(status "$NEWPOST")"

# 3. SIGHUP during a read: one more read, of the newest file; the first result is dropped
#    unseen (its error is not logged again) and READY=1 comes once, for the newest.
reload bad
use newest
kill -HUP $DPID
check "the second SIGHUP is noted" wait_for 10 grep -q '读完后再读一次' "$T/dutyd.log"
check "the newest config is applied" wait_for 60 sh -c "[ \$(grep -c 已重新加载配置 '$T/dutyd.log') -eq 2 ]"
check "READY=1 after it" wait_for 30 grep -q '^READY=1' "$T/notify.log"
check_eq "RELOADING=1 for each SIGHUP" 2 "$(n_lines '^RELOADING=1.*MONOTONIC_USEC=' "$T/notify.log")"
check_eq "one READY=1 for both" 1 "$(n_lines '^READY=1' "$T/notify.log")"
check_eq "the dropped read's error not logged" 1 "$(n_lines "$BAD_AT" "$T/dutyd.log")"
check_eq "the newest config's new post has its feed" 200 "$(status "$XIN")"
check_eq "the large config's post is gone" 404 "$(status "$NEWPOST")"

# 4. SIGTERM during a read: STOPPING=1 at once, exit 0 when the read has ended (ASan: no leak).
reload large
t0=$(usec)
kill -TERM $DPID
wait_for 10 grep -q '^STOPPING=1' "$T/notify.log"
ms=$((($(usec) - t0) / 1000))
check "STOPPING=1 during the read in under 0.5 s (${ms} ms)" test "$ms" -lt 500
check "the wait for the read is logged" wait_for 5 grep -q '还在读取中' "$T/dutyd.log"
wait $DPID
check_eq "exit status 0" 0 "$?"
check "the read was not applied" sh -c "[ \$(grep -c 已重新加载配置 '$T/dutyd.log') -eq 2 ]"
t_done
