#!/usr/bin/env bash
# dutyd as installed, under a real systemd (PID 1 in a throw-away container with a network of its
# own, tests/integration/systemd-harness.sh):
#  1. the README's first command on the shipped default config: service active, `dutyctl
#     upcoming` lists deadlines with the state readable (no error);
#  2. with the state reset and an injected clock: STATUS; a feed through the socket-activated
#     port, at the address `dutyctl feeds list` prints (the socket's, no public_url set); a
#     reminder due seconds ahead reaching a webhook sink (in the container);
#  3. every dutyctl verb as root against the running service (done, undo, history, outbox,
#     report, done-link, send-test, check --secrets), the daemon reacting to the record; a member
#     of the group dutyd may use the state, anyone else is refused with the cause and the fix;
#  4. reload bad/good, journal fields, kill -9 → restarted without resending;
#  5. `systemctl stop dutyd` stops the socket too and stays stopped; verbs still work stopped.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/integration/systemd-harness.sh"
if r=$(ns_skip_reason); then echo "ok 1 - # SKIP $r"; t_done; exit 0; fi

FEED_PORT=$((20000 + RANDOM % 20000))
if ns_boot dutyd-test; then ok "container booted"; else
        fail "container booted"; t_done; exit 1; fi
in_ns() { ns_sh "$1" >/dev/null 2>&1; } # for check / wait_for: container commands by string

# --- 1. The README's first command, on the shipped default config that `make install` put in /etc.
ns_run systemctl daemon-reload
ns_run systemctl enable --now dutyd.socket dutyd.service >/dev/null 2>&1
check "default config: service active" ns_wait_active dutyd.service 20
ns_run dutyctl upcoming --from 2026-12-01 --to 2027-03-31 >"$T_TMP/up.out" 2>"$T_TMP/up.err"
check "default config: dutyctl upcoming lists deadlines" grep -q 截止日期 "$T_TMP/up.out"
# Only the warning that a year of the range has provisional holidays (no notice yet) may show.
check_eq "… and reads the state without an error" "" \
        "$(stderr_but_holiday_warning "$T_TMP/up.err")"
ns_run systemctl disable --now dutyd.service dutyd.socket >/dev/null 2>&1
check_eq "stopped for the next part" inactive "$(ns_run systemctl is-active dutyd.service)"
# The next part runs under an injected clock: start from a fresh state, not this one.
ns_sh 'rm -rf /var/lib/dutyd/* /var/lib/dutyd/.[!.]*'

# --- 2. A webhook sink inside the container (its network is its own).
ns_install_file "$TOP/tests/integration/sink.py" /run/test/sink.py
ns_sh 'mkdir -p /run/test/sink && echo ok >/run/test/sink/mode'
ns_bg python3 /run/test/sink.py --dir /run/test/sink --hook-secret hooksecret
SINK_LOG=$(ns_path /run/test/sink/log.jsonl)
wait_for 10 test -s "$(ns_path /run/test/sink/port)" || { fail "sink started"; t_done; exit 1; }
PORT=$(cat "$(ns_path /run/test/sink/port)")

config() { # extra duty line
        cat <<YAML
organization: {name: 系统测试镇}
holidays: holidays-cn.yaml
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
  - {id: acc, post: zz, title: 事故应急处置, event: 事故}
$1
YAML
}
config "" >"$T_TMP/good.yaml"
ns_install_config "$T_TMP/good.yaml"
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
        grep -q 'next reminder 11-23 09:00 镇长·安全生产工作会议; 0 overdue; 0 failed to send' <<<"$status"
check_eq "runs as the static user dutyd" "$(ns_run id -u dutyd)" "$(ns_prop dutyd.service UID)"
check "WATCHDOG=1 pings arrive (WatchdogSec=3s)" wait_for 5 in_ns \
        '[ "$(systemctl show -p WatchdogTimestampMonotonic --value dutyd)" -gt 0 ]'
check "reminder reaches the webhook from the service" wait_for 20 grep -q '"ok": true' "$SINK_LOG"
check "the message carries the occurrence" grep -q 'm:zz:2026-11:1' "$SINK_LOG"

# A feed through the socket systemd passed, at the address dutyctl prints (no public_url set).
ns_run dutyctl feeds list >"$T_TMP/feeds.out" 2>&1
url=$(grep -o "http://127.0.0.1:$FEED_PORT/feeds/[a-z2-7]*/post-zz.ics" "$T_TMP/feeds.out" | head -n1)
check "dutyctl feeds list gives the socket's address" test -n "$url"
code=$(ns_run curl -s -o /run/test/post-zz.ics -w '%{http_code}' "$url")
check_eq "feed served through the socket" 200 "$code"
check "feed has the meeting" grep -q '安全生产工作会议' "$(ns_path /run/test/post-zz.ics)"
check "socket owned by systemd (dutyd.socket active)" test "$(ns_run systemctl is-active dutyd.socket)" = active

# --- 3. Every verb as root against the running service.
# (The daemon has the container's locale: its STATUS= is English; dutyctl's output, through
# ns_run, Chinese.)
next_is() { ns_prop dutyd StatusText | grep -q "next reminder $1"; }
check "before: next reminder is the November meeting's (11-27)" wait_for 5 next_is '11-27 09:00'
check "root: dutyctl done" in_ns 'dutyctl done m:zz:2026-11:1 --note 已召开 | grep -q 已记录'
check "the daemon reacts: no more reminders for it (next is December's)" \
        wait_for 10 next_is '12-24 09:00'
check "root: dutyctl history" in_ns 'dutyctl history | grep -q 已召开'
check "root: dutyctl undo" in_ns 'dutyctl undo'
check "the daemon reacts: the November reminders are back" wait_for 10 next_is '11-27 09:00'
check "root: dutyctl outbox lists the sent reminder" in_ns 'dutyctl outbox | grep -q hook'
check "root: dutyctl report" in_ns 'dutyctl report --period 2026-11 | grep -q 镇长'
ns_run dutyctl done-link m:zz:2026-11:1 >"$T_TMP/link.out" 2>&1
link=$(grep -o "http://127.0.0.1:$FEED_PORT/done/[A-Za-z0-9_.-]*" "$T_TMP/link.out")
check "root: dutyctl done-link at the served address" test -n "$link"
check_eq "… the link opens on the running service" 200 \
        "$(ns_run curl -s -o /dev/null -w '%{http_code}' "$link")"
# The console under the real unit: a clerk's link made by root; a completion recorded with a PDF
# (the evidence file written by the service's user in its state folder); the year's workbook
# made by dutyctl in a child of the sandboxed service.
curl_ns() { ns_run curl -s -o /dev/null -w '%{http_code}' "$@"; }
console=$(ns_run dutyctl console-link a 2>/dev/null)
check "root: dutyctl console-link at the served address" \
        grep -qE "^http://127.0.0.1:$FEED_PORT/console/[a-z2-7]{32}/\$" <<<"$console"
check_eq "… the console opens on the running service" 200 "$(curl_ns "$console")"
ns_sh "printf '%%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%%%EOF\n' >/run/test/m.pdf"
csrf=$(ns_run curl -s "${console}occ/m:zz:2026-10:1" | grep -o 'name="csrf" value="[0-9a-f]*' | grep -o '[0-9a-f]*$')
check_eq "… a completion recorded there with a PDF: 303" 303 \
        "$(curl_ns -F csrf="$csrf" -F person=a -F date=2026-10-20 -F note=台账登记测试 \
                -F evidence=@/run/test/m.pdf "${console}occ/m:zz:2026-10:1")"
check "… dutyctl history shows it with its file" in_ns 'dutyctl history | grep 台账登记测试 | grep -q m.pdf'
check "… the file is the service's, in its state folder" in_ns \
        'test "$(stat -c %U "$(ls /var/lib/dutyd/evidence/* | head -1)")" = dutyd'
check_eq "… the year's workbook, made by dutyctl under the unit's sandbox" "200 PK" \
        "$(ns_run curl -s -o /run/test/r.xlsx -w '%{http_code}' "${console}report.xlsx?year=2026") $(head -c 2 "$(ns_path /run/test/r.xlsx)")"
n_before=$(grep -c . "$SINK_LOG")
check "root: dutyctl send-test hook (credential read as root)" in_ns 'dutyctl send-test hook'
check "… reaches the sink" wait_for 10 sh -c "[ \$(grep -c . '$SINK_LOG') -gt $n_before ]"
check "root: dutyctl check --secrets" in_ns 'dutyctl check --secrets'
n_before=$(grep -c . "$SINK_LOG")
check "root: dutyctl raise (sent at once: secrets read as root)" in_ns \
        'dutyctl raise 事故 --note 演练 | grep -q 已送达'
check "… the alert reaches the sink" wait_for 10 sh -c "[ \$(grep -c . '$SINK_LOG') -gt $n_before ]"
check "… recorded in the journal by whom (MESSAGE_ID of the catalog)" in_ns \
        'journalctl MESSAGE_ID=4365c190b57d42bd9750d625b639d693 -o cat --no-pager | grep -q "由 root 发起"'
# A member of the group dutyd, and somebody else (setpriv: no PAM in the container).
printf 'u alice -\nm alice dutyd\nu bob -\n' | ns_run systemd-sysusers - >/dev/null 2>&1
as() { local u=$1; shift; ns_run setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }
check "group member: dutyctl done" bash -c "$(declare -p NS_ENV); $(declare -f as ns_run); NS_LEADER=$NS_LEADER; as alice dutyctl done m:zz:2026-11:1 --note 成员记录 | grep -q 已记录"
check "the daemon reacts to the member's record" wait_for 10 next_is '12-24 09:00'
check "root sees the member's record" in_ns 'dutyctl history | grep -q 成员记录'
as bob dutyctl history >"$T_TMP/bob.out" 2>&1; rc=$?
check "non-member: refused (exit $rc)" test "$rc" -ne 0
check "… saying why and what to do" grep -q 'usermod -aG dutyd' "$T_TMP/bob.out"
sed 's/^/# bob: /' "$T_TMP/bob.out" | head -3
check "files the member made stay the group's" in_ns \
        '[ -z "$(find /var/lib/dutyd ! -group dutyd)" ] && [ -z "$(find /var/lib/dutyd -type f ! -perm -g+rw -name "state.db*")" ]'

# --- 4. Reload with a broken config: still active, errors in the journal, old schedule served.
config "  - {id: n, post: zz, title: 检查, rule: 每秒一次}" >"$T_TMP/bad.yaml"
ns_install_config "$T_TMP/bad.yaml"
ns_run systemctl reload dutyd >/dev/null 2>&1
check "journal has the error with its location" wait_for 10 in_ns \
        "journalctl -u dutyd --no-pager | grep -q 'dutyd.yaml:14:[0-9]*: cannot understand rule'"
check "still active after a bad reload" test "$(ns_run systemctl is-active dutyd)" = active
check "STATUS says the old config stays" wait_for 5 in_ns \
        'systemctl show -p StatusText --value dutyd | grep -q "reload failed"'
check_eq "old schedule still served" 200 "$(ns_run curl -s -o /dev/null -w '%{http_code}' "$url")"
check "config rejection has its MESSAGE_ID" in_ns \
        'journalctl -u dutyd MESSAGE_ID=18d438946c4f4e92bf9f2d1a1d4d0aaa --no-pager -q | grep -q .'
config "  - {id: n, post: zz, title: 隐患排查专项检查, kind: inspection, rule: 每年至少4次}" >"$T_TMP/good2.yaml"
ns_install_config "$T_TMP/good2.yaml"
ns_run systemctl reload dutyd >/dev/null 2>&1
check "good reload applied" wait_for 10 in_ns "curl -s '$url' | grep -q 隐患排查专项检查"

# Journal fields of the sent reminder.
ns_run journalctl -u dutyd -o json --no-pager MESSAGE_ID=909d7c5c30344f30947ebf33c40f7efa >"$T_TMP/sent.json" 2>/dev/null
check "sent reminder logged with DUTYD_CHANNEL" grep -q '"DUTYD_CHANNEL":"hook"' "$T_TMP/sent.json"
check "… and DUTYD_OCCURRENCE" grep -q '"DUTYD_OCCURRENCE":"m:zz:2026-11:1"' "$T_TMP/sent.json"
check "… and DUTYD_DUTY" grep -q '"DUTYD_DUTY":"m"' "$T_TMP/sent.json"
ns_run journalctl --update-catalog
check "catalog explains it (journalctl -x)" in_ns \
        'journalctl -u dutyd -x --no-pager MESSAGE_ID=909d7c5c30344f30947ebf33c40f7efa | grep -q "Defined-By: dutyd"'

# kill -9: restarted by systemd; nothing sent twice.
n0=$(grep -c . "$SINK_LOG")
ns_run kill -9 "$(ns_prop dutyd MainPID)"
check "restarted after kill -9" wait_for 20 in_ns \
        '[ "$(systemctl show -p NRestarts --value dutyd)" = 1 ] && [ "$(systemctl is-active dutyd)" = active ]'
sleep 2 # the restarted daemon re-plans the same minute: the outbox must drop it
n1=$(grep -c . "$SINK_LOG")
echo "# messages before kill: $n0, after restart: $n1"
check_eq "no message sent twice" "$n0" "$n1"

# --- 5. Stop: the socket goes too, and a feed request does not start the daemon again.
ns_run systemctl stop dutyd
check_eq "stopped" inactive "$(ns_run systemctl is-active dutyd)"
check_eq "exit status 0" 0 "$(ns_prop dutyd ExecMainStatus)"
check_eq "result success" success "$(ns_prop dutyd Result)"
check_eq "the socket stopped with it" inactive "$(ns_run systemctl is-active dutyd.socket)"
code=$(ns_run curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url")
check_eq "a feed request finds nothing listening" 000 "$code"
sleep 1
check_eq "… and the service stays stopped" inactive "$(ns_run systemctl is-active dutyd)"
check "stopped: root's dutyctl history still works" in_ns 'dutyctl history | grep -q 成员记录'
check "stopped: the member's too" bash -c "$(declare -p NS_ENV); $(declare -f as ns_run); NS_LEADER=$NS_LEADER; as alice dutyctl history | grep -q 成员记录"
ns_run systemctl start dutyd
check "systemctl start dutyd brings the socket back" wait_for 10 in_ns \
        '[ "$(systemctl is-active dutyd.socket)" = active ] && [ "$(systemctl is-active dutyd)" = active ]'
t_done
