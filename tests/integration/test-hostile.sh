#!/usr/bin/env bash
# The feed server under attack (issue 12, items 1 and 2), on loopback, bounded in count and
# time. Attackers (tests/integration/hostile.py) come from 127.0.0.2..41 (Linux routes all of
# 127/8 to lo); a well-behaved client (curl) from 127.0.0.200 fetches a feed and the safety
# office's console overview (issue 15: the console is under the same limits) again and again
# during each attack: every fetch must be a 200 in under 1 s, and after the attackers leave the
# first fetch must succeed within 2 s. Scenarios, with the shipped limits:
#   (a) flood: 1,000 idle connections from 40 addresses, reconnecting when closed;
#   (b) slowloris: 320 connections sending one header line every 2 s, never ending the
#       request: each is closed once its request is not complete after server.header_timeout;
#   (c) slow reads: 400 clients that ask for a 1.5 MB feed with a tiny window and never read;
#   (e) slow uploads: 120 connections POSTing a 23 MiB multipart body to the console, 32 KiB
#       every 0.1 s (some 300 MiB in all): the bodies held stay within the server's budget for
#       all of them (HTTPD_BODY_BUDGET, 64 MiB), so the daemon's RSS (VmRSS) stays bounded;
# and (d), the wedge of item 1 with the limits it was found with (256 connections, 32 per
# address, a 3 s idle timeout): 260 idle connections from 10 addresses, held past the idle
# timeout, then closed. The daemon runs with a watchdog (WATCHDOG_USEC) and must keep
# reporting itself healthy through all of it. The worst latency and the recovery time of each
# scenario are printed as TAP comments.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
T=$T_TMP
HOSTILE="/usr/bin/python3 $TOP/tests/integration/hostile.py"
GOOD=127.0.0.200
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export DUTYD_CLOCK=2026-03-15T10:00:00 TZ=Asia/Shanghai

/usr/bin/python3 "$TOP/tests/integration/notify.py" "$T/notify.sock" "$T/notify.log" &
PIDS+=($!)
wait_for 10 test -S "$T/notify.sock"

write_config() { # FILE STATE SERVER-MAPPING
        {
                cat <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $2
server: $3
feeds: {public_url: "https://duty.example.gov.cn", max_events: 2000}
posts:
  - {id: big, name: 安委会办公室}
  - {id: zz, name: 镇长}
people:
  - {id: a, name: 张三, posts: [zz]}
  - {id: w, name: 王文书}
duties:
  - {id: m, post: zz, title: 安全生产工作会议, kind: meeting, rule: 每月至少1次}
YAML
                for i in $(seq 1 100); do
                        echo "  - {id: d$i, post: big, title: 安全生产专项检查第${i}项（重点行业领域隐患排查整治）, kind: inspection, rule: 每月至少1次}"
                done
        } >"$1"
        mkdir -p "$2"
}

# start_daemon CONFIG: sets DPID, ADDR, GOOD_URL (the small feed), BIG_PATH (1.5 MB) and
# CONSOLE_URL (a clerk's console link). Under ASan, freed memory is held back only briefly
# (quarantine_size_mb): the RSS then measures what the daemon holds, not ASan's quarantine.
start_daemon() {
        : >"$T/notify.log"
        ASAN_OPTIONS=quarantine_size_mb=8:$ASAN_OPTIONS NOTIFY_SOCKET=$T/notify.sock \
                WATCHDOG_USEC=3000000 "$D" -c "$1" >"$T/dutyd.log" 2>&1 &
        DPID=$!; PIDS+=($DPID)
        wait_for 15 grep -q 'READY=1' "$T/notify.log" || return 1
        ADDR=$(grep -o '订阅地址 127\.0\.0\.1:[0-9]*' "$T/dutyd.log" | head -1 | cut -d' ' -f2)
        local list
        list=$("$CTL" -c "$1" feeds list 2>/dev/null)
        GOOD_URL=http://$ADDR$(grep -oE '/feeds/[a-z2-7]{32}/post-zz\.ics' <<<"$list" | head -1)
        BIG_PATH=$(grep -oE '/feeds/[a-z2-7]{32}/post-big\.ics' <<<"$list" | head -1)
        CONSOLE_PATH=$("$CTL" -c "$1" console-link w 2>/dev/null | grep -oE '/console/[a-z2-7]{32}/')
        CONSOLE_URL=http://$ADDR$CONSOLE_PATH
        [ -n "$ADDR" ] && [ -n "$BIG_PATH" ] && [ -n "$CONSOLE_PATH" ]
}

# fetch [MAX-SECONDS [URL]]: one fetch of the small feed (or URL) from the well-behaved
# address; prints "STATUS SECONDS".
fetch() {
        curl -s -o /dev/null --interface $GOOD -m "${1:-5}" -w '%{http_code} %{time_total}\n' \
                "${2:-$GOOD_URL}"
}
now() { date +%s.%N; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status"; }

# scenario NAME MODE HOSTILE-OPTIONS…: the attack in the background, 12 fetches of the feed
# and of the console's overview during it (every 0.4 s), then the recovery after the attackers
# have gone. RSS_BEFORE and RSS_MAX (KiB): the daemon's before and during the attack.
scenario() {
        local name=$1 mode=$2; shift 2
        rm -f "$T/ready"
        RSS_BEFORE=$(rss_kib) RSS_MAX=0
        $HOSTILE "$mode" --target "$ADDR" --path "$BIG_PATH" --ready "$T/ready" "$@" \
                >"$T/$name.json" 2>"$T/$name.err" &
        local apid=$!
        wait_for 20 test -e "$T/ready" || echo "# $name: the attackers were not all started"
        sleep 0.5
        local w0
        w0=$(grep -c 'WATCHDOG=1' "$T/notify.log")
        : >"$T/$name.fetches"
        : >"$T/$name.console"
        local rss
        for _ in $(seq 12); do
                fetch 5 >>"$T/$name.fetches"
                fetch 5 "$CONSOLE_URL" >>"$T/$name.console"
                rss=$(rss_kib)
                [ "${rss:-0}" -gt "$RSS_MAX" ] && RSS_MAX=$rss
                sleep 0.4
        done
        local worst bad
        worst=$(sort -k2 -g "$T/$name.fetches" | tail -1 | cut -d' ' -f2)
        bad=$(awk '$1 != 200 || $2 >= 1' "$T/$name.fetches" | wc -l)
        echo "# $name: worst $worst s over $(wc -l <"$T/$name.fetches") fetches"
        check "$name: 12 fetches during the attack, each a 200 in < 1 s ($bad not)" \
                test "$bad" -eq 0 -a "$(wc -l <"$T/$name.fetches")" -eq 12
        worst=$(sort -k2 -g "$T/$name.console" | tail -1 | cut -d' ' -f2)
        bad=$(awk '$1 != 200 || $2 >= 1' "$T/$name.console" | wc -l)
        echo "# $name: console overview worst $worst s; RSS $RSS_BEFORE KiB before, at most $RSS_MAX KiB during"
        check "$name: 12 console overviews during the attack, each a 200 in < 1 s ($bad not)" \
                test "$bad" -eq 0 -a "$(wc -l <"$T/$name.console")" -eq 12
        check "$name: the watchdog is still told all is well" \
                test "$(grep -c 'WATCHDOG=1' "$T/notify.log")" -gt "$w0"
        wait $apid
        local gone t r=""
        gone=$(now)
        while :; do
                r=$(fetch 2)
                t=$(awk -v a="$gone" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
                [ "${r%% *}" == 200 ] && break
                awk -v t="$t" 'BEGIN { exit !(t > 2) }' && break
                sleep 0.05
        done
        echo "# $name: recovery $t s (attack: $(cat "$T/$name.json"))"
        check "$name: a fetch succeeds within 2 s of the attackers leaving" \
                bash -c "[ '${r%% *}' == 200 ] && awk 'BEGIN { exit !($t <= 2) }'"
        check "$name: the daemon is still running" kill -0 "$DPID"
}

# --- (a)-(c) with the shipped limits, a short request-header deadline --------------------
write_config "$T/dutyd.yaml" "$T/state" "{listen: \"127.0.0.1:0\", header_timeout: 4}"
if ! start_daemon "$T/dutyd.yaml"; then
        fail "dutyd started"; cat "$T/dutyd.log"; t_done; exit 1
fi
check "the big feed is large (> 1 MB)" \
        test "$(curl -s "http://$ADDR$BIG_PATH" | wc -c)" -gt 1000000
check_eq "the small feed is served" 200 "$(fetch | cut -d' ' -f1)"

scenario flood idle --conns 1000 --sources 40 --duration 8
scenario slowloris slowloris --conns 320 --sources 40 --interval 2 --duration 9
life=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_life"])' \
        "$T/slowloris.json")
check "slowloris: the server closes a request still incomplete after 4 s (longest $life s)" \
        awk "BEGIN { exit !($life > 0 && $life < 5.5) }"
scenario slowread slowread --conns 400 --sources 40 --duration 8
check_eq "the console answers a POST while no upload holds the budget (a 403: no csrf)" 403 \
        "$(curl -s -o /dev/null -w '%{http_code}' -F x=y "${CONSOLE_URL}occ/m:zz:2026-03:1")"
scenario slowpost slowpost --conns 120 --sources 40 --duration 9 --interval 0.1 --chunk 32768 \
        --length $((23 << 20)) --path "${CONSOLE_PATH}occ/m:zz:2026-03:1"
sent=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"] >> 20)' \
        "$T/slowpost.json")
check "slowpost: the uploads sent over 160 MiB in all ($sent MiB)" test "$sent" -gt 160
check "slowpost: the daemon's RSS grew by under 160 MiB ($(((RSS_MAX - RSS_BEFORE) >> 10)) MiB)" \
        test $((RSS_MAX - RSS_BEFORE)) -lt $((160 << 10))
check_eq "slowpost: once the uploads are gone, the budget is free again (a 403, not 413)" 403 \
        "$(curl -s -o /dev/null -w '%{http_code}' -F x=y "${CONSOLE_URL}occ/m:zz:2026-03:1")"
kill -TERM $DPID; wait $DPID
check_eq "exit status 0 on SIGTERM after the attacks" 0 "$?"
check "no sanitizer report" bash -c "! grep -q 'Sanitizer' '$T/dutyd.log'"

# --- (d) the wedge, with the limits and the timeout it was found with ---------------------
write_config "$T/wedge.yaml" "$T/state-w" \
        "{listen: \"127.0.0.1:0\", max_connections: 256, per_ip_connections: 32, timeout: 3}"
if ! start_daemon "$T/wedge.yaml"; then
        fail "dutyd started (wedge)"; cat "$T/dutyd.log"; t_done; exit 1
fi
scenario wedge idle --conns 260 --sources 10 --duration 5 --no-reconnect
# Once more: the listener must come back every time, not in half the runs.
scenario wedge-again idle --conns 260 --sources 10 --duration 5 --no-reconnect
kill -TERM $DPID; wait $DPID
check_eq "exit status 0 on SIGTERM after the wedge" 0 "$?"
check "no sanitizer report (wedge)" bash -c "! grep -q 'Sanitizer' '$T/dutyd.log'"
t_done
