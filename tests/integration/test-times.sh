#!/usr/bin/env bash
# Deadlines with a time of day and daily duties (issue 13: 每周五12点前; issue 16 item 2: 每天,
# 每日8时前, 每个工作日), end to end. The feed: timed events (DTSTART;TZID=Asia/Shanghai,
# DURATION:PT0S) after the zone's VTIMEZONE, all-day ones unchanged, alarms relative to the deadline —
# read strictly by python3-icalendar and listed by khal. `dutyctl upcoming` shows the time and
# its JSON carries due_time. The daemon, on an injected clock: a daily report due at 08:00 on
# a Saturday is reminded at 07:00 that day, at a local webhook sink.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
mkdir -p "$T/sink" "$T/state"
echo ok >"$T/sink/mode"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export STATE_DIRECTORY=$T/state TZ=Asia/Shanghai

start_sink "$T/sink" || { fail "sink started"; t_done; exit 1; }
PIDS+=($SINK_PID)
printf '%s' hooksecret >"$T/hook.secret"
cat >"$T/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
server: {listen: "127.0.0.1:0"}
posts:
  - {id: zz, name: 镇长}
people:
  - {id: a, name: 张三, posts: [zz]}
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$SINK_PORT/hook/x", secret: {file: $T/hook.secret}}
routes:
  - {channels: [hook]}
duties:
  - {id: w, post: zz, title: 安全生产周报, kind: report, rule: 每周五12点前上报}
  - {id: d, post: zz, title: 安全生产日报, kind: report, rule: 每日8时前报送前一日情况}
  - {id: k, post: zz, title: 值班情况, kind: report, rule: {period: day, workdays: true, due_time: "17:30"}}
  - {id: m, post: zz, title: 月度检查, kind: inspection, rule: 每月25日前}
  - {id: s, post: zz, title: 火灾防控检查, kind: inspection, rule: 每月至少1次,
     season: {name: 冬春火灾防控期, from: "11-01", until: "03-31"}}
YAML

# --- dutyctl: the table and the JSON --------------------------------------------------------
export DUTYD_CLOCK=2026-12-01
up=$("$CTL" -c "$T/dutyd.yaml" upcoming --from 2026-12-04 --to 2026-12-05 2>/dev/null)
check "upcoming: the weekly report at Friday 12:00" grep -q '^2026-12-04（五）12:00 *镇长 *安全生产周报' <<<"$up"
check "upcoming: the daily report at 08:00, first in its day" \
        bash -c "grep -m1 '^2026-12-04' <<<'$up' | grep -q '08:00 *镇长 *安全生产日报'"
check "upcoming: 值班情况 on the Friday, not on Saturday (working days only)" \
        bash -c "grep -q '^2026-12-04（五）17:30 *镇长 *值班情况' <<<'$up' && ! grep -q '^2026-12-05.*值班情况' <<<'$up'"
check "upcoming: the daily report on Saturday too" grep -q '^2026-12-05（六）08:00 *镇长 *安全生产日报' <<<"$up"
json=$("$CTL" -c "$T/dutyd.yaml" upcoming --from 2026-12-04 --to 2026-12-04 --json 2>/dev/null)
check "JSON: due_time of the weekly report" \
        grep -q '"id":"w:zz:2026-W49:1".*"due":"2026-12-04".*"due_time":"12:00"' <<<"$json"
check "JSON: no due_time on an all-day deadline" \
        bash -c "\"$CTL\" -c '$T/dutyd.yaml' upcoming --from 2026-12-25 --to 2026-12-25 --json 2>/dev/null | grep '\"m:zz:' | grep -vq due_time"

# --- the feed, read by python3-icalendar and khal --------------------------------------------
"$CTL" -c "$T/dutyd.yaml" feeds write --dir "$T/feeds" >/dev/null 2>&1
ICS=$T/feeds/person-a.ics
check "the feed is written" test -s "$ICS"
py=$(/usr/bin/python3 - "$ICS" <<'PY' 2>&1
import datetime, sys, icalendar
raw = open(sys.argv[1], 'rb').read()
cal = icalendar.Calendar.from_ical(raw)
out = []
first_tz, first_ev = raw.find(b'BEGIN:VTIMEZONE'), raw.find(b'BEGIN:VEVENT')
out.append('vtimezone-first %s' % (0 <= first_tz < first_ev))
out.append('tzids %s' % ','.join(str(c['TZID']) for c in cal.walk('VTIMEZONE')))
cst = datetime.timezone(datetime.timedelta(hours=8))
def find(title, day):
    for e in cal.walk('VEVENT'):
        s = e.decoded('DTSTART')
        d = s.date() if isinstance(s, datetime.datetime) else s
        if title in str(e['SUMMARY']) and d == day:
            return e
for title, day in (('周报', datetime.date(2026, 12, 4)), ('日报', datetime.date(2026, 12, 5)),
                   ('月度检查', datetime.date(2026, 12, 25))):
    e = find(title, day)
    if e is None:
        out.append('%s missing' % title); continue
    s = e.decoded('DTSTART')
    when = s.astimezone(cst).strftime('%Y-%m-%d %H:%M%z') if isinstance(s, datetime.datetime) else 'date ' + s.isoformat()
    trig = sorted(int(a.decoded('TRIGGER').total_seconds()) for a in e.walk('VALARM'))
    desc = str(e['DESCRIPTION'])
    due = [l for l in desc.split('\n') if l.startswith('截止：')]
    end = 'dtend' if 'DTEND' in e else 'duration=%s' % e.decoded('DURATION') if 'DURATION' in e else 'none'
    out.append('%s %s %s triggers=%s %s' % (title, when, end, trig, due[0] if due else '-'))
fire = [e for e in cal.walk('VEVENT') if '火灾防控检查' in str(e['SUMMARY'])]
months = sorted({e.decoded('DTSTART').strftime('%m') for e in fire})
out.append('fire months %s' % ','.join(months))
out.append('fire scope %s' % all('适用：仅冬春火灾防控期（11月1日至次年3月31日）' in str(e['DESCRIPTION']) for e in fire))
print('\n'.join(out))
PY
)
check "python3-icalendar: the VTIMEZONE comes before the events" grep -q '^vtimezone-first True' <<<"$py"
check "python3-icalendar: one VTIMEZONE, TZID Asia/Shanghai" grep -q '^tzids Asia/Shanghai$' <<<"$py"
check "周报: a timed event at 12:00 +0800, DURATION 0, alarms 7 days, 1 day and 3 hours before" \
        grep -q '^周报 2026-12-04 12:00+0800 duration=0:00:00 triggers=\[-615600, -97200, -10800\] 截止：2026-12-04 12:00$' <<<"$py"
check "日报 on a Saturday: 08:00, one alarm an hour before (07:00 that day)" \
        grep -q '^日报 2026-12-05 08:00+0800 duration=0:00:00 triggers=\[-3600\] 截止：2026-12-05 08:00$' <<<"$py"
check "月度检查: still an all-day event with its alarms at 09:00" \
        grep -q '^月度检查 date 2026-12-25 dtend triggers=\[-572400, -54000, 32400\] 截止：2026-12-25$' <<<"$py"
check "a seasonal duty has events in its season only (冬春: 11-30, 12-31, 02-01, 03-01, 03-31)" \
        grep -q '^fire months 02,03,11,12$' <<<"$py"
check "… each saying where it applies" grep -q '^fire scope True$' <<<"$py"
[ -n "$py" ] && sed 's/^/# /' <<<"$py"

write_khal_conf "$T/khal.conf" "$T/feeds/" "$T/khal.db"
khal_out=$(HOME=$T XDG_CONFIG_HOME=$T/xdg XDG_DATA_HOME=$T/xdg khal -c "$T/khal.conf" printics \
        --format "{start}|{end}|{title}" "$ICS" 2>"$T/khal.err")
check "khal reads the timed weekly report at 12:00" grep -q '^2026-12-04 12:00|2026-12-04 12:00|.*镇长·安全生产周报' <<<"$khal_out"
check "khal reads the daily report at 08:00" grep -q '^2026-12-05 08:00|2026-12-05 08:00|镇长·安全生产日报' <<<"$khal_out"
check "khal reads the monthly check as all day" grep -q '^2026-12-25|2026-12-25|镇长·月度检查' <<<"$khal_out"

# --- the daemon: the Saturday daily report reminded at 07:00 ---------------------------------
unset DUTYD_CLOCK
sink_count() { [ -f "$T/sink/log.jsonl" ] && wc -l <"$T/sink/log.jsonl" || echo 0; }
DUTYD_CLOCK=2026-12-05T06:59:57 "$D" -c "$T/dutyd.yaml" >"$T/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "the 07:00 reminder reaches the webhook" wait_for 20 grep -q 'd:zz:2026-12-05:1' "$T/sink/log.jsonl"
check "it says the deadline with its time" grep -q '今天截止（2026-12-05 08:00）' "$T/sink/log.jsonl"
check_eq "exactly one message" 1 "$(sink_count)"
kill -TERM $DPID
wait $DPID
t_done
