#!/usr/bin/env bash
# dutyctl in two programs (ctl-verbs.h): `dutyctl` maps neither libcurl, libmicrohttpd nor
# libxlsxwriter, and runs `dutyctl-full` for the verbs that need them (report, raise, done-link,
# feeds, serve, send-test, outbox) with the same configuration and arguments. Both list the same
# verbs; a verb of dutyctl-full answers through dutyctl as it does itself (output and exit
# status, with each form of the -c option); without dutyctl-full, dutyctl says what is missing
# and its own verbs still work. On a fixed clock.
. "$(dirname "$0")/../lib.sh"
T=$T_TMP
mkdir -p "$T/state" "$T/alone"
trap 'rm -rf "$T"' EXIT
export STATE_DIRECTORY=$T/state DUTYD_CLOCK=2026-12-01 LC_ALL=C.UTF-8 LANGUAGE=
CFG=$TOP/config/examples/003-daligang.yaml

# maps LIB PROGRAM: PROGRAM needs the shared library LIB (its NEEDED entries).
maps() { readelf -d "$2" | grep '(NEEDED)' | grep -q "\[$1\."; }
for lib in libcurl libmicrohttpd libxlsxwriter; do
        check "dutyctl-full maps $lib" maps "$lib" "$BIN/dutyctl-full"
        maps "$lib" "$BIN/dutyctl"
        check_eq "dutyctl does not map $lib" 1 $?
done

# liblunar-date (and glib under it) is opened at first use (daemon/config/statutory.c): no
# program maps it at start; the provisional holidays it computes are test-holidays'.
for p in dutyctl dutyctl-full dutyd; do
        for lib in liblunar-date-3.0 libglib-2.0; do
                maps "$lib" "$BIN/$p"
                check_eq "$p does not map $lib at start" 1 $?
        done
done

for B in "$BIN" "$ASAN_BIN"; do
        [ -x "$B/dutyctl" ] || continue
        name=${B#"$TOP"/}
        check_eq "$name: the same verbs in both" "$("$B/dutyctl-full" help)" "$("$B/dutyctl" help)"
        "$B/dutyctl-full" -c "$CFG" report --period 2026 --format csv >"$T/full.csv" 2>&1
        check_eq "$name: dutyctl-full report exits 0" 0 $?
        "$B/dutyctl" -c "$CFG" report --period 2026 --format csv >"$T/lite.csv" 2>&1
        check_eq "$name: dutyctl report exits 0" 0 $?
        check "$name: report through dutyctl, as dutyctl-full writes it ($(wc -l <"$T/full.csv") lines)" \
                cmp -s "$T/full.csv" "$T/lite.csv"
        "$B/dutyctl" report --config="$CFG" --period 2026 --format csv >"$T/lite2.csv" 2>&1
        check "$name: --config=FILE after the verb reaches dutyctl-full" cmp -s "$T/full.csv" "$T/lite2.csv"
        DUTYD_CONFIG=$CFG "$B/dutyctl" report --period 2026 --format csv >"$T/lite3.csv" 2>&1
        check "$name: \$DUTYD_CONFIG reaches dutyctl-full" cmp -s "$T/full.csv" "$T/lite3.csv"
        "$B/dutyctl" -c "$CFG" report --no-such-option >/dev/null 2>&1
        check_eq "$name: a usage error of dutyctl-full's verb exits 2 through dutyctl" 2 $?
        check "$name: a verb's --help through dutyctl" sh -c "'$B/dutyctl' outbox --help | grep -q outbox"
done

# dutyctl alone: beside it no dutyctl-full, and (unless one is installed here) none in LIBEXECDIR.
cp "$BIN/dutyctl" "$T/alone/dutyctl"
"$T/alone/dutyctl" -c "$CFG" report --period 2026 >"$T/out" 2>"$T/err"
rc=$?
missing=$(sed -n 's/^dutyctl: report needs \(\/.*\/dutyctl-full\): .*/\1/p' "$T/err")
if [ "$rc" -eq 0 ]; then
        check "alone: report ran an installed dutyctl-full" \
                sh -c 'ls /usr/local/libexec/dutyd/dutyctl-full /usr/libexec/dutyd/dutyctl-full' 2>/dev/null
else
        check_eq "alone: report without dutyctl-full exits 1" 1 "$rc"
        check "alone: the message names the dutyctl-full it looked for (${missing:-none})" \
                sh -c "[ -n '$missing' ] && [ ! -e '$missing' ]"
fi
check "alone: dutyctl's own verbs still work" "$T/alone/dutyctl" -c "$CFG" check
t_done
