#!/usr/bin/env bash
# The man pages (docs/man/*.scd) against the programs, so they cannot drift: each builds with
# scdoc and renders without a groff warning; every long option of dutyctl's and dutyd's getopt
# tables and every dutyctl verb is in its page; every configuration key the loader reads is in
# dutyd.yaml(5) and in docs/config.md; each verb's English --help names only options of the page;
# `--version` prints the Makefile's VERSION, which is debian/changelog's top version.
. "$(dirname "$0")/lib.sh"
T=$T_TMP
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"
cd "$TOP" || exit 1
command -v scdoc >/dev/null || { fail "scdoc is installed (make deps)"; t_done; exit 1; }
for p in dutyd.8 dutyctl.1 dutyd.yaml.5; do
        check "$p: scdoc builds it" bash -c "scdoc <docs/man/$p.scd >'$T/$p'"
        if command -v man >/dev/null; then
                # Not under libfaketime (tests/run preloads it for other dates): man sandboxes
                # its children, where the library cannot start and says so on stderr.
                w=$(env -u LD_PRELOAD MANWIDTH=80 man --warnings -l "$T/$p" 2>&1 >/dev/null)
                check_eq "$p: renders without warnings" "" "$w"
        fi
done

# missing WORDS… FILE: the words not written as *word* (scdoc bold) in FILE.
missing() {
        local f=${*: -1} w out=()
        for w in "${@:1:$#-1}"; do grep -qF -- "*$w*" "$f" || out+=("$w"); done
        echo "${out[*]}"
}
opts() { grep -ho '{"[a-z-]*", *[a-z_]*_argument' "$@" | sed 's/{"\([a-z-]*\)".*/--\1/' | sort -u; }
# shellcheck disable=SC2046
check_eq "dutyctl(1) names every option of dutyctl" "" \
        "$(missing $(opts daemon/cli/*.c) docs/man/dutyctl.1.scd)"
# shellcheck disable=SC2046
check_eq "dutyd(8) names every option of dutyd" "" \
        "$(missing $(opts daemon/service/dutyd.c) docs/man/dutyd.8.scd)"
verbs=$(grep -ho '{"[a-z-]*", verb_[a-z_]*' daemon/cli/*.c daemon/cli/*.h | sed 's/{"\([a-z-]*\)".*/\1/' | sort -u)
check "the verb table was found" test "$(wc -w <<<"$verbs")" -ge 10
# shellcheck disable=SC2086
check_eq "dutyctl(1) names every verb" "" "$(missing $verbs docs/man/dutyctl.1.scd)"
# Each verb's --help in English (LANG=C, the man page's language) names no option the page lacks.
if [ -x "$BIN/dutyctl" ]; then
        helpopts=$(for v in $verbs; do
                env -u LANGUAGE LANG=C LC_ALL= "$BIN/dutyctl" "$v" --help 2>/dev/null
        done | grep -o -- '--[a-z][a-z-]*' | sort -u)
        check "the verbs' --help is English under LANG=C" \
                bash -c "env -u LANGUAGE LANG=C LC_ALL= '$BIN/dutyctl' check --help | grep -q '^Usage: '"
        # shellcheck disable=SC2086
        check_eq "dutyctl(1) names every option of the verbs' --help" "" \
                "$(missing $helpopts docs/man/dutyctl.1.scd)"
fi
# The keys: those of the key tables (.name = "x", KEY_INT("x", …)) and the top-level sections.
keys=$( (grep -ho '\.name = "[a-z_]*"\|KEY_[A-Z]*("[a-z_]*"' daemon/config/*.c |
        sed 's/.*"\([a-z_]*\)"/\1/'
        grep -ho 'streq(k, "[a-z_]*")' daemon/config/sections.c | sed 's/.*"\([a-z_]*\)".*/\1/') | sort -u)
check "the key tables were found" test "$(wc -w <<<"$keys")" -ge 60
# shellcheck disable=SC2086
check_eq "dutyd.yaml(5) names every configuration key" "" "$(missing $keys docs/man/dutyd.yaml.5.scd)"
nodoc=()
for k in $keys; do grep -qF -- "\`$k\`" docs/config.md || grep -qE -- "\`[a-z_]+\.$k\`" docs/config.md || nodoc+=("$k"); done
check_eq "docs/config.md names every configuration key" "" "${nodoc[*]}"
ver=$(sed -n 's/^VERSION := //p' Makefile)
check "the Makefile has a VERSION" test -n "$ver"
if [ -x "$BIN/dutyctl" ]; then
        check_eq "dutyctl --version" "dutyctl $ver" "$("$BIN/dutyctl" --version)"
        check_eq "dutyd --version" "dutyd $ver" "$("$BIN/dutyd" --version)"
fi
if [ -f debian/changelog ]; then
        check_eq "debian/changelog's version is the Makefile's" "$ver" \
                "$(sed -n '1s/^dutyd (\([^)-]*\).*/\1/p' debian/changelog)"
fi
t_done
