#!/usr/bin/env bash
# The message catalogs (po/*.po) against the sources and the programs: every message marked for
# translation (xgettext with the Makefile's keywords) has a translation in each catalog, none is
# fuzzy or untranslated, msgfmt --check accepts them; and the programs speak the user's
# language: a message of each verb family of dutyctl, and of dutyd's log and --help, is English
# under LANG=C (LANGUAGE unset) and Chinese under LANGUAGE=zh_CN (with the build tree's
# catalogs, DUTYD_LOCALEDIR), also a phrase error and `check`'s FILE:LINE:COLUMN errors: the
# config loader's errors and its warning prefix.
. "$(dirname "$0")/lib.sh"
T=$T_TMP
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"
cd "$TOP" || exit 1
for c in xgettext msgfmt msgcmp; do
        command -v $c >/dev/null || { fail "$c is installed (gettext, make deps)"; t_done; exit 1; }
done
check "xgettext extracts the messages (make pot)" make -s --no-print-directory pot POT="$T/dutyd.pot"
check "more than 50 messages are marked" test "$(grep -c '^msgid "[^"]' "$T/dutyd.pot")" -gt 50
for po in po/*.po; do
        l=$(basename "$po" .po)
        check "$l: every marked message is in the catalog" msgcmp "$po" "$T/dutyd.pot"
        stats=$(msgfmt --check --statistics -o "$T/$l.mo" "$po" 2>&1)
        check "$l: msgfmt --check accepts it" test $? -eq 0
        check "$l: nothing fuzzy or untranslated ($stats)" bash -c "! grep -q 'fuzzy\|untranslated' <<<'$stats'"
done
CTL=$BIN/dutyctl DUTYD=$BIN/dutyd
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && DUTYD=$ASAN_BIN/dutyd
export DUTYD_CLOCK=2026-12-01 DUTYD_LOCALEDIR=$BIN/locale
cat >"$T/c.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
posts: [{id: p, name: 镇长}]
duties:
  - {id: d, post: p, title: 例会, rule: 每年三月}
YAML
en=$(env -u LANGUAGE LANG=C LC_ALL= "$CTL" -c "$TOP/config/dutyd.yaml" explain 每年三月 2>&1)
zh=$(env LANG=C.UTF-8 LC_ALL= LANGUAGE=zh_CN "$CTL" -c "$TOP/config/dutyd.yaml" explain 每年三月 2>&1)
check "LANG=C: the phrase error is English" grep -q '\^ not understood: expected a day of the month' <<<"$en"
check "LANGUAGE=zh_CN: the phrase error is Chinese" grep -q '\^ 无法理解：此处应为几号，如 25日' <<<"$zh"
out=$(env LANG=C.UTF-8 LC_ALL= LANGUAGE=zh_CN "$CTL" -c "$T/c.yaml" check 2>&1); rc=$?
check_eq "check with the bad phrase: exit 78" 78 "$rc"
check "check: the location, then Chinese" grep -q "c.yaml:6:43: 无法理解规则“每年三月”：此处应为几号" <<<"$out"

# both NAME ENGLISH CHINESE COMMAND…: the command's output (stdout and stderr) holds the
# English pattern under LANG=C and the Chinese one under LANGUAGE=zh_CN.
both() {
        local name=$1 en=$2 zh=$3 out
        shift 3
        out=$(env -u LANGUAGE LANG=C LC_ALL= "$@" 2>&1)
        check "LANG=C: $name is English" grep -q -- "$en" <<<"$out" || echo "# $out"
        out=$(env LANG=C.UTF-8 LC_ALL= LANGUAGE=zh_CN "$@" 2>&1)
        check "LANGUAGE=zh_CN: $name is Chinese" grep -q -- "$zh" <<<"$out" || echo "# $out"
}
sed 's/rule: 每年三月}/event: 事故}/' "$T/c.yaml" >"$T/good.yaml" # a good one, for an event
G=(-c "$T/good.yaml")
both "dutyctl help" '^Usage: dutyctl \[-c FILE\] COMMAND' '^用法: dutyctl \[-c FILE\] 命令' "$CTL" help
# A verb's line of the help is translated (close's was written in Chinese only).
both "close's line of the help" '^  close  *end an event' '^  close  *结束一个事件' "$CTL" help
both "check's summary" '^configuration is valid: ' '^配置有效：' "$CTL" "${G[@]}" check
both "check's error count (plural)" 'the configuration is invalid, 1 error$' '配置无效，共 1 处错误' \
        "$CTL" -c "$T/c.yaml" check
both "upcoming" "^upcoming: no post 'nosuch'" "^upcoming: 没有岗位 'nosuch'" \
        "$CTL" "${G[@]}" upcoming --post nosuch
both "done" "^done: no duty or occurrence 'nosuch'" "^done: 没有职责或事项 'nosuch'" \
        "$CTL" "${G[@]}" done nosuch
both "undo --help" '^Usage: dutyctl undo \[NUMBER\]' '^用法: dutyctl undo \[编号\]' \
        "$CTL" "${G[@]}" undo --help
both "history" '^No completion is recorded\.' '^没有履职记录。' "$CTL" "${G[@]}" history
both "outbox" '^The outbox is empty\.' '^发件箱是空的。' "$CTL" "${G[@]}" outbox
both "send-test" '^There is no channel named nosuch\.' '^没有名为 nosuch 的通道。' \
        "$CTL" "${G[@]}" send-test nosuch
both "ids" "^dutyctl ids: unknown kind 'bogus'" "^dutyctl ids: 未知种类 'bogus'" \
        "$CTL" "${G[@]}" ids bogus
both "feeds" "^dutyctl feeds: unknown subcommand 'bogus'" "^dutyctl feeds: 未知子命令 'bogus'" \
        "$CTL" "${G[@]}" feeds bogus
both "serve --help" '^Serve the calendar feeds' '^在前台提供日历订阅' "$CTL" "${G[@]}" serve --help
both "report" '^report: --format takes table, csv, json or xlsx' '^report: --format 应为 table、csv、json 或 xlsx' \
        "$CTL" "${G[@]}" report --period 2026 --format x
both "raise" "^raise: no duty is for the event '火灾'" "^raise: 没有职责对应事件 '火灾'" \
        "$CTL" "${G[@]}" raise 火灾
both "done-link" "^done-link: no occurrence 'nosuch'" "^done-link: 没有事项 'nosuch'" \
        "$CTL" "${G[@]}" done-link nosuch
# The config loader's diagnostics (FILE:LINE:COLUMN first) and the warning prefix.
sed 's/^posts: .*/&\nfeeds: {org: false}\nbogus: 1/' "$T/good.yaml" >"$T/key.yaml"
both "a loader error" "key.yaml:6:1: unknown section 'bogus'" 'key.yaml:6:1: 未知配置节“bogus”' \
        "$CTL" -c "$T/key.yaml" check
sed -i 's/^posts: \[{id: p, name: 镇长}\]/posts: [{id: p, name: 镇长, bogus: 1}]/' "$T/key.yaml"
both "an unknown key" "key.yaml:4:27: unknown key 'bogus'" 'key.yaml:4:27: 未知键“bogus”' \
        "$CTL" -c "$T/key.yaml" check
both "a loader warning" 'key.yaml:5:14: warning: feeds.org is obsolete' \
        'key.yaml:5:14: 警告：feeds.org 已废弃' "$CTL" -c "$T/key.yaml" check
both "dutyd --help" '^Usage: dutyd \[-c FILE\]' '^用法: dutyd \[-c FILE\]' "$DUTYD" --help
both "dutyd --check-config" ': the configuration is valid$' ': 配置有效$' \
        "$DUTYD" --check-config "${G[@]}"
both "dutyd's log" 'the configuration has 1 error, cannot start' '配置有 1 处错误，无法启动' \
        env -u JOURNAL_STREAM STATE_DIRECTORY="$T/state" "$DUTYD" -c "$T/c.yaml"
t_done
