#!/usr/bin/env bash
# dutyd under a real systemd (PID 1 in a throw-away container, tests/integration/systemd-harness.sh):
# install, start → active with its STATUS text; a feed fetched through the socket-activated port;
# a reminder due seconds ahead (injected clock) reaching a local webhook sink from the running
# service; reload with a broken config → still active, errors in the journal, old schedule still
# served; reload with a good config → applied; journal fields; kill -9 → restarted, nothing sent
# twice without the same delivery id; stop → clean exit.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/systemd-harness.sh"
if r=$(ns_skip_reason); then echo "ok 1 - # SKIP $r"; t_done; exit 0; fi
T=$T_TMP
SINK_PID=
on_exit() { ns_cleanup; [ -n "$SINK_PID" ] && kill $SINK_PID 2>/dev/null; rm -rf "$T"; }
trap on_exit EXIT

start_sink "$T/sink" || { fail "sink started"; t_done; exit 1; }
PORT=$SINK_PORT
FEED_PORT=$((20000 + RANDOM % 20000))

config() { # extra duty line
        cat <<YAML
organization: {name: 系统测试镇}
holidays: holidays-cn.yaml
feeds: {public_url: "http://127.0.0.1:$FEED_PORT"}
posts:
  - {id: zz, name: 镇长}
people:
  - {id: a, name: 张三, posts: [zz], mobile: "13800000001"}
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$PORT/hook/x", secret: {credential: hook-secret}}
routes:
  - {channels: [hook]}
duties:
  - {id: m, post: zz, title: 安全生产工作会议, kind: meeting, rule: 每月至少1次}
$1
YAML
}

ns_boot dutyd-test
trap on_exit EXIT # ns_boot installs its own; ours calls ns_cleanup too
ok "container booted"

# The README's first command, on the shipped default config that `make install` put in /etc.
ns_run systemctl daemon-reload
ns_run systemctl enable --now dutyd.socket dutyd.service >/dev/null 2>&1
check "default config: service active" ns_wait_active dutyd.service 20
check "default config: dutyctl upcoming lists deadlines" sh -c \
        "$(declare -f ns_run); NS_LEADER=$NS_LEADER; ns_run dutyctl upcoming --from 2026-12-01 --to 2027-03-31 | grep -q 截止日期"
ns_run systemctl disable --now dutyd.service dutyd.socket >/dev/null 2>&1
config "" >"$T/good.yaml"
ns_install_config "$T/good.yaml"
printf hooksecret | ns_write /etc/dutyd/credentials/hook-secret 0600
ns_unit dutyd.socket.d/port.conf <<EOF2
[Socket]
ListenStream=
ListenStream=127.0.0.1:$FEED_PORT
EOF2
# The injected clock: Monday 2026-11-23, seconds before the 09:00 reminder (due 11-30).
ns_unit dutyd.service.d/clock.conf <<EOF2
[Service]
Environment=DUTYD_CLOCK=2026-11-23T08:59:55
WatchdogSec=3s
EOF2
ns_run systemctl enable --now dutyd.socket dutyd.service >/dev/null 2>&1
check "service active" ns_wait_active dutyd.service 20
status=$(ns_prop dutyd StatusText)
echo "# StatusText: $status"
check "STATUS names the next reminder" \
        grep -q '下次提醒 11-23 09:00 镇长·安全生产工作会议；逾期 0 项；发送失败 0 条' <<<"$status"
check "runs as a dynamic user" test "$(ns_prop dutyd.service UID)" != 0
check "WATCHDOG=1 pings arrive (WatchdogSec=3s)" wait_for 5 sh -c "$(declare -f ns_run ns_prop); NS_LEADER=$NS_LEADER; [ \"\$(ns_prop dutyd WatchdogTimestampMonotonic)\" -gt 0 ]"
check "reminder reaches the webhook from the service" wait_for 20 grep -q '"ok": true' "$T/sink/log.jsonl"
check "the message carries the occurrence" grep -q 'm:zz:2026-11:1' "$T/sink/log.jsonl"

# A feed through the socket systemd passed.
url=$(ns_run dutyctl feeds list 2>/dev/null | grep -o "http://127.0.0.1:$FEED_PORT/feeds/[a-z0-9]*/org.ics" | head -n1)
check "dutyctl feeds list gives the org feed" test -n "$url"
code=$(curl -s -o "$T/org.ics" -w '%{http_code}' "$url")
check_eq "feed served through the socket" 200 "$code"
check "feed has the meeting" grep -q '安全生产工作会议' "$T/org.ics"
check "socket owned by systemd (dutyd.socket active)" test "$(ns_run systemctl is-active dutyd.socket)" = active

# Reload with a broken config: still active, errors in the journal, old schedule served.
config "  - {id: n, post: zz, title: 检查, rule: 每天一次}" >"$T/bad.yaml"
ns_install_config "$T/bad.yaml"
ns_run systemctl reload dutyd >/dev/null 2>&1
check "journal has the error with its location" wait_for 10 sh -c \
        "$(declare -f ns_run); NS_LEADER=$NS_LEADER; ns_run journalctl -u dutyd --no-pager | grep -q 'dutyd.yaml:14:[0-9]*: cannot understand rule'"
check "still active after a bad reload" test "$(ns_run systemctl is-active dutyd)" = active
check "STATUS says the old config stays" wait_for 5 sh -c "$(declare -f ns_run ns_prop); NS_LEADER=$NS_LEADER; ns_prop dutyd StatusText | grep -q 重新加载失败"
code=$(curl -s -o "$T/org2.ics" -w '%{http_code}' "$url")
check_eq "old schedule still served" 200 "$code"
check "config rejection has its MESSAGE_ID" sh -c "$(declare -f ns_run); NS_LEADER=$NS_LEADER; ns_run journalctl -u dutyd MESSAGE_ID=18d438946c4f4e92bf9f2d1a1d4d0aaa --no-pager -q | grep -q ."

# Reload with a good config: applied.
config "  - {id: n, post: zz, title: 隐患排查专项检查, kind: inspection, rule: 每年至少4次}" >"$T/good2.yaml"
ns_install_config "$T/good2.yaml"
ns_run systemctl reload dutyd >/dev/null 2>&1
check "good reload applied" wait_for 10 sh -c "curl -s '$url' | grep -q 隐患排查专项检查"

# Journal fields of the sent reminder.
ns_run journalctl -u dutyd -o json --no-pager MESSAGE_ID=909d7c5c30344f30947ebf33c40f7efa >"$T/sent.json" 2>/dev/null
check "sent reminder logged with DUTYD_CHANNEL" grep -q '"DUTYD_CHANNEL":"hook"' "$T/sent.json"
check "… and DUTYD_OCCURRENCE" grep -q '"DUTYD_OCCURRENCE":"m:zz:2026-11:1"' "$T/sent.json"
check "… and DUTYD_DUTY" grep -q '"DUTYD_DUTY":"m"' "$T/sent.json"
ns_run journalctl --update-catalog
check "catalog explains it (journalctl -x)" sh -c "$(declare -f ns_run); NS_LEADER=$NS_LEADER; ns_run journalctl -u dutyd -x --no-pager MESSAGE_ID=909d7c5c30344f30947ebf33c40f7efa | grep -q 'Defined-By: dutyd'"

# kill -9: restarted by systemd; nothing sent twice without the same delivery id.
n0=$(wc -l <"$T/sink/log.jsonl")
pid=$(ns_prop dutyd MainPID)
ns_run kill -9 "$pid"
check "restarted after kill -9" wait_for 20 sh -c "$(declare -f ns_run ns_prop); NS_LEADER=$NS_LEADER; [ \"\$(ns_prop dutyd NRestarts)\" = 1 ] && [ \"\$(ns_run systemctl is-active dutyd)\" = active ]"
sleep 2 # the restarted daemon re-plans the same minute: the outbox must drop it
ids=$(grep -o '"id": "[0-9a-f]*"' "$T/sink/log.jsonl" | sort | uniq -c | awk '$1 > 1' | wc -l)
n1=$(wc -l <"$T/sink/log.jsonl")
echo "# messages before kill: $n0, after restart: $n1, ids seen twice: $ids"
check_eq "no message sent twice" "$n0" "$n1"

# Clean stop.
ns_run systemctl stop dutyd
check_eq "stopped" inactive "$(ns_run systemctl is-active dutyd)"
check_eq "exit status 0" 0 "$(ns_prop dutyd ExecMainStatus)"
check_eq "result success" success "$(ns_prop dutyd Result)"
t_done
