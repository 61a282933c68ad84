#!/usr/bin/env bash
# Calendar feeds end to end: `dutyctl feeds write` (atomic, unchanged files untouched, byte-
# identical, UIDs stable across an unrelated edit, stale feed files removed, feeds.org false),
# strict parsing by python3-icalendar, and `dutyctl serve` over HTTP from its files: 200 +
# headers, HEAD, 304s, 404s (wrong token = unknown path, traversal), 405, Accept: text/calendar,
# a file replaced behind its back (no validators) or gone (503), token rotation; a real client
# (vdirsyncer http storage + khal) subscribes and lists the right events.
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
write_config() { # FILE, title of the unrelated duty
        cat >"$1" <<EOF
holidays: $TOP/config/holidays-cn.yaml
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
    rule: 每月25日前
  - id: report
    post: mayor
    title: $2
    kind: report
    rule: 每年1月底前（上年度）
EOF
}
write_config "$T_TMP/a.yaml" 年度述职报告
write_config "$T_TMP/b.yaml" 改过标题的年度述职报告

# --- files -----------------------------------------------------------------------------------
out=$("$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds" 2>&1)
check "feeds write succeeds" test $? -eq 0
check "feeds write wrote org, 2 posts, 2 people" test -s "$T_TMP/feeds/org.ics" -a \
        -s "$T_TMP/feeds/post-sec.ics" -a -s "$T_TMP/feeds/post-mayor.ics" -a \
        -s "$T_TMP/feeds/person-zhang.ics" -a -s "$T_TMP/feeds/person-li.ics"
check_eq "exactly 5 files, no temporary files left" 5 "$(ls -A "$T_TMP/feeds" | wc -l)"
snap() { (cd "$T_TMP/feeds" && stat -c '%n %i %Y.%y' *.ics && sha256sum *.ics); }
before=$(snap)
sleep 1.1
out=$("$DUTYCTL" -c "$T_TMP/a.yaml" feeds write --dir "$T_TMP/feeds" 2>&1)
check "second write reports nothing updated" grep -q '0 个更新，5 个未变' <<<"$out"
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

# An unrelated duty edited: the other duties' UIDs and VEVENT bytes do not change.
"$DUTYCTL" -c "$T_TMP/b.yaml" feeds write --dir "$T_TMP/feeds-b" >/dev/null 2>&1
check_eq "post-sec feed byte-identical after editing another post's duty" \
        "$(sha256sum <"$T_TMP/feeds/post-sec.ics")" "$(sha256sum <"$T_TMP/feeds-b/post-sec.ics")"
uids_a=$($CHECK events "$T_TMP/feeds/org.ics" | grep -v 述职 | cut -d'|' -f1 | sort)
uids_b=$($CHECK events "$T_TMP/feeds-b/org.ics" | grep -v 述职 | cut -d'|' -f1 | sort)
check_eq "org feed: UIDs of the untouched duties unchanged" "$uids_a" "$uids_b"
check "org feed: the edited duty keeps its UID, new title" test \
        "$($CHECK events "$T_TMP/feeds/org.ics" | grep '|年度述职' | cut -d'|' -f1)" == \
        "$($CHECK events "$T_TMP/feeds-b/org.ics" | grep '|改过标题' | cut -d'|' -f1)"

# Stale files: a person taken out of the config and feeds.org turned off remove their files;
# nothing else in the folder is touched.
sed -e '/id: li, name: 李四/d' -e 's|^feeds:$|feeds:\n  org: false|' "$T_TMP/a.yaml" >"$T_TMP/c.yaml"
check "c.yaml: feeds.org false, no 李四" grep -q '^  org: false$' "$T_TMP/c.yaml"
cp -r "$T_TMP/feeds" "$T_TMP/feeds-c"
echo keep >"$T_TMP/feeds-c/notes.txt"
echo keep >"$T_TMP/feeds-c/person-li.ics.bak"
echo keep >"$T_TMP/feeds-c/calendar.ics"
ln -s notes.txt "$T_TMP/feeds-c/person-link.ics"
out=$("$DUTYCTL" -c "$T_TMP/c.yaml" feeds write --dir "$T_TMP/feeds-c" 2>&1)
check "write after removing a person and org: reports 2 files removed" \
        grep -q '3 个日历.*删除 2 个' <<<"$out"
check "org.ics and person-li.ics removed" test ! -e "$T_TMP/feeds-c/org.ics" -a \
        ! -e "$T_TMP/feeds-c/person-li.ics"
check_eq "the remaining feeds and the other files kept" \
        "calendar.ics notes.txt person-li.ics.bak person-link.ics person-zhang.ics post-mayor.ics post-sec.ics" \
        "$(ls -A "$T_TMP/feeds-c" | tr '\n' ' ' | sed 's/ $//')"
check_eq "the remaining feeds untouched (same bytes)" "$(cd "$T_TMP/feeds" && sha256sum post-sec.ics person-zhang.ics)" \
        "$(cd "$T_TMP/feeds-c" && sha256sum post-sec.ics person-zhang.ics)"
list_c=$("$DUTYCTL" -c "$T_TMP/c.yaml" feeds list 2>/dev/null)
check "feeds.org false: feeds list omits org" bash -c "! grep -q '/org\.ics' <<<'$list_c'"
check_eq "feeds.org false: feeds list shows the 3 others" 3 "$(grep -c '^  https://' <<<"$list_c")"
check "feeds.org false: rotate org is an unknown feed" \
        bash -c "! '$DUTYCTL' -c '$T_TMP/c.yaml' feeds rotate org >/dev/null 2>&1"

# --- server ----------------------------------------------------------------------------------
"$DUTYCTL" -c "$T_TMP/a.yaml" serve --listen 127.0.0.1:0 2>"$T_TMP/serve.log" &
server=$!
addr=
for _ in $(seq 100); do
        addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T_TMP/serve.log" | head -1)
        [ -n "$addr" ] && break
        sleep 0.1
done
check "server listens on an ephemeral port" test -n "$addr"
list=$("$DUTYCTL" -c "$T_TMP/a.yaml" feeds list 2>/dev/null)
check "feeds list prints https and webcal addresses" grep -qE \
        '^  webcal://feeds\.example\.test/feeds/[a-z2-7]{32}/person-zhang\.ics$' <<<"$list"
path_of() { grep -oE "/feeds/[a-z2-7]{32}/$1\.ics" <<<"$list" | head -1; }
org=$(path_of org) zhang=$(path_of person-zhang)
url=$addr$org

curl -sS -D "$T_TMP/h" -o "$T_TMP/body" "$url"
check "GET 200" grep -q '^HTTP/1.1 200' "$T_TMP/h"
check "Content-Type text/calendar; charset=utf-8; method=PUBLISH" \
        grep -qi '^Content-Type: text/calendar; charset=utf-8; method=PUBLISH' "$T_TMP/h"
etag=$(grep -i '^ETag:' "$T_TMP/h" | cut -d' ' -f2 | tr -d '\r')
lm=$(grep -i '^Last-Modified:' "$T_TMP/h" | cut -d' ' -f2- | tr -d '\r')
check "strong ETag = SHA-256 of the body" test "$etag" == "\"$(sha256sum <"$T_TMP/body" | cut -d' ' -f1)\""
check "Last-Modified is an HTTP date" grep -qE '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' <<<"$lm"
check "served body = the file feeds write produced" cmp -s "$T_TMP/body" "$T_TMP/feeds/org.ics"
check "serve wrote its files to STATE/feeds and serves them" cmp -s "$T_TMP/body" "$STATE_DIRECTORY/feeds/org.ics"

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
check "304 carries ETag and Last-Modified" grep -q "^ETag: $etag" "$T_TMP/h304"
check_eq "Accept: text/calendar (iOS) → 200" 200 "$(code -H 'Accept: text/calendar' "$url")"

norm() { curl -s -D - --path-as-is "$@" | grep -vi '^Date:'; }
notfound=$(norm "$addr/nothing/here")
check "unknown path → 404" grep -q '^HTTP/1.1 404' <<<"$notfound"
wrong=${org/\/feeds\/[a-z2-7]*\//\/feeds\/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\/}
check_eq "wrong token → the same 404 as an unknown path" "$notfound" "$(norm "$addr$wrong")"
check_eq "token of another feed → the same 404" "$notfound" "$(norm "$addr${zhang%/*}/org.ics")"
check_eq "unknown feed with a valid token → the same 404" "$notfound" "$(norm "$addr${org%/*}/person-x.ics")"
check_eq "../ traversal → 404" "$notfound" "$(norm "$addr${org%/*}/../../etc/passwd")"
check_eq "%2e%2e%2f traversal → 404" "$notfound" "$(norm "$addr/feeds/%2e%2e%2f%2e%2e%2fetc%2fpasswd")"
check_eq "encoded traversal inside the feed name → 404" "$notfound" "$(norm "$addr${org%/*}/%2e%2e%2forg.ics")"
check_eq "POST → 405" 405 "$(code -X POST -d x "$url")"
check_eq "DELETE → 405" 405 "$(code -X DELETE "$url")"
# A slow client (headers half sent, never finished) holds only its own connection.
port=${addr##*:}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /feeds/' >&3
check_eq "a stalled client does not stall others" 200 "$(code --max-time 5 "$url")"
exec 3>&-
check "no token in the server log" bash -c "! grep -qE '[a-z2-7]{32}' '$T_TMP/serve.log'"
# The bytes come from the file: one replaced behind the server's back is served as it is, but
# without the cache's validators (they describe other bytes), and never 304.
cp "$STATE_DIRECTORY/feeds/org.ics" "$T_TMP/org.x" && echo 'X-JUNK:1' >>"$T_TMP/org.x"
mv "$T_TMP/org.x" "$STATE_DIRECTORY/feeds/org.ics"
curl -sS -D "$T_TMP/hx" -o "$T_TMP/bx" -H "If-None-Match: $etag" "$url"
check "replaced file: 200 with its own bytes" bash -c "grep -q '^HTTP/1.1 200' '$T_TMP/hx' && cmp -s '$T_TMP/bx' '$STATE_DIRECTORY/feeds/org.ics'"
check "replaced file: no ETag, no Last-Modified" bash -c "! grep -qiE '^(ETag|Last-Modified):' '$T_TMP/hx'"
mv "$STATE_DIRECTORY/feeds/org.ics" "$T_TMP/org.moved"
check_eq "file gone: 503" 503 "$(code "$url")"
mv "$T_TMP/org.moved" "$STATE_DIRECTORY/feeds/org.ics"

# --- a real client: vdirsyncer http storage → folder → khal ---------------------------------
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
cat >"$T_TMP/khal.conf" <<EOF
[calendars]
[[feed]]
path = $T_TMP/vdir/cal/
readonly = True
[locale]
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
timeformat = %H:%M
default_timezone = Asia/Shanghai
local_timezone = Asia/Shanghai
unicode_symbols = False
[sqlite]
path = $T_TMP/khal.db
EOF
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

# --- rotation --------------------------------------------------------------------------------
new=$("$DUTYCTL" -c "$T_TMP/a.yaml" feeds rotate person-zhang 2>/dev/null | grep -oE '/feeds/[a-z2-7]{32}/person-zhang\.ics' | head -1)
check "rotate prints a new address" test -n "$new" -a "$new" != "$zhang"
kill -HUP $server
for _ in $(seq 50); do grep -q '重新读取令牌' "$T_TMP/serve.log" && break; sleep 0.1; done
check_eq "old address → 404 after rotation" 404 "$(code "$addr$zhang")"
check_eq "new address → 200" 200 "$(code "$addr$new")"
check_eq "other feeds keep their token" 200 "$(code "$url")"
# SIGHUP re-rendered: the replaced org.ics repaired, the same ETag as before.
check_eq "SIGHUP repaired the replaced file: its ETag is back" "$etag" \
        "$(curl -s -D - -o /dev/null "$url" | grep -i '^ETag:' | cut -d' ' -f2 | tr -d '\r')"
check "SIGHUP repaired the replaced file: the same bytes" bash -c "curl -s '$url' | cmp -s - '$T_TMP/feeds/org.ics'"

kill -TERM $server
wait $server
check_eq "server exits 0 on SIGTERM" 0 $?

# A large feed (megabytes, far beyond one socket write) is sent whole and at once (sendfile; the
# rest of a response is not left waiting for a coarse timer), several at a time.
"$TOP/bench/gen-config" 300 >"$T_TMP/big.yaml"
"$DUTYCTL" -c "$T_TMP/big.yaml" serve --listen 127.0.0.1:0 --dir "$T_TMP/feeds-big" \
        2>"$T_TMP/serve-big.log" &
server=$!
addr=
for _ in $(seq 300); do
        addr=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T_TMP/serve-big.log" | head -1)
        [ -n "$addr" ] && break
        sleep 0.1
done
big=$addr$("$DUTYCTL" -c "$T_TMP/big.yaml" feeds list 2>/dev/null | grep -oE '/feeds/[a-z2-7]{32}/org\.ics' | head -1)
check "large feed: org.ics over 2 MB" test "$(stat -c %s "$T_TMP/feeds-big/org.ics")" -gt 2000000
pids=()
for i in 1 2 3; do curl -s --max-time 3 -o "$T_TMP/big$i" "$big" & pids+=($!); done
wait "${pids[@]}"
check "large feed: three parallel GETs complete within 3 s, byte-identical" bash -c \
        "cmp -s '$T_TMP/big1' '$T_TMP/feeds-big/org.ics' && cmp -s '$T_TMP/big2' '$T_TMP/feeds-big/org.ics' && cmp -s '$T_TMP/big3' '$T_TMP/feeds-big/org.ics'"
kill -TERM $server
wait $server
check_eq "large-feed server exits 0 on SIGTERM" 0 $?
t_done
