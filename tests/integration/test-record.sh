#!/usr/bin/env bash
# The record (issue 6) end to end: dutyctl done/undo/history/report (table, CSV, JSON) and the
# 述职 draft with golden numbers; durability (dutyctl done, kill -9 of a running dutyd, restart:
# the completion is there and the feed shows it done); the done link page served by dutyd (GET,
# HEAD, POST, replay 410, tampered 403, malformed 404); dutyctl raise to a local webhook sink.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# ---- 1. done / undo / history / report / shuzhi (today = 2026-11-15) ---------------------------
mkdir -p "$T/r"
cat >"$T/r/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/r/state
documents:
  - {id: yj, title: 实施意见, number: "大发〔2019〕45号"}
posts:
  - {id: zz, name: 镇长}
  - {id: bz, name: 其他班子成员}
people:
  - {id: b, name: 李四, posts: [zz]}
  - {id: c, name: 王五, posts: [bz]}
  - {id: d, name: 赵六, posts: [bz]}
duties:
  - {id: m, post: zz, title: 安全生产工作会议, rule: 每月至少1次, document: yj, clause: "二、（一）3"}
  - {id: x, post: bz, per_holder: true, title: 督导检查, rule: 每季度至少1次}
YAML
export DUTYD_CONFIG=$T/r/dutyd.yaml DUTYD_CLOCK=2026-11-15
ctl() { "$CTL" "$@"; }
ctl_q() { "$CTL" "$@" >/dev/null; }
check "done on time" ctl_q done m --date 2026-07-10 --note '纪要,第"7"号' --evidence https://e.x/7
check "done late (named occurrence, dated after its deadline)" ctl_q done m:zz:2026-08:1 --date 2026-09-03
check "done per_holder" ctl_q done x --person c --date 2026-09-01
check "done, to be undone" ctl_q done m --date 2026-09-10
out=$(ctl undo); check "undo the last" grep -q '已撤销记录 4' <<<"$out"
out=$(ctl history)
check_eq "history: three valid records" 3 "$(grep -c '有效' <<<"$out")"
check "history --all shows the undone one" grep -q '已撤销' <<<"$(ctl history --all)"
out=$(ctl report --period 2026-H2)
check "report table: 安全生产工作会议 row 6/1/1/2/2" \
        grep -Eq '^安全生产工作会议 +镇长 +李四 +6 +1 +1 +2 +2 *$' <<<"$out"
check "report table: 合计 10/2/1/3/4" grep -Eq '^合计 +10 +2 +1 +3 +4 *$' <<<"$out"
csv=$(ctl report --period 2026-H2 --format csv)
check "csv: per_holder rows" grep -q $'^x,督导检查,bz,其他班子成员,d,赵六,2,0,0,1,1\r$' <<<"$csv"
check "csv: CRLF records" grep -q $'^合计,,,,,,10,2,1,3,4\r$' <<<"$csv"
js=$(ctl report --period 2026-11 --person b --format json)
check_eq "json: 2026-11 for b (Oct due 11-02 missed, Nov open)" "2 0 0 1 1" \
        "$(/usr/bin/python3 -c 'import json,sys; t=json.load(sys.stdin)["total"]; print(t["required"],t["on_time"],t["late"],t["missed"],t["open"])' <<<"$js")"
out=$(ctl report --period 2026-Q4 --post zz)
check "report --post" grep -Eq '^合计 +3 +0 +0 +1 +2 *$' <<<"$out"
out=$(ctl report --shuzhi b --year 2026)
check "shuzhi: completion with note and evidence" grep -q '证明材料：https://e.x/7' <<<"$out"
check "shuzhi: clause" grep -q '依据：大发〔2019〕45号 二、（一）3' <<<"$out"
check "shuzhi: late one" grep -q '逾期完成（2026-09-03 完成，逾期 3 天）' <<<"$out"
check "shuzhi: summary" grep -q '小结：2026年度应履职 12 次，按时完成 1 次，逾期完成 1 次，未完成 8 次，尚未到期 2 次' <<<"$out"
up=$(ctl upcoming --json --from 2026-07-01 --to 2026-09-30 --duty m)
st() { /usr/bin/python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"].split(":")[2] + "=" + json.loads(l)["status"] for l in sys.stdin))'; }
check_eq "upcoming --json shows each month's state" "2026-07=done 2026-08=late 2026-09=overdue" "$(st <<<"$up")"
check "upcoming table has a 状态 column" grep -Eq '逾期完成' <<<"$(ctl upcoming --from 2026-07-01 --to 2026-09-30 --duty m)"
ctl report --period 2026-W47 >/dev/null 2>&1; check_eq "week periods refused (usage)" 2 $?
ctl report --period 2026 --person nobody >/dev/null 2>&1; check_eq "unknown person" 1 $?
unset DUTYD_CONFIG DUTYD_CLOCK

# ---- 2. durability: done, kill -9 dutyd, restart ------------------------------------------------
mkdir -p "$T/d/state"
cat >"$T/d/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/d/state
server: {listen: "127.0.0.1:0"}
posts:
  - {id: zz, name: 镇长}
  - {id: sj, name: 镇党委书记}
people:
  - {id: a, name: 张三, posts: [zz]}
  - {id: s, name: 孙七, posts: [sj]}
duties:
  - {id: m, post: zz, title: 安全生产工作会议, rule: 每月至少1次}
  - {id: q, post: sj, title: 专题研究安全生产, rule: 每季度至少1次}
YAML
start_dutyd() {
        : >"$T/d/dutyd.log"
        "$D" -c "$T/d/dutyd.yaml" >"$T/d/dutyd.log" 2>&1 &
        DPID=$!; PIDS+=($DPID)
        wait_for 15 grep -q '订阅地址 127.0.0.1:[0-9]' "$T/d/dutyd.log"
}
check "dutyd started" start_dutyd
check "done while dutyd runs" "$CTL" -c "$T/d/dutyd.yaml" done m --note 纪要
kill -9 $DPID; wait $DPID 2>/dev/null
check "dutyd restarted after kill -9" start_dutyd
check "the completion survived" grep -q '纪要' <<<"$("$CTL" -c "$T/d/dutyd.yaml" history)"
# A feed as the running dutyd serves it (rendered on request), unfolded.
feed_has() { # FEED TEXT
        local u
        u=$("$CTL" -c "$T/d/dutyd.yaml" feeds list 2>/dev/null |
                grep -oE "http://[0-9.:]+/feeds/[a-z2-7]{32}/$1\.ics" | head -1)
        [ -n "$u" ] && curl -sf "$u" | perl -0pe 's/\r?\n[ \t]//g; s/\r//g' | grep -q "$2"
}
check "the feed shows it done" wait_for 10 feed_has post-zz "SUMMARY:✓ 镇长·安全生产工作会议"

# ---- 3. the done link ------------------------------------------------------------------------
ADDR=$(grep -o '订阅地址 127.0.0.1:[0-9]*' "$T/d/dutyd.log" | head -1 | sed 's/订阅地址 //')
Q=$(TZ=Asia/Shanghai date +%Y-Q)$(( ($(TZ=Asia/Shanghai date +%-m) - 1) / 3 + 1 ))
url=$("$CTL" -c "$T/d/dutyd.yaml" done-link "q:sj:$Q:1")
check "done-link prints a /done/ URL" grep -q '/done/[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$' <<<"$url"
TOK=${url##*/done/}
U="http://$ADDR/done/$TOK"
code=$(curl -s -o "$T/d/get.html" -w '%{http_code}' "$U")
check_eq "GET: 200" 200 "$code"
check "GET: Chinese page with the duty" grep -q '专题研究安全生产' "$T/d/get.html"
check "GET: viewport, a form that POSTs, no script" \
        bash -c "grep -q 'name=\"viewport\"' '$T/d/get.html' && grep -q '<form method=\"post\">' '$T/d/get.html' && ! grep -qi '<script' '$T/d/get.html'"
check "GET: holder offered" grep -q '<option value="s">孙七</option>' "$T/d/get.html"
check "HEAD: 200 text/html" bash -c "curl -sI '$U' | grep -qi '^content-type: text/html'"
check "GET records nothing" bash -c "! '$CTL' -c '$T/d/dutyd.yaml' history | grep -q 专题研究"
code=$(curl -s -o "$T/d/post.html" -w '%{http_code}' --data-urlencode person=s --data-urlencode 'note=会议纪要 <12>' "$U")
check_eq "POST: 200" 200 "$code"
check "POST: 已记录" grep -q '已记录' "$T/d/post.html"
check "POST: note escaped in nothing unsafe" bash -c "! grep -q '<12>' '$T/d/post.html'"
h=$("$CTL" -c "$T/d/dutyd.yaml" history)
check "completion recorded with person and note" bash -c "grep '专题研究安全生产' <<<'$h' | grep -q '孙七.*会议纪要 <12>'"
check "feed refreshed by the daemon" wait_for 10 feed_has post-sj "SUMMARY:✓ 镇党委书记·专题研究安全生产"
code=$(curl -s -o "$T/d/replay.html" -w '%{http_code}' --data person=s "$U")
check_eq "replay POST: 410" 410 "$code"
check "replay page in Chinese" grep -q '已经使用过' "$T/d/replay.html"
check_eq "replay: still one completion" 1 "$("$CTL" -c "$T/d/dutyd.yaml" history | grep -c 专题研究)"
check_eq "GET after use: 410" 410 "$(curl -s -o /dev/null -w '%{http_code}' "$U")"
url2=$("$CTL" -c "$T/d/dutyd.yaml" done-link "q:sj:$Q:1"); TOK2=${url2##*/done/}
last=${TOK2: -2:1}; [ "$last" = A ] && rep=B || rep=A
BAD="${TOK2:0:${#TOK2}-2}$rep${TOK2: -1}"
check_eq "tampered signature: 403" 403 "$(curl -s -o "$T/d/bad.html" -w '%{http_code}' "http://$ADDR/done/$BAD")"
check "tampered page in Chinese" grep -q '链接无效' "$T/d/bad.html"
first=${TOK2:0:1}; [ "$first" = A ] && rep=B || rep=A
check_eq "tampered payload: 403" 403 "$(curl -s -o /dev/null -w '%{http_code}' --data x=1 "http://$ADDR/done/$rep${TOK2:1}")"
check_eq "malformed: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/done/nonsense")"
check_eq "PUT: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X PUT "http://$ADDR/done/$TOK2")"
check_eq "the untampered second link still works" 200 "$(curl -s -o "$T/d/met.html" -w '%{http_code}' "http://$ADDR/done/$TOK2")"
# That occurrence is already done (the first link): the page says so, by whom and on which day,
# and offers no button; submitting the form anyway records nothing and leaves the link usable.
check "a link for a done occurrence: says it is done" grep -q '该事项已完成' "$T/d/met.html"
DAY=$(grep -o '日期 [0-9-]*' "$T/d/post.html" | cut -d' ' -f2)
check "… by whom and when" grep -q "已有履职记录（孙七，$DAY），无需再次登记" "$T/d/met.html"
check "… and offers no form" bash -c "! grep -q '<form' '$T/d/met.html'"
code=$(curl -s -o "$T/d/met-post.html" -w '%{http_code}' --data person=s "http://$ADDR/done/$TOK2")
check_eq "… a POST anyway: 200" 200 "$code"
check "… which says it is done" grep -q "已有履职记录（孙七，$DAY）" "$T/d/met-post.html"
check_eq "… and still one completion" 1 "$("$CTL" -c "$T/d/dutyd.yaml" history | grep -c 专题研究)"
check_eq "… the link not used up" 200 "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/done/$TOK2")"
# Undone (recorded by mistake): the same link offers the form again and records.
"$CTL" -c "$T/d/dutyd.yaml" undo >/dev/null 2>&1
check "undone: the link offers the form again" bash -c "curl -s 'http://$ADDR/done/$TOK2' | grep -q '<form method=\"post\">'"
code=$(curl -s -o "$T/d/again.html" -w '%{http_code}' --data person=s "http://$ADDR/done/$TOK2")
check "… and records" bash -c "[ $code = 200 ] && grep -q '已记录' '$T/d/again.html'"
check_eq "… one completion again" 1 "$("$CTL" -c "$T/d/dutyd.yaml" history | grep -c 专题研究)"
kill $DPID; wait $DPID 2>/dev/null

# ---- 4. raise ---------------------------------------------------------------------------------
mkdir -p "$T/e/sink" "$T/e/state"
echo ok >"$T/e/sink/mode"
start_sink "$T/e/sink" || fail "sink started"
PIDS+=($SINK_PID)
PORT=$SINK_PORT
printf '%s' hooksecret >"$T/e/hook.secret"
cat >"$T/e/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/e/state
posts:
  - {id: sj, name: 镇党委书记}
  - {id: zz, name: 镇长}
  - {id: aj, name: 安监站长}
people:
  - {id: a, name: 张三, posts: [sj]}
  - {id: b, name: 李四, posts: [zz]}
  - {id: c, name: 王五, posts: [aj]}
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$PORT/hook/x", secret: {file: $T/e/hook.secret}}
routes:
  - {channels: [hook]}
duties:
  - {id: acc, posts: [sj, zz], title: 事故应急处置, event: 事故}
  - {id: fire, posts: [aj], title: 火情处置, event: 火灾}
  - {id: m, post: aj, title: 安全检查, rule: 每月至少1次}
YAML
out=$("$CTL" -c "$T/e/dutyd.yaml" raise 地震 2>&1); rc=$?
check_eq "unknown event: exit 1" 1 "$rc"
check "unknown event: lists the known ones" grep -q '已配置的事件：事故、火灾' <<<"$out"
out=$("$CTL" -c "$T/e/dutyd.yaml" raise 事故 --note 某村道路交通事故 2>&1); rc=$?
check_eq "raise: exit 0" 0 "$rc"
check "raise: prints the posts alerted" bash -c "grep -q '镇党委书记 *张三 *hook' <<<'$out' && grep -q '镇长 *李四 *hook' <<<'$out'"
check "raise: sent at once" grep -q '已送达 1 条' <<<"$out"
check "sink got it" wait_for 10 test -s "$T/e/sink/log.jsonl"
check_eq "one message for the channel" 1 "$(wc -l <"$T/e/sink/log.jsonl")"
check "it names both posts, signature ok" bash -c "grep -q '镇党委书记' '$T/e/sink/log.jsonl' && grep -q '镇长' '$T/e/sink/log.jsonl' && grep -q '\"ok\": true' '$T/e/sink/log.jsonl' && ! grep -q '安监站长' '$T/e/sink/log.jsonl'"
check "the event's description is in the message" grep -q '情况：某村道路交通事故' "$T/e/sink/log.jsonl"
check "it reads as an emergency, not a deadline" bash -c "grep -q '紧急' '$T/e/sink/log.jsonl' && ! grep -q '今天截止' '$T/e/sink/log.jsonl'"
check "event recorded" bash -c "sqlite3 '$T/e/state/state.db' 'SELECT event, note FROM events' | grep -q '^事故|某村道路交通事故$'"
"$CTL" -c "$T/e/dutyd.yaml" raise 事故 >/dev/null 2>&1
"$CTL" -c "$T/e/dutyd.yaml" raise 事故 >/dev/null 2>&1
check_eq "each raise is a new alert" 3 "$(wc -l <"$T/e/sink/log.jsonl")"
t_done
