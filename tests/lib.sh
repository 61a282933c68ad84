# Shared helpers for shell tests: TAP output and assertions.  Source it, then call t_done.
set -u
TOP=${DUTYD_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
BIN=${DUTYD_BIN:-$TOP/build}
ASAN_BIN=$TOP/build/asan
export LC_ALL=C.UTF-8
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
_t_n=0 _t_failed=0
T_TMP=$(mktemp -d /tmp/dutyd-test.XXXXXX)
trap 'rm -rf "$T_TMP"' EXIT

ok()   { _t_n=$((_t_n + 1)); echo "ok $_t_n - $*"; }
fail() { _t_n=$((_t_n + 1)); _t_failed=$((_t_failed + 1)); echo "not ok $_t_n - $*"; }
# check NAME COMMAND... : passes when the command succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
# check_eq NAME EXPECTED ACTUAL
check_eq() {
        if [ "$2" == "$3" ]; then ok "$1"; else
                fail "$1"; echo "# expected: $2"; echo "# actual:   $3"; fi
}
t_done() { echo "1..$_t_n"; [ "$_t_failed" -eq 0 ]; }
