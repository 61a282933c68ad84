#!/usr/bin/env bash
# dutyctl explain and check --explain: each phrase as understood, its canonical form and its
# next deadlines on the holiday data (dates worked out by hand: 2026-10-01..07 is 国庆, so a
# deadline on the 1st moves to 10-08); a phrase that cannot be read points at its character
# and exits 1; usage errors exit 2. The clock is fixed (DUTYD_CLOCK), not the real date.
. "$(dirname "$0")/../lib.sh"
CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"
cat >"$T/c.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
posts: [{id: zz, name: 镇长}]
people: [{id: a, name: 张三, posts: [zz]}]
duties:
  - {id: meet, post: zz, title: 安全生产例会, rule: 每月1日前}
  - {id: drill, post: zz, title: 应急演练, rule: 每年至少2次}
  - {id: acc, post: zz, title: 事故报告, event: accident}
YAML
export DUTYD_CLOCK=2026-09-01
out=$("$CTL" -c "$T/c.yaml" explain -n 3 每月1日前 年终 2>&1); rc=$?
check_eq "explain: exit 0" 0 "$rc"
check "explain: the sentence" grep -qx '  理解为：每月一次，截止于当月1日（遇节假日顺延至下一个工作日）' <<<"$out"
check "explain: the canonical form" grep -qx '  规范写法：每月1日前' <<<"$out"
check "explain: next deadlines, 国庆 and a Sunday moved" grep -qx \
        '  接下来的截止日期：2026-09-01（二）、2026-10-08（四）［原定2026-10-01，遇休息日调整］、2026-11-02（一）［原定2026-11-01，遇休息日调整］' <<<"$out"
check "explain: 年终 moves earlier in 2028" grep -q '2028-12-29（五）［原定2028-12-31' <<<"$out"
out=$("$CTL" -c "$T/c.yaml" explain 每月1日前 '每年三月' 2>&1); rc=$?
check_eq "explain: a phrase not understood exits 1" 1 "$rc"
check "explain: the good phrase is still explained" grep -q '规范写法：每月1日前' <<<"$out"
# 每年三月 is 8 display columns; a day of the month was expected after it.
check "explain: the caret stands after 每年三月 (8 display columns)" grep -qx '        ^ 无法理解：此处应为几号.*' <<<"$out"
"$CTL" -c "$T/c.yaml" explain >/dev/null 2>&1
check_eq "explain without a phrase: usage, exit 2" 2 "$?"
"$CTL" -c "$T/c.yaml" explain -n 0 每月1日前 >/dev/null 2>&1
check_eq "explain -n 0: exit 2" 2 "$?"
out=$("$CTL" -c "$T/c.yaml" check --explain 2>&1); rc=$?
check_eq "check --explain: exit 0" 0 "$rc"
check "check --explain: every duty" test "$(grep -c '^安全生产例会（meet）$\|^应急演练（drill）$\|^事故报告（acc）$' <<<"$out")" = 3
check "check --explain: the drill's halves" grep -qx '  接下来的截止日期：2026-12-31（四）、2027-06-30（三）、2027-12-31（五）、2028-06-30（五）' <<<"$out"
check "check --explain: event duties say so" grep -q '由事件 accident 触发' <<<"$out"
check "check without --explain prints no rules" bash -c "! '$CTL' -c '$T/c.yaml' check 2>&1 | grep -q 理解为"
t_done
