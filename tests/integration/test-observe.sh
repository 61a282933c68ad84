#!/usr/bin/env bash
# What an administrator's monitoring sees (issue #14 item 5): /metrics scraped and parsed by the
# Prometheus client library's own parser (tests/integration/promparse.py), with the reminder
# sent, the feed requests, the overdue count per post and the reloads in it; /healthz; and the
# heartbeat reaching a local monitor every second. A wedged daemon (SIGSTOP: its loop stuck)
# answers no probe and sends no heartbeat; after SIGCONT both are back. Injected clock.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
T=$T_TMP
mkdir -p "$T/sink" "$T/state" "$T/hb"
PIDS=()
cleanup() {
        for p in "${PIDS[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
        wait 2>/dev/null; rm -rf "$T"
}
trap cleanup EXIT
PROM=$TOP/tests/integration/promparse.py
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null ||
        { ok "# SKIP python3-prometheus-client is missing (make deps)"; t_done; exit 0; }

start_sink "$T/sink" || { fail "sink started"; t_done; exit 1; }
PIDS+=($SINK_PID)
/usr/bin/python3 "$TOP/tests/integration/hbserver.py" "$T/hb" &
PIDS+=($!)
wait_for 10 test -s "$T/hb/port" || { fail "heartbeat monitor started"; t_done; exit 1; }
HB=$(cat "$T/hb/port")
/usr/bin/python3 "$TOP/tests/integration/notify.py" "$T/notify.sock" "$T/notify.log" &
PIDS+=($!)
wait_for 10 test -S "$T/notify.sock"
printf '%s' hooksecret >"$T/hook.secret"
write_config() { # extra top-level YAML
        cat >"$T/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
server: {listen: "127.0.0.1:0"}
heartbeat: {url: "http://127.0.0.1:$HB/ping/3f1c", interval: 1}
reminders: {time: "00:00"}
posts: [{id: zz, name: 镇长}, {id: fu, name: 副镇长}]
people: [{id: a, name: 张三, posts: [zz]}]
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$SINK_PORT/hook/x", secret: {file: $T/hook.secret}}
routes: [{channels: [hook]}]
duties:
  - {id: m, post: zz, title: 安全生产工作会议, kind: meeting, rule: 每月至少1次}
  - {id: r, post: fu, title: 月报, kind: report, rule: 每月23日前}
$1
YAML
}
write_config ""
# Monday 2026-11-23 23:59:57: at midnight fu's report, due on the 23rd, is overdue, and its
# overdue reminder (reminders at 00:00) goes out.
NOTIFY_SOCKET=$T/notify.sock DUTYD_CLOCK=2026-11-23T23:59:57 "$D" -c "$T/dutyd.yaml" \
        >"$T/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "READY=1" wait_for 10 grep -q 'READY=1' "$T/notify.log"
check "the reminder reached the sink" wait_for 15 grep -q '"ok": true' "$T/sink/log.jsonl"
addr=$(sed -n 's/.*订阅地址 \([0-9.:]*\).*/\1/p' "$T/dutyd.log" | head -1)
check "the daemon names its address" test -n "$addr"
curl -s -o /dev/null "http://$addr/feeds/nope/overdue.ics"
check_eq "/healthz answers 200 ok" "200 ok" "$(curl -s -w '%{http_code}' "http://$addr/healthz" | tr '\n' ' ' | awk '{print $2, $1}')"
check_eq "/healthzX is not it (404)" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/healthzX")"
metric() { grep -F "$1" "$T/m.txt" | awk '{print $NF}'; }
scrape() { /usr/bin/python3 "$PROM" "http://$addr/metrics" >"$T/m.txt" 2>"$T/m.err"; }
check "/metrics parses with the Prometheus parser" scrape
check_eq "build info" 1 "$(metric 'dutyd_build_info{version=')"
check_eq "healthy" 1 "$(metric 'dutyd_healthy{}')"
sent=$(grep -c '"ok": true' "$T/sink/log.jsonl")
check_eq "the reminders sent on hook, as the sink saw them" "$sent" "$(metric 'dutyd_reminders_sent_total{channel=hook}')"
check "hook's last success is a time" test "$(metric 'dutyd_last_success_timestamp_seconds{channel=hook}')" -gt 1790000000
check_eq "nothing queued after it" 0 "$(metric 'dutyd_outbox_queued{}')"
overdue() { scrape && test "$(metric 'dutyd_overdue{post=fu}')" = "$1"; }
check "after midnight: fu owes the 11-23 report (overdue 1)" wait_for 15 overdue 1
check_eq "overdue: zz owes nothing" 0 "$(metric 'dutyd_overdue{post=zz}')"
check_eq "the bad feed request counted as 404" 1 "$(metric 'dutyd_feed_requests_total{code=404}')"
check_eq "config generation 1" 1 "$(metric 'dutyd_config_generation{}')"
check "heartbeat pings arrive every second" wait_for 10 test "$(wc -l <"$T/hb/pings")" -ge 3
check "… at the configured path" grep -q ' /ping/3f1c$' "$T/hb/pings"
check "the heartbeat URL is never logged" bash -c "! grep -q 3f1c '$T/dutyd.log'"

# Reloads: a broken config is counted as a failure, a good one raises the generation.
reload_with() { # EXTRA: write the config, SIGHUP, wait for the READY after it, scrape
        write_config "$1"
        local n
        n=$(grep -c '^READY=1' "$T/notify.log")
        kill -HUP $DPID
        wait_for 10 test "$(grep -c '^READY=1' "$T/notify.log")" -gt "$n"
        scrape
}
reload_with "nonsense: 1"
check_eq "a rejected reload is counted" 1 "$(metric 'dutyd_config_reload_failures_total{}')"
reload_with ""
check_eq "a good reload: generation 2" 2 "$(metric 'dutyd_config_generation{}')"

# Wedged: the loop stopped. No probe is answered and no heartbeat leaves; then back.
kill -STOP $DPID
before=$(wc -l <"$T/hb/pings")
code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$addr/healthz")
check_eq "stopped: /healthz gets no answer (the probe fails)" 000 "$code"
check_eq "stopped: no heartbeat in those 2 s" "$before" "$(wc -l <"$T/hb/pings")"
kill -CONT $DPID
check "resumed: /healthz 200 again" wait_for 10 test "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$addr/healthz")" = 200
check "resumed: heartbeats again" wait_for 10 test "$(wc -l <"$T/hb/pings")" -gt "$before"
t_done
