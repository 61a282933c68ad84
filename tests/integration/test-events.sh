#!/usr/bin/env bash
# Events' clocks in the daemon (issue 16, 国务院令第493号): a 较大事故 raised with dutyctl at
# 23:30 on the eve of 国庆 2026 while dutyd runs on an injected clock (DUTYD_CLOCK, 300 times as
# fast: no real sleeping beyond ~30 s); dutyd picks the event up and queues, each at its minute,
# the 1-hour clock's reminders (halfway 00:00, 10 minutes before 00:20, the deadline 00:30, the
# escalation 00:40) and the 2-hour clock's (01:20, 01:30, escalation 01:40, to the escalate_to
# post), which reach a local webhook sink; a report done on time silences its clock; then
# dutyctl report shows each clock met or missed to the minute, and close ends the event.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
mkdir -p "$T/sink" "$T/state"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

start_sink "$T/sink" || { fail "sink started"; t_done; exit 1; }
PIDS+=($SINK_PID)
printf '%s' hooksecret >"$T/hook.secret"
cat >"$T/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
server: {listen: "127.0.0.1:0"}
feeds: {public_url: "http://127.0.0.1:1"}
posts:
  - {id: aj, name: 安监站长}
  - {id: zz, name: 镇长, escalate_to: [sj]}
  - {id: sj, name: 镇党委书记}
people:
  - {id: a, name: 张三, posts: [sj]}
  - {id: b, name: 李四, posts: [zz]}
  - {id: c, name: 王五, posts: [aj]}
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$SINK_PORT/hook/x", secret: {file: $T/hook.secret}}
routes:
  - {channels: [hook]}
duties:
  - {id: r1, post: aj, title: 向县应急管理局报告, event: 事故, within: 1小时内}
  - {id: r2, post: zz, title: 向市应急管理局报告, event: 事故, within: 2h, levels: [较大, 重大]}
  - {id: xu, post: aj, title: 事故续报, event: 事故, every: 每日续报}
  - {id: r3, post: sj, title: 书记核报, event: 事故, within: 135m}
  - {id: big, post: zz, title: 重大事故续报, event: 事故, every: 每天两次续报, levels: [重大]}
YAML
db() { sqlite3 "$T/state/state.db" "$1"; }
# The minutes (local, HH:MM) at which dutyd queued STEP of OCCURRENCE, and how many seconds of
# the injected clock after that minute (a timer that wakes exactly: a few).
queued_at() { # OCCURRENCE STEP
        db "SELECT strftime('%H:%M', o.created, 'unixepoch', '+8 hours') || ' +' ||
                   (o.created % 60) FROM outbox_items i JOIN outbox o ON o.id = i.delivery_id
            WHERE i.occurrence = '$1' AND i.step = '$2'" | head -1
}
queued_minute() { queued_at "$@" | cut -d' ' -f1; }
on_time() { # OCCURRENCE STEP HH:MM: queued in that minute, within 45 s of its start
        local a; a=$(queued_at "$1" "$2")
        [ "${a% *}" = "$3" ] && [ "${a#*+}" -le 45 ]
}

# explain: every phrase of an event's clock, with its deadlines were the event to happen now.
ex() { DUTYD_CLOCK=2026-09-30T23:30 "$CTL" -c "$T/dutyd.yaml" explain "$@" 2>&1; }
out=$(ex 1小时内 2小时内 24小时内 每日续报 每天两次续报 30日内补报 7日内补报); rc=$?
check_eq "explain: every phrase understood" 0 "$rc"
check "1小时内 → within: 1h, 10-01 00:30" grep -qzP '1小时内\n  理解为：事件发生后1小时内报告[^\n]*\n  规范写法：within: 1h\n[^\n]*截止：2026-10-01 00:30\n' <<<"$out"
check "2小时内 → within: 2h, 01:30" grep -qzP '规范写法：within: 2h\n[^\n]*截止：2026-10-01 01:30\n' <<<"$out"
check "24小时内 → within: 1d, 10-01 23:30" grep -qzP '24小时内\n  理解为：事件发生后24小时内报告[^\n]*\n  规范写法：within: 1d\n[^\n]*截止：2026-10-01 23:30\n' <<<"$out"
check "每日续报 → every: 1d, daily at 23:30" grep -q '截止：2026-10-01 23:30、2026-10-02 23:30、2026-10-03 23:30、2026-10-04 23:30……直至事件结束' <<<"$out"
check "每天两次续报 → every: 12h" grep -q '截止：2026-10-01 11:30、2026-10-01 23:30、2026-10-02 11:30、2026-10-02 23:30……' <<<"$out"
check "30日内补报 → window: 30d, across 国庆 to Friday 10-30" grep -qzP '规范写法：window: 30d\n[^\n]*截止：2026-10-30 24:00\n' <<<"$out"
check "7日内补报 → its last day 10-07 in 国庆: the next working day 10-08" grep -qzP '规范写法：window: 7d\n[^\n]*截止：2026-10-08 24:00\n' <<<"$out"
out=$(ex 1小时); rc=$?
check_eq "explain 1小时: exit 1" 1 "$rc"
check "… a caret under 小, and why" grep -qzP '1小时\n \^ 无法理解：此处应为 分钟内、小时内 或 日内' <<<"$out"

# dutyd from 23:29:30, 300 times as fast (a minute of the clock every 0.2 s).
DUTYD_CLOCK=2026-09-30T23:29:30x300 "$D" -c "$T/dutyd.yaml" >"$T/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "dutyd started" wait_for 20 grep -q '订阅地址\|已启动\|dutyd' "$T/dutyd.log"
wait_for 10 test -s "$T/state/state.db"
out=$(DUTYD_CLOCK=2026-09-30T23:31 "$CTL" -c "$T/dutyd.yaml" raise 事故 --level 较大 \
        --at '2026-09-30 23:30' --note 某村道路交通事故 --no-send 2>&1); rc=$?
check_eq "raise: exit 0" 0 "$rc"
check "raise: prints the event's number" grep -q '已记录事件「事故」（编号 1）' <<<"$out"
check "raise: prints the 1-hour deadline 10-01 00:30" grep -q '2026-10-01 00:30 *向县应急管理局报告.*r1:aj:ev1:1' <<<"$out"
check "raise: … the 2-hour one 01:30" grep -q '2026-10-01 01:30 *向市应急管理局报告.*r2:zz:ev1:1' <<<"$out"
check "raise: … the first daily report 10-01 23:30" grep -q '2026-10-01 23:30 *事故续报' <<<"$out"
check "raise: not the 重大 duty" bash -c "! grep -q 重大事故续报 <<<'$out'"
check "the raise's alert reaches the sink" wait_for 20 grep -q '某村道路交通事故' "$T/sink/log.jsonl"

# Nobody records r1: its reminders run to the escalation.
check "1h clock: halfway reminder queued at 00:00" wait_for 30 on_time r1:aj:ev1:1 half 00:00
check "1h clock: 10 minutes before, 00:20" wait_for 30 on_time r1:aj:ev1:1 lead 00:20
check "1h clock: the deadline, 00:30" wait_for 30 on_time r1:aj:ev1:1 due 00:30
check "1h clock: the escalation, 00:40" wait_for 30 on_time r1:aj:ev1:1 esc 00:40
check "2h clock: halfway 00:30" on_time r2:zz:ev1:1 half 00:30
# The mayor reports at about 01:00 (a done recorded while dutyd runs): the 2-hour clock's later
# reminders stop. dutyctl's own clock says 01:00 whatever dutyd's shows.
out=$(DUTYD_CLOCK=2026-10-01T01:00 "$CTL" -c "$T/dutyd.yaml" done r2:zz:ev1:1 --note 已报市局 2>&1)
check "done against the event's occurrence" grep -q '镇长·向市应急管理局报告 ev1：第1次（2026-10-01 01:30 前）已完成' <<<"$out"
check "r1's 10-minutes-before message says what is left" \
        grep -q '报告须在 2026-10-01 00:30 前完成，还剩10分钟' "$T/sink/log.jsonl"
check "the escalation reached the sink, naming the 书记's post" \
        wait_for 30 bash -c "grep '逾期督办' '$T/sink/log.jsonl' | grep -q 向县应急管理局报告"
check "event clocks speak in minutes: the urgent template, never 已逾期0个工作日 or 还剩0天" \
        bash -c "grep -q '紧急：.*还剩10分钟' '$T/sink/log.jsonl' && ! grep -q '已逾期0个工作日\|还剩0天' '$T/sink/log.jsonl'"
# Until the 135-minute clock's deadline, 01:45: after the 2-hour one's deadline and escalation.
check "135m clock: the deadline, 01:45" wait_for 30 on_time r3:sj:ev1:1 due 01:45
check_eq "the 2-hour clock, done at 01:00, never reached its deadline" "" \
        "$(queued_minute r2:zz:ev1:1 due)$(queued_minute r2:zz:ev1:1 esc)"
# The messages carry a one-time done link; the daemon's page knows the event's occurrence.
ADDR=$(grep -o '订阅地址 127\.0\.0\.1:[0-9]*' "$T/dutyd.log" | head -1 | cut -d' ' -f2)
link=$(grep -o 'http://127.0.0.1:1/done/[A-Za-z0-9_.-]*' "$T/sink/log.jsonl" | tail -1)
page=$(curl -s "http://$ADDR${link#http://127.0.0.1:1}")
check "the done link of an event's reminder opens its page (its form)" grep -q '<th>周期</th><td>ev1 第1/1次</td>' <<<"$page"
check "every message delivered, signature good" bash -c "! grep -q '\"ok\": false' '$T/sink/log.jsonl'"
check "no catch-up digest: nothing was missed" bash -c "! grep -q 补发 '$T/sink/log.jsonl'"

# The record, to the minute.
out=$(DUTYD_CLOCK=2026-10-02T08:00 "$CTL" -c "$T/dutyd.yaml" report --period 2026-10 --format csv 2>&1)
check "report: r1 missed" grep -q '^1 事故 较大,2026-09-30 23:30,r1,.*,2026-10-01 00:30,,逾期未完成,' <<<"$out"
check "report: r2 done on time (at 01:00)" grep -q '^1 事故 较大,2026-09-30 23:30,r2,.*,2026-10-01 01:30,2026-10-01 01:00,按时完成,' <<<"$out"
out=$(DUTYD_CLOCK=2026-10-02T08:00 "$CTL" -c "$T/dutyd.yaml" close 1 2>&1)
check "close ends the event" grep -q '事件 1 已于 2026-10-02 08:00 结束' <<<"$out"
check "history lists it closed" bash -c "'$CTL' -c '$T/dutyd.yaml' history 2>/dev/null | grep -q '^1 *事故 *较大 *2026-09-30 23:30 .*2026-10-02 08:00'"
kill -TERM $DPID; wait $DPID
check "dutyd saw the event" grep -q '事件有变化' "$T/dutyd.log"
t_done
