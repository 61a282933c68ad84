#!/usr/bin/env bash
# The marks of a rule in the record (issue #13): a duty whose rule says 亲自 is recorded only for
# a person who holds its post that day; one that says 或委托 takes a delegate outside the
# configuration (--delegate, kept in the note and shown by history); --delegate on any other
# duty is refused. Injected clock; nothing recorded by a refusal.
. "$(dirname "$0")/../lib.sh"
CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/state"
cat >"$T/c.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
posts: [{id: p, name: 镇长}, {id: j, name: 副镇长}]
people: [{id: a, name: 张三, posts: [p]}, {id: b, name: 李四, posts: [j]}]
duties:
  - {id: own, post: p, title: 述职, rule: 每年至少1次须亲自}
  - {id: del, post: p, title: 调研, rule: 每季度至少一次或委托}
  - {id: std, post: p, title: 检查, rule: 每月至少一次}
YAML
export DUTYD_CLOCK=2026-12-01
records() { "$CTL" -c "$T/c.yaml" history 2>/dev/null | grep -c '^ *[0-9]'; }
out=$("$CTL" -c "$T/c.yaml" done own --person b 2>&1); rc=$?
check_eq "亲自: someone not holding the post is refused" 1 "$rc"
check "… saying the duty is personal" grep -q '须本人亲自完成' <<<"$out"
check_eq "… and nothing is recorded" 0 "$(records)"
check "亲自: the holder is recorded" "$CTL" -c "$T/c.yaml" done own --person a --note 述职会
out=$("$CTL" -c "$T/c.yaml" done del --delegate 王秘书 --note 走访3家企业 2>&1); rc=$?
check_eq "或委托: a delegate is recorded" 0 "$rc"
check "history shows the delegate and the note" bash -c "'$CTL' -c '$T/c.yaml' history | grep -q '受托人：王秘书；走访3家企业'"
out=$("$CTL" -c "$T/c.yaml" done std --delegate 王秘书 2>&1); rc=$?
check_eq "--delegate on a duty without 或委托: refused" 1 "$rc"
check "… saying why" grep -q '未写明可委托' <<<"$out"
check_eq "two completions in the record" 2 "$(records)"
t_done
