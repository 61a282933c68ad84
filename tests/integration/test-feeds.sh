#!/usr/bin/env bash
# Calendar feeds end to end. `dutyctl feeds write`: the feeds overdue, summary, post-*, person-*
# (atomic, unchanged files untouched, UIDs stable across an unrelated edit, stale feed files and
# the old org.ics removed, feeds.org obsolete: warned, false turns the organisation-wide feeds
# off); versions: SEQUENCE rises and DTSTAMP never goes back when a deadline moves by its rule or
# by holiday data; strict parsing by python3-icalendar. `dutyctl serve`, rendering on request:
# the bytes `feeds write` wrote, 200 + headers, HEAD, 304s, the ETag changing when a completion
# is recorded and when the day changes, 404s (wrong token = unknown path, traversal), 405,
# Accept: text/calendar, token rotation at once; a real client (vdirsyncer http storage + khal)
# subscribes and lists the right events; at scale every feed stays bounded and says so.
source "$(dirname "$0")/../lib.sh"
DUTYCTL=${DUTYCTL:-$BIN/dutyctl}
CHECK="/usr/bin/python3 $TOP/tests/integration/feedcheck.py"
export DUTYD_CLOCK=2026-03-15 STATE_DIRECTORY=$T_TMP/state TZ=Asia/Shanghai
mkdir -p "$STATE_DIRECTORY"

if ! "$DUTYCTL" serve --help >/dev/null 2>&1 || ! "$DUTYCTL" feeds --help >/dev/null 2>&1; then
        fail "dutyctl has the feeds and serve verbs (CTL_FEEDS_VERBS wired into ctl-verbs.h)"
        t_done; exit 1
fi

LONG='组织召开安全生产委员会全体成员会议专题研究部署道路交通、消防、危险化学品、烟花爆竹、非煤矿山、建筑施工等重点行业领域安全生产工作'
write_config() { # FILE, title of the unrelated duty, rule of the inspection, holiday file
        cat >"$1" <<EOF
holidays: ${4:-$TOP/config/holidays-cn.yaml}
organization: {name: 测试镇}
documents:
  - {id: doc, title: 测试镇安全生产责任制实施意见, number: 测发〔2026〕1号}
feeds:
  public_url: https://feeds.example.test/
posts:
  - {id: sec, name: 镇党委书记}
  - {id: mayor, name: 镇长}
people:
  - {id: zhang, name: 张三, posts: [sec]}
  - {id: li, name: 李四, posts: [mayor]}
duties:
  - id: committee
    post: sec
    title: $LONG
    kind: meeting
    document: doc
    clause: 二、（一）1
    rule: 每季度至少一次
  - id: inspect
    post: mayor
    title: "带队检查, 含逗号; 分号"
    kind: inspection
    rule: ${3:-每月25日前}
  - id: report
    post: mayor
    title: $2
    kind: report
    rule: 每年1月底前（上年度）
EOF
}
write_config "$T_TMP/a.yaml" 年度述职报告
write_config "$T_TMP/b.yaml" 改过标题的年度述职报告
NAMES="overdue summary post-sec post-mayor person-zhang person-li"

# --- files -----------------------------------------------------------------------------------
out=$("$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds" 2>&1)
check "feeds write succeeds" test $? -eq 0
check "feeds write wrote overdue, summary, 2 posts, 2 people" \
        bash -c "cd '$T_TMP/feeds' && for n in $NAMES; do test -s \$n.ics || exit 1; done"
check_eq "exactly 6 files, no temporary files left" 6 "$(ls -A "$T_TMP/feeds" | wc -l)"
snap() { (cd "$T_TMP/feeds" && stat -c '%n %i %Y.%y' *.ics && sha256sum *.ics); }
before=$(snap)
sleep 1.1
out=$("$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds" 2>&1)
check "second write reports nothing updated" grep -q '0 个更新，6 个未变' <<<"$out"
check_eq "second write: inodes, mtimes and bytes unchanged" "$before" "$(snap)"

check "python3-icalendar parses every feed strictly" $CHECK strict "$T_TMP"/feeds/*.ics
events=$($CHECK events "$T_TMP/feeds/post-sec.ics")
check "post feed: the Q1 meeting on 2026-03-31 with its long title" \
        grep -q "|2026-03-31|镇党委书记·$LONG\$" <<<"$events"
check_eq "post feed: window 31 days back, 366 ahead (2026-02-12..2027-03-16)" \
        "2026-03-31 2026-06-30 2026-09-30 2026-12-31" \
        "$(cut -d'|' -f2 <<<"$events" | tr '\n' ' ' | sed 's/ $//')"
check "person feed of 李四 has the inspection with its punctuation" \
        grep -q '|2026-03-25|镇长·带队检查, 含逗号; 分号$' <<<"$($CHECK events "$T_TMP/feeds/person-li.ics")"
check "overdue feed: the February inspection, 逾期" \
        grep -q '|2026-02-25|【逾期】镇长·带队检查, 含逗号; 分号$' <<<"$($CHECK events "$T_TMP/feeds/overdue.ics")"
check "summary feed: one event per duty and checkpoint, with its count" \
        grep -q '|2026-03-31|组织召开.*安全生产工作 已完成 0/1 岗位$' <<<"$($CHECK events "$T_TMP/feeds/summary.ics")"
check_eq "new events start at SEQUENCE 0, LAST-MODIFIED = DTSTAMP" "0 yes" \
        "$($CHECK versions "$T_TMP/feeds/post-sec.ics" | cut -d'|' -f3,5 | sort -u | tr '|' ' ')"

# An unrelated duty edited: the other duties' UIDs and VEVENT bytes do not change; the edited
# one keeps its UID, with a higher SEQUENCE and a DTSTAMP not earlier.
"$DUTYCTL" -c "$T_TMP/b.yaml" feeds write --dir "$T_TMP/feeds-b" >/dev/null 2>&1
check_eq "post-sec feed byte-identical after editing another post's duty" \
        "$(sha256sum <"$T_TMP/feeds/post-sec.ics")" "$(sha256sum <"$T_TMP/feeds-b/post-sec.ics")"
uids_a=$($CHECK events "$T_TMP/feeds/post-mayor.ics" | grep -v 述职 | cut -d'|' -f1 | sort)
uids_b=$($CHECK events "$T_TMP/feeds-b/post-mayor.ics" | grep -v 述职 | cut -d'|' -f1 | sort)
check_eq "post-mayor feed: UIDs of the untouched duties unchanged" "$uids_a" "$uids_b"
report_a=$($CHECK events "$T_TMP/feeds/post-mayor.ics" | grep '|镇长·年度述职' | cut -d'|' -f1)
check "post-mayor feed: the edited duty keeps its UID, new title" test -n "$report_a" -a \
        "$report_a" == "$($CHECK events "$T_TMP/feeds-b/post-mayor.ics" | grep '|镇长·改过标题' | cut -d'|' -f1)"
version_of() { $CHECK versions "$1" | grep "^$2|" | head -1; } # FILE UID → UID|DAY|SEQ|STAMP|same
va=$(version_of "$T_TMP/feeds/post-mayor.ics" "$report_a")
vb=$(version_of "$T_TMP/feeds-b/post-mayor.ics" "$report_a")
check "edited duty: SEQUENCE rose ($va → $vb)" test "$(cut -d'|' -f3 <<<"$vb")" -gt "$(cut -d'|' -f3 <<<"$va")"
check "edited duty: DTSTAMP not earlier" bash -c "[[ ! '$(cut -d'|' -f4 <<<"$vb")' < '$(cut -d'|' -f4 <<<"$va")' ]]"

# The deadline moves. By holiday data: 2026-03-25 (a Wednesday) becomes a day off, the
# inspection due that day moves to the 26th; by its rule: due the 20th. Each time the same UID,
# SEQUENCE up, DTSTAMP never back.
/usr/bin/python3 - "$TOP/config/holidays-cn.yaml" "$T_TMP/holidays.yaml" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
marker = "  2026:\n"
at = text.index("    holidays:\n", text.index(marker)) + len("    holidays:\n")
day = "      - {id: test-day, name: 测试日, from: 2026-03-25, to: 2026-03-25, work: []}\n"
open(sys.argv[2], "w", encoding="utf-8").write(text[:at] + day + text[at:])
PY
write_config "$T_TMP/h.yaml" 年度述职报告 每月25日前 "$T_TMP/holidays.yaml"
write_config "$T_TMP/r.yaml" 年度述职报告 每月20日前 "$T_TMP/holidays.yaml"
"$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds" >/dev/null 2>&1
march=$($CHECK events "$T_TMP/feeds/person-li.ics" | grep '|2026-03-25|' | cut -d'|' -f1)
v0=$(version_of "$T_TMP/feeds/person-li.ics" "$march")
"$DUTYCTL" -c "$T_TMP/h.yaml" feeds write --dir "$T_TMP/feeds-h" >/dev/null 2>&1
v1=$(version_of "$T_TMP/feeds-h/person-li.ics" "$march")
"$DUTYCTL" -c "$T_TMP/r.yaml" feeds write --dir "$T_TMP/feeds-r" >/dev/null 2>&1
v2=$(version_of "$T_TMP/feeds-r/person-li.ics" "$march")
"$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds-back" >/dev/null 2>&1
v3=$(version_of "$T_TMP/feeds-back/person-li.ics" "$march")
echo "# March inspection: $v0 / holiday: $v1 / rule: $v2 / back: $v3"
check_eq "holiday data: the same UID, due 2026-03-26" "2026-03-26" "$(cut -d'|' -f2 <<<"$v1")"
check_eq "rule: the same UID, due 2026-03-20" "2026-03-20" "$(cut -d'|' -f2 <<<"$v2")"
check_eq "back to the first config: due 2026-03-25 again" "2026-03-25" "$(cut -d'|' -f2 <<<"$v3")"
seqs=$(for v in "$v0" "$v1" "$v2" "$v3"; do cut -d'|' -f3 <<<"$v"; done | tr '\n' ' ')
check "SEQUENCE rises at every move, never back ($seqs)" bash -c \
        "set -- $seqs; [ \$1 -lt \$2 ] && [ \$2 -lt \$3 ] && [ \$3 -lt \$4 ]"
stamps=$(for v in "$v0" "$v1" "$v2" "$v3"; do cut -d'|' -f4 <<<"$v"; done)
check "DTSTAMP never goes back" test "$stamps" == "$(sort <<<"$stamps")"

# Stale files: a person taken out of the config and feeds.org false (obsolete: the
# organisation-wide feeds off) remove their files, and the old org.ics; nothing else is touched.
sed -e '/id: li, name: 李四/d' -e 's|^feeds:$|feeds:\n  org: false|' "$T_TMP/a.yaml" >"$T_TMP/c.yaml"
check "c.yaml: feeds.org false, no 李四" grep -q '^  org: false$' "$T_TMP/c.yaml"
check "feeds.org is accepted with a warning naming the new feeds" bash -c \
        "'$DUTYCTL' -c '$T_TMP/c.yaml' check 2>&1 | grep -q 'feeds.org 已废弃.*overdue.*summary'"
"$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds" >/dev/null 2>&1
cp -r "$T_TMP/feeds" "$T_TMP/feeds-c"
echo keep >"$T_TMP/feeds-c/notes.txt"
echo keep >"$T_TMP/feeds-c/person-li.ics.bak"
echo keep >"$T_TMP/feeds-c/calendar.ics"
echo old >"$T_TMP/feeds-c/org.ics"
ln -s notes.txt "$T_TMP/feeds-c/person-link.ics"
out=$("$DUTYCTL" -c "$T_TMP/c.yaml" feeds write --dir "$T_TMP/feeds-c" 2>&1)
check "write: 3 feeds, 4 files removed (person-li, overdue, summary, org)" \
        grep -q '3 个日历.*删除 4 个' <<<"$out"
check_eq "the remaining feeds and the other files kept" \
        "calendar.ics notes.txt person-li.ics.bak person-link.ics person-zhang.ics post-mayor.ics post-sec.ics" \
        "$(ls -A "$T_TMP/feeds-c" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the remaining feeds untouched (same bytes)" "$(cd "$T_TMP/feeds" && sha256sum post-sec.ics person-zhang.ics)" \
        "$(cd "$T_TMP/feeds-c" && sha256sum post-sec.ics person-zhang.ics)"
list_c=$("$DUTYCTL" -c "$T_TMP/c.yaml" feeds list 2>/dev/null)
check "feeds.org false: feeds list omits overdue and summary" \
        bash -c "! grep -qE '/(overdue|summary)\.ics' <<<'$list_c'"
check_eq "feeds.org false: feeds list shows the 3 others" 3 "$(grep -c '^  https://' <<<"$list_c")"
check "rotate of a feed that does not exist: refused" \
        bash -c "! '$DUTYCTL' -c '$T_TMP/c.yaml' feeds rotate summary >/dev/null 2>&1"

# --- server ----------------------------------------------------------------------------------
start_serve() { # CONFIG LOG [VAR=VALUE…] → $server, $addr
        env "${@:3}" "$DUTYCTL" -c "$1" serve --listen 127.0.0.1:0 2>"$2" &
        server=$!
        addr=
        for _ in $(seq 300); do
                addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$2" | head -1)
                [ -n "$addr" ] && break
                sleep 0.1
        done
}
start_serve "$T_TMP/a.yaml" "$T_TMP/serve.log"
check "server listens on an ephemeral port" test -n "$addr"
list=$("$DUTYCTL" -c "$T_TMP/a.yaml" feeds list 2>/dev/null)
check "feeds list prints https and webcal addresses" grep -qE \
        '^  webcal://feeds\.example\.test/feeds/[a-z2-7]{32}/person-zhang\.ics$' <<<"$list"
check_eq "feeds list: a token per feed" 6 "$(grep -cE '^  https://.*/feeds/[a-z2-7]{32}/' <<<"$list")"
path_of() { grep -oE "/feeds/[a-z2-7]{32}/$1\.ics" <<<"$list" | head -1; }
li=$(path_of person-li) zhang=$(path_of person-zhang)
url=$addr$li

curl -sS -D "$T_TMP/h" -o "$T_TMP/body" "$url"
check "GET 200" grep -q '^HTTP/1.1 200' "$T_TMP/h"
check "Content-Type text/calendar; charset=utf-8; method=PUBLISH" \
        grep -qi '^Content-Type: text/calendar; charset=utf-8; method=PUBLISH' "$T_TMP/h"
etag=$(grep -i '^ETag:' "$T_TMP/h" | cut -d' ' -f2 | tr -d '\r')
lm=$(grep -i '^Last-Modified:' "$T_TMP/h" | cut -d' ' -f2- | tr -d '\r')
check "strong ETag (quoted, from the inputs, not the body's hash)" bash -c \
        "grep -qE '^\"[0-9a-f]{64}\"\$' <<<'$etag' && [ '$etag' != \"\\\"\$(sha256sum <'$T_TMP/body' | cut -d' ' -f1)\\\"\" ]"
check "Last-Modified is an HTTP date" grep -qE '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' <<<"$lm"
"$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds-now" >/dev/null 2>&1
check "served body = the file feeds write writes (same renderer, same state)" \
        cmp -s "$T_TMP/body" "$T_TMP/feeds-now/person-li.ics"
check "the server writes no feed files" test ! -e "$STATE_DIRECTORY/feeds"

curl -sS -I -o "$T_TMP/hh" "$url"
check "HEAD 200 with the same ETag" grep -q "^ETag: $etag" "$T_TMP/hh"
check "HEAD Content-Length = body size" grep -qi "^Content-Length: $(stat -c %s "$T_TMP/body")" "$T_TMP/hh"
check_eq "HEAD sends no body" 0 "$(curl -s --head "$url" -o /dev/null -w '%{size_download}')"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check_eq "If-None-Match → 304" 304 "$(code -H "If-None-Match: $etag" "$url")"
check_eq "If-None-Match list with W/ → 304" 304 "$(code -H "If-None-Match: \"x\", W/$etag" "$url")"
check_eq "If-Modified-Since = Last-Modified → 304" 304 "$(code -H "If-Modified-Since: $lm" "$url")"
check_eq "If-Modified-Since in the past → 200" 200 \
        "$(code -H 'If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT' "$url")"
check_eq "If-None-Match wins over If-Modified-Since → 200" 200 \
        "$(code -H 'If-None-Match: "other"' -H "If-Modified-Since: $lm" "$url")"
curl -s -D "$T_TMP/h304" -o /dev/null -H "If-None-Match: $etag" "$url"
check "304 carries ETag and Last-Modified" bash -c \
        "grep -q '^ETag: $etag' '$T_TMP/h304' && grep -qi '^Last-Modified: $lm' '$T_TMP/h304'"
check_eq "Accept: text/calendar (iOS) → 200" 200 "$(code -H 'Accept: text/calendar' "$url")"

norm() { curl -s -D - --path-as-is "$@" | grep -vi '^Date:'; }
notfound=$(norm "$addr/nothing/here")
check "unknown path → 404" grep -q '^HTTP/1.1 404' <<<"$notfound"
wrong=${li/\/feeds\/[a-z2-7]*\//\/feeds\/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\/}
check_eq "wrong token → the same 404 as an unknown path" "$notfound" "$(norm "$addr$wrong")"
check_eq "token of another feed → the same 404" "$notfound" "$(norm "$addr${zhang%/*}/person-li.ics")"
check_eq "unknown feed with a valid token → the same 404" "$notfound" "$(norm "$addr${li%/*}/person-x.ics")"
check_eq "../ traversal → 404" "$notfound" "$(norm "$addr${li%/*}/../../etc/passwd")"
check_eq "%2e%2e%2f traversal → 404" "$notfound" "$(norm "$addr/feeds/%2e%2e%2f%2e%2e%2fetc%2fpasswd")"
check_eq "encoded traversal inside the feed name → 404" "$notfound" "$(norm "$addr${li%/*}/%2e%2e%2fperson-li.ics")"
check_eq "POST → 405" 405 "$(code -X POST -d x "$url")"
check_eq "DELETE → 405" 405 "$(code -X DELETE "$url")"
# A slow client (headers half sent, never finished) holds only its own connection.
port=${addr##*:}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /feeds/' >&3
check_eq "a stalled client does not stall others" 200 "$(code --max-time 5 "$url")"
exec 3>&-
check "no token in the server log" bash -c "! grep -qE '[a-z2-7]{32}' '$T_TMP/serve.log'"

# A completion recorded: once the server reads the record again (SIGHUP here; the daemon
# notices by itself), the ETag changes and the event shows it done.
"$DUTYCTL" -c "$T_TMP/a.yaml" done inspect:mayor:2026-03:1 --note 已检查 >/dev/null 2>&1
kill -HUP $server
wait_for 5 grep -q '重新读取履职记录' "$T_TMP/serve.log"
curl -sS -D "$T_TMP/hd" -o "$T_TMP/bd" -H "If-None-Match: $etag" "$url"
check "completion recorded: 200 to the old ETag" grep -q '^HTTP/1.1 200' "$T_TMP/hd"
etag_done=$(grep -i '^ETag:' "$T_TMP/hd" | cut -d' ' -f2 | tr -d '\r')
check "completion recorded: a new ETag" test -n "$etag_done" -a "$etag_done" != "$etag"
check "completion recorded: the event shows it done" \
        grep -q '|2026-03-25|✓ 镇长·带队检查' <<<"$($CHECK events "$T_TMP/bd")"
vd=$(version_of "$T_TMP/bd" "$march")
check "completion recorded: SEQUENCE up from the write before it" \
        test "$(cut -d'|' -f3 <<<"$vd")" -gt "$(cut -d'|' -f3 <<<"$v3")"

# --- a real client: vdirsyncer http storage → folder → khal ---------------------------------
"$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds" >/dev/null 2>&1
mkdir -p "$T_TMP/vdir/cal" "$T_TMP/vdir/status"
cat >"$T_TMP/vdir/config" <<EOF
[general]
status_path = "$T_TMP/vdir/status/"
[pair feed]
a = "feed_local"
b = "feed_remote"
collections = null
[storage feed_local]
type = "filesystem"
path = "$T_TMP/vdir/cal/"
fileext = ".ics"
[storage feed_remote]
type = "http"
url = "$addr$zhang"
EOF
write_khal_conf "$T_TMP/khal.conf" "$T_TMP/vdir/cal/" "$T_TMP/khal.db"
export HOME=$T_TMP XDG_CONFIG_HOME=$T_TMP/xdg XDG_DATA_HOME=$T_TMP/xdg
check "vdirsyncer discover" bash -c "vdirsyncer -c '$T_TMP/vdir/config' discover feed </dev/null >'$T_TMP/vd.log' 2>&1"
check "vdirsyncer sync" bash -c "vdirsyncer -c '$T_TMP/vdir/config' sync >>'$T_TMP/vd.log' 2>&1"
check_eq "vdirsyncer stored one item per event" "$($CHECK events "$T_TMP/feeds/person-zhang.ics" | wc -l)" \
        "$(ls "$T_TMP/vdir/cal" | wc -l)"
khal_out=$(khal -c "$T_TMP/khal.conf" list --day-format "" \
        --format "{start-date}|{title}|{alarm-symbol}" 2026-02-01 500d 2>"$T_TMP/khal.err")
expected=$($CHECK events "$T_TMP/feeds/person-zhang.ics" | cut -d'|' -f2- | sed 's/$/| (A)/')
check_eq "khal lists 张三's events: dates, titles, alarms" "$expected" "$khal_out"
printics=$(khal -c "$T_TMP/khal.conf" printics --format "{uid}|{start-date}" "$T_TMP/feeds/person-zhang.ics" 2>/dev/null | tail -n +2)
check_eq "khal printics keeps the real UIDs" \
        "$($CHECK events "$T_TMP/feeds/person-zhang.ics" | cut -d'|' -f1-2)" "$printics"

# --- rotation: the new token works at once, the old one no more --------------------------------
new=$("$DUTYCTL" -c "$T_TMP/a.yaml" feeds rotate person-zhang 2>/dev/null | grep -oE '/feeds/[a-z2-7]{32}/person-zhang\.ics' | head -1)
check "rotate prints a new address" test -n "$new" -a "$new" != "$zhang"
check_eq "old address → 404 after rotation" 404 "$(code "$addr$zhang")"
check_eq "new address → 200" 200 "$(code "$addr$new")"
check_eq "other feeds keep their token" 200 "$(code "$url")"

kill -TERM $server
wait $server
check_eq "server exits 0 on SIGTERM" 0 $?

# The next day: another window, another ETag; yesterday's is not answered 304.
start_serve "$T_TMP/a.yaml" "$T_TMP/serve2.log" DUTYD_CLOCK=2026-03-16
curl -sS -D "$T_TMP/h2" -o /dev/null -H "If-None-Match: $etag_done" "$addr$li"
check "the next day: 200 to yesterday's ETag" grep -q '^HTTP/1.1 200' "$T_TMP/h2"
check "the next day: another ETag" bash -c \
        "! grep -qi '^ETag: $etag_done' '$T_TMP/h2' && grep -qi '^ETag: \"' '$T_TMP/h2'"
kill -TERM $server
wait $server

# At scale every feed is bounded (feeds.max_events, 500 by default) and says so; the big ones
# are sent whole, several at a time.
"$TOP/bench/gen-config" 300 >"$T_TMP/big.yaml"
"$DUTYCTL" -c "$T_TMP/big.yaml" feeds write --dir "$T_TMP/feeds-big" >/dev/null 2>&1
for f in summary overdue person-u1; do
        d=$($CHECK caldesc "$T_TMP/feeds-big/$f.ics")
        echo "# $f.ics: $(stat -c %s "$T_TMP/feeds-big/$f.ics") bytes, ${d%%|*} events"
done
check "large schedule: summary holds 500 events and says it lists the nearest" bash -c \
        "grep -q '^500|本日历最多列出 500 项：.*离今天最近的 500 项' <<<\"\$($CHECK caldesc '$T_TMP/feeds-big/summary.ics')\""
check "large schedule: overdue holds at most 500 events" \
        test "$($CHECK caldesc "$T_TMP/feeds-big/overdue.ics" | cut -d'|' -f1)" -le 500
check "large schedule: every feed under 1 MB" \
        test -z "$(find "$T_TMP/feeds-big" -name '*.ics' -size +1000k)"
check "large schedule: every feed parses strictly" $CHECK strict "$T_TMP"/feeds-big/*.ics
start_serve "$T_TMP/big.yaml" "$T_TMP/serve-big.log"
big=$addr$("$DUTYCTL" -c "$T_TMP/big.yaml" feeds list 2>/dev/null | grep -oE '/feeds/[a-z2-7]{32}/summary\.ics' | head -1)
pids=()
for i in 1 2 3; do curl -s --max-time 5 -o "$T_TMP/big$i" "$big" & pids+=($!); done
wait "${pids[@]}"
check "large schedule: three parallel GETs of summary complete, each = the file" bash -c \
        "cmp -s '$T_TMP/big1' '$T_TMP/feeds-big/summary.ics' && cmp -s '$T_TMP/big2' '$T_TMP/feeds-big/summary.ics' && cmp -s '$T_TMP/big3' '$T_TMP/feeds-big/summary.ics'"
kill -TERM $server
wait $server
check_eq "large-schedule server exits 0 on SIGTERM" 0 $?
t_done
