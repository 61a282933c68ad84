#!/usr/bin/env bash
# dutyd in the foreground, without systemd: the notify protocol (READY, STATUS, RELOADING with
# MONOTONIC_USEC, STOPPING), a reminder reaching a local webhook sink at its minute (injected
# clock: DUTYD_CLOCK), reload with a broken then a good config, a completion recorded by
# dutyctl while the daemon runs, clean stop, and the grouped catch-up after downtime.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
T=$T_TMP
mkdir -p "$T/sink" "$T/state"
echo ok >"$T/sink/mode"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT


start_sink "$T/sink" || { fail "sink started"; t_done; exit 1; }
PIDS+=($SINK_PID)
PORT=$SINK_PORT
/usr/bin/python3 "$TOP/tests/integration/notify.py" "$T/notify.sock" "$T/notify.log" &
PIDS+=($!)
wait_for 10 test -S "$T/notify.sock"
printf '%s' hooksecret >"$T/hook.secret"

write_config() { # extra duty lines
        cat >"$T/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
server: {listen: "127.0.0.1:0"}
feeds: {public_url: "https://duty.example.gov.cn"}
posts:
  - {id: zz, name: 镇长}
people:
  - {id: a, name: 张三, posts: [zz], mobile: "13800000001"}
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$PORT/hook/x", secret: {file: $T/hook.secret}}
routes:
  - {channels: [hook]}
duties:
  - {id: m, post: zz, title: 安全生产工作会议, kind: meeting, rule: 每月至少1次}
$1
YAML
}
write_config ""
sink_count() { [ -f "$T/sink/log.jsonl" ] && wc -l <"$T/sink/log.jsonl" || echo 0; }

# 1. Start on Monday 2026-11-23 at 08:59:57: the 7-days-before reminder of the November
#    meeting (due Mon 11-30) fires at 09:00.
NOTIFY_SOCKET=$T/notify.sock DUTYD_CLOCK=2026-11-23T08:59:57 "$D" -c "$T/dutyd.yaml" \
        >"$T/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "READY=1 sent" wait_for 10 grep -q 'READY=1' "$T/notify.log"
check "STATUS names the next reminder" grep -q 'STATUS=下次提醒 11-23 09:00 镇长·安全生产工作会议；逾期 0 项；发送失败 0 条' "$T/notify.log"
check "STATUS says 2027's holidays are provisional (no notice yet)" \
        grep -q 'STATUS=下次提醒.*；2027 年节假日为暂定（尚无国务院放假通知' "$T/notify.log"
check "reminder reaches the webhook at 09:00" wait_for 15 grep -q '"ok": true' "$T/sink/log.jsonl"
check "it carries the occurrence" grep -q 'm:zz:2026-11:1' "$T/sink/log.jsonl"
check_eq "exactly one message" 1 "$(sink_count)"
check "the message carries a signed done link" grep -q 'https://duty.example.gov.cn/done/[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*' "$T/sink/log.jsonl"
check "sent is logged" wait_for 5 grep -q '已送达渠道 hook' "$T/dutyd.log"
# Feeds are rendered on request (none written): the post's feed from the daemon's server.
ADDR=$(grep -o '订阅地址 127\.0\.0\.1:[0-9]*' "$T/dutyd.log" | head -1 | cut -d' ' -f2)
FEED=http://$ADDR$("$CTL" -c "$T/dutyd.yaml" feeds list 2>/dev/null | grep -oE '/feeds/[a-z2-7]{32}/post-zz\.ics' | head -1)
feed() { curl -sf "$FEED"; }
check "a feed served on request" bash -c "curl -sf '$FEED' | grep -q 'SUMMARY:镇长·安全生产工作会议'"
check "no feed files written" test ! -e "$T/state/feeds"

# One state folder, one daemon: a second dutyd on the same state (its own port) refuses to
# start, naming the first; the first goes on.
NOTIFY_SOCKET= "$D" -c "$T/dutyd.yaml" >"$T/second.log" 2>&1 &
second=$!
wait_for 10 sh -c "! kill -0 $second"
wait $second; rc=$?
check "a second dutyd on the same state exits (status $rc)" test "$rc" -ne 0
check "… naming the first one's PID" grep -q "另一个 dutyd（PID $DPID）正在使用状态目录" "$T/second.log"
check "… and the first goes on" kill -0 $DPID

# 2. A broken config on SIGHUP: rejected with its location, the old one kept.
cp "$T/dutyd.yaml" "$T/good.yaml"
write_config "  - {id: n, post: zz, title: 检查, rule: 每年至少4次, bogus: 1}"
: >"$T/notify.log"
kill -HUP $DPID
check "RELOADING=1 with MONOTONIC_USEC" wait_for 10 grep -q 'RELOADING=1.*MONOTONIC_USEC=[0-9]' "$T/notify.log"
check "READY=1 after the failed reload" wait_for 10 grep -q '^READY=1' "$T/notify.log"
check "error printed at FILE:LINE:COLUMN" grep -q "dutyd.yaml:16:48: 未知键“bogus”" "$T/dutyd.log"
check "STATUS says the old config stays" grep -q '重新加载失败' "$T/notify.log"
check "still running" kill -0 $DPID

# 3. A good config: applied (a new duty appears in the feed).
write_config "  - {id: n, post: zz, title: 隐患排查专项检查, kind: inspection, rule: 每年至少4次}"
: >"$T/notify.log"
kill -HUP $DPID
check "good reload applied" wait_for 10 grep -q '已重新加载配置' "$T/dutyd.log"
check "READY=1 after reload" wait_for 10 grep -q '^READY=1' "$T/notify.log"
check "the new duty is in the feed" wait_for 5 sh -c "curl -sf '$FEED' | grep -q 隐患排查专项检查"

# 4. dutyctl done while the daemon runs: takes effect without a restart.
before=$(feed | md5sum)
DUTYD_CLOCK=2026-11-23 "$CTL" -c "$T/dutyd.yaml" done m:zz:2026-11:1 --note 已召开 >"$T/done.out" 2>&1
check "dutyctl done" grep -q '已记录' "$T/done.out"
check "daemon notices the completion" wait_for 10 grep -q '履职记录有变化' "$T/dutyd.log"
check "the feed changes: the meeting shows done" wait_for 5 sh -c \
        "[ \"\$(curl -sf '$FEED' | md5sum)\" != '$before' ] && curl -sf '$FEED' | grep -q 'SUMMARY:✓ 镇长·安全生产工作会议'"

# 5. SIGTERM: STOPPING=1, exit 0.
kill -TERM $DPID
wait $DPID; rc=$?
check_eq "exit status 0 on SIGTERM" 0 "$rc"
check "STOPPING=1 sent" grep -q 'STOPPING=1' "$T/notify.log"

# 6. Catch-up: undo the completion, restart on 2026-12-01 at 10:00. The reminders of 11-27,
#    11-30 and 12-01 09:00 fell while dutyd was down: one digest, the occurrence listed once.
"$CTL" -c "$T/dutyd.yaml" undo >/dev/null 2>&1
n0=$(sink_count)
echo permanent >"$T/sink/mode" # this time the receiver refuses for good: reported, not retried
: >"$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock DUTYD_CLOCK=2026-12-01T10:00:00 "$D" -c "$T/dutyd.yaml" \
        >"$T/dutyd2.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "catch-up delivered" wait_for 15 sh -c "[ \$(wc -l <'$T/sink/log.jsonl') -gt $n0 ]"
sleep 1 # nothing more may follow: give a second message the chance to show up
check_eq "one digest message" $((n0 + 1)) "$(sink_count)"
last=$(tail -n 1 "$T/sink/log.jsonl")
check_eq "the occurrence is listed once" 1 "$(echo "$last" | grep -o 'm:zz:2026-11:1' | wc -l)"
check "catch-up logged" grep -q '合并为汇总消息' "$T/dutyd2.log"
check "a permanent refusal is reported" wait_for 10 grep -q '失败，已放弃' "$T/dutyd2.log"
check "STATUS counts the failed message" wait_for 5 grep -q '发送失败 1 条' "$T/notify.log"
kill -TERM $DPID; wait $DPID
check_eq "second run exits 0" 0 "$?"

# 3. The status line names the next reminder however far it is: on 2026-12-28 the only duty is
#    the report due 2027-01-31 (Sunday → Mon 02-01); its first reminder is 2027-01-25 09:00,
#    past the timer's planning window, and in another year.
mkdir -p "$T/far"
sed -e "s|^state: .*|state: $T/far|" -e '/^duties:/,$d' "$T/dutyd.yaml" >"$T/far.yaml"
cat >>"$T/far.yaml" <<'YAML'
duties:
  - {id: r, post: zz, title: 述职报告, kind: report, rule: 每年1月底前提交上年度书面述职报告}
YAML
: >"$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock DUTYD_CLOCK=2026-12-28T10:00:00 "$D" -c "$T/far.yaml" \
        >"$T/dutyd3.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "READY=1 sent (far reminder)" wait_for 10 grep -q 'READY=1' "$T/notify.log"
check "STATUS names a reminder weeks ahead, with its year" \
        grep -q 'STATUS=下次提醒 2027-01-25 09:00 镇长·述职报告；' "$T/notify.log"
kill -TERM $DPID; wait $DPID

# A state that is not one is refused, with the cause and what to do: an empty state.db (the
# record is gone: never silently started afresh) and a file that is not a database.
mkdir -p "$T/bad"
: >"$T/bad/state.db"
sed -e "s|^state: .*|state: $T/bad|" "$T/dutyd.yaml" >"$T/bad.yaml"
NOTIFY_SOCKET= "$D" -c "$T/bad.yaml" >"$T/bad.log" 2>&1; rc=$?
check "empty state.db: dutyd refuses to start (status $rc)" test "$rc" -ne 0
check "… saying it is empty and what to do" grep -q '文件为空（0 字节）.*请从备份恢复' "$T/bad.log"
check_eq "… and leaves it as it was" 0 "$(stat -c %s "$T/bad/state.db")"
"$CTL" -c "$T/bad.yaml" history >"$T/bad-ctl.log" 2>&1; rc=$?
check "… dutyctl too (status $rc)" grep -q '文件为空' "$T/bad-ctl.log"
printf 'PK\003\004 this is a zip, not a state database: padding padding padding\n' >"$T/bad/state.db"
NOTIFY_SOCKET= "$D" -c "$T/bad.yaml" >"$T/bad.log" 2>&1; rc=$?
check "foreign state.db: refused (status $rc) with SQLite's reason" \
        grep -q '不是可用的 dutyd 状态数据库（SQLite：file is not a database）' "$T/bad.log"

# Damage in pages the daemon would not read at once: PRAGMA quick_check at start refuses it.
cp "$T/state/state.db" "$T/bad/state.db"
sqlite3 "$T/bad/state.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
pages=$(sqlite3 "$T/bad/state.db" 'PRAGMA page_count;')
# Every page but the schema's (page 1) overwritten with 0xff: no b-tree page survives.
head -c $(((pages - 1) * 4096)) /dev/zero | tr '\0' '\377' |
        dd of="$T/bad/state.db" bs=4096 seek=1 conv=notrunc 2>/dev/null
NOTIFY_SOCKET= "$D" -c "$T/bad.yaml" >"$T/bad.log" 2>&1; rc=$?
check "damaged state.db ($pages pages, all but the first overwritten): refused at start (status $rc)" \
        grep -q '状态数据库 .*state.db 已损坏（\*\*\* in database main \*\*\* Page .*请从备份恢复' "$T/bad.log"

# 4. READY=1 does not wait for the feeds: none is built in advance; a feed asked for at once is
#    served once the worker has synced the versions and rendered it (never a 404).
mkdir -p "$T/big"
"$TOP/bench/gen-config" 3000 | sed "1a state: $T/big\nserver: {listen: \"127.0.0.1:0\"}" >"$T/big.yaml"
feed=$("$CTL" -c "$T/big.yaml" feeds list 2>/dev/null | grep -oE '/feeds/[a-z2-7]{32}/post-p1\.ics' | head -1)
: >"$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock DUTYD_CLOCK=2026-11-24T10:00:00 "$D" -c "$T/big.yaml" \
        >"$T/dutyd4.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "READY=1 sent (3,000 assignments)" wait_for 20 grep -q 'READY=1' "$T/notify.log"
addr=$(grep -o '订阅地址 127\.0\.0\.1:[0-9]*' "$T/dutyd4.log" | cut -d' ' -f2)
first=$(curl -s -o "$T/first.ics" -D - "http://$addr$feed" | tr -d '\r')
echo "# first answer after READY: $(head -n1 <<<"$first")"
check "… a feed at once: 200" grep -q '^HTTP/1.1 200' <<<"$first"
check "… the whole calendar" grep -q 'END:VCALENDAR' "$T/first.ics"
check "… and no feed files" test ! -e "$T/big/feeds"
kill -TERM $DPID; wait $DPID
t_done
