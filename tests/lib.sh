# Shared helpers for shell tests: TAP output and assertions.  Source it, then call t_done.
set -u
TOP=${DUTYD_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BIN=${DUTYD_BIN:-$TOP/build}
ASAN_BIN=$TOP/build/asan
# Messages in Chinese, from the build tree's catalogs (the asan build reads the same ones), as
# the tests' assertions are written; test-i18n.sh also runs the programs in English (LANG=C).
export LC_ALL=C.UTF-8 LANGUAGE=zh_CN DUTYD_LOCALEDIR=$BIN/locale
export ASAN_OPTIONS=${ASAN_EXTRA:-}detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
_t_n=0 _t_failed=0
T_TMP=$(mktemp -d /tmp/dutyd-test.XXXXXX)
trap 'rm -rf "$T_TMP"' EXIT
# dutyctl's compiled configs (snapshot.h) in the test's own folder, never the user's ~/.cache:
# every second dutyctl on an unchanged config of a test reads its config back from there.
export DUTYD_CACHE_DIR=$T_TMP/cache

ok()   { _t_n=$((_t_n + 1)); echo "ok $_t_n - $*"; }
fail() { _t_n=$((_t_n + 1)); _t_failed=$((_t_failed + 1)); echo "not ok $_t_n - $*"; }
# check NAME COMMAND... : passes when the command succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
# check_eq NAME EXPECTED ACTUAL
check_eq() {
        if [ "$2" == "$3" ]; then ok "$1"; else
                fail "$1"; echo "# expected: $2"; echo "# actual:   $3"; fi
}
# wait_for SECONDS COMMAND... : poll (every 0.1 s) until the command succeeds.
wait_for() {
        local n=$(($1 * 10)); shift
        while ! "$@" 2>/dev/null; do n=$((n - 1)); [ $n -le 0 ] && return 1; sleep 0.1; done
}
# start_sink DIR [sink.py options…]: the local vendor sink (tests/integration/sink.py) on an
# ephemeral port, answering "ok" unless DIR/mode says otherwise. Sets SINK_PID and SINK_PORT.
# Without options it takes the credentials the tests' configs use (webhook secret hooksecret).
start_sink() {
        local dir=$1; shift
        mkdir -p "$dir"; [ -f "$dir/mode" ] || echo ok >"$dir/mode"
        [ $# -gt 0 ] || set -- --wecom-key k --dingtalk-token t --dingtalk-secret s \
                --feishu-token f --feishu-secret s --hook-secret hooksecret
        /usr/bin/python3 "$TOP/tests/integration/sink.py" --dir "$dir" "$@" >"$dir.out" 2>&1 &
        SINK_PID=$!
        wait_for 10 test -s "$dir/port" || return 1
        SINK_PORT=$(cat "$dir/port")
}
# The lines of FILE (a command's stderr) other than the warning that a year of the range has
# provisional holidays (no State Council notice yet), which depends on the real date; in
# Chinese or, from a container's programs in its locale, English.
stderr_but_holiday_warning() {
        grep -v -e '^警告：[0-9、]* 年节假日为暂定' -e '^warning: the holidays of [0-9, ]* are provisional' "$1"
}
# A khal configuration: the calendar folder $2 (read-only), dates as 2026-12-04 and times as
# 12:00 in Asia/Shanghai, its database $3; written to $1.
write_khal_conf() {
        cat >"$1" <<EOF
[calendars]
[[feed]]
path = $2
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
path = $3
EOF
}
t_done() { echo "1..$_t_n"; [ "$_t_failed" -eq 0 ]; }
