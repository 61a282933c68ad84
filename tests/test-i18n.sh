#!/usr/bin/env bash
# The message catalogs (po/*.po) against the sources and the programs: every message marked for
# translation (xgettext with the Makefile's keywords) has a translation in each catalog, none is
# fuzzy or untranslated, msgfmt --check accepts them; and dutyctl speaks the user's language:
# a phrase it cannot read is explained in English under LANG=C and in Chinese under
# LANGUAGE=zh_CN (with the build tree's catalogs, DUTYD_LOCALEDIR), also in `check`'s
# FILE:LINE:COLUMN errors.
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
CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
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
t_done
