#!/usr/bin/env bash
# Golden-file config tests (OpenBSD bgpd style): every tests/config/bad/*.yaml (and bad/dropin)
# must be rejected with exactly the diagnostics in its .ok file and exit status 78; the good
# drop-in folder must merge into exactly good/dropin.ok.  UPDATE=1 rewrites the .ok files.
. "$(dirname "$0")/../lib.sh"
cd "$TOP/tests/config"
CTL=$ASAN_BIN/dutyctl
[ -x "$CTL" ] || CTL=$BIN/dutyctl
export DUTYD_CLOCK=2026-03-01
# Never the machine's state (an installed dutyd's /var/lib/dutyd): an empty one of our own.
export STATE_DIRECTORY=$T_TMP/state

golden() { # name dir file okfile verb...
        local name=$1 dir=$2 file=$3 ok=$4; shift 4
        local out rc
        out=$(cd "$dir" && "$CTL" -c "$file" "$@" 2>&1); rc=$?
        GOLDEN_RC=$rc
        out="$out"$'\n'"exit=$rc"
        if [ "${UPDATE:-}" = 1 ]; then printf '%s\n' "$out" >"$ok"; fi
        if diff -u "$ok" <(printf '%s\n' "$out") >"$T_TMP/diff"; then ok "$name"; else
                fail "$name"; sed 's/^/# /' "$T_TMP/diff"; fi
}

for f in bad/*.yaml; do
        golden "rejects $(basename "$f")" bad "$(basename "$f")" "${f%.yaml}.ok" check
        check_eq "$(basename "$f") exits 78" 78 "$GOLDEN_RC"
done
golden "drop-in error and cross-file duplicate" bad/dropin dutyd.yaml bad/dropin.ok check
golden "drop-ins merge in name order (summary)" good/dropin dutyd.yaml good/dropin-check.ok check
golden "drop-ins merge in name order (schedule)" good/dropin dutyd.yaml good/dropin.ok \
        upcoming --json --from 2026-01-01 --to 2026-12-31
golden "the aligned upcoming table (streamed in two passes)" good/dropin dutyd.yaml \
        good/dropin-table.ok upcoming --from 2026-01-01 --to 2026-06-30

# A range that uses a year without the State Council's notice (issue 13): upcoming warns.
(cd good/dropin && "$CTL" -c dutyd.yaml upcoming --from 2027-01-01 --to 2027-03-31 >/dev/null \
        2>"$T_TMP/o")
check "upcoming warns when its range uses a provisional year" \
        grep -q '^警告：2027 年节假日为暂定（尚无国务院放假通知' "$T_TMP/o"

# Shipped configs all pass.
for f in "$TOP"/config/dutyd.yaml "$TOP"/config/examples/*.yaml; do
        check "$(basename "$f") passes check" "$CTL" -c "$f" check >/dev/null 2>&1
done
# A missing file is a configuration error too.
"$CTL" -c /nonexistent/dutyd.yaml check >"$T_TMP/o" 2>&1; rc=$?
check_eq "missing config exits 78" 78 "$rc"
check "missing config names the file" grep -q '^/nonexistent/dutyd.yaml: 无法打开' "$T_TMP/o"
# Files that are not regular files, and drop-in folders that cannot be read, are errors (a
# FIFO would block the loader forever; an unreadable conf.d used to be "no drop-ins").
mkfifo "$T_TMP/fifo.yaml"
timeout 10 "$CTL" -c "$T_TMP/fifo.yaml" check >"$T_TMP/o" 2>&1; rc=$?
check_eq "a FIFO as the config: exit 78 at once" 78 "$rc"
check "… 'not a regular file'" grep -q "fifo.yaml: 不是普通文件" "$T_TMP/o"
mkdir -p "$T_TMP/loop" && cp good/dropin/dutyd.yaml "$T_TMP/loop/" && ln -s conf.d "$T_TMP/loop/conf.d"
sed -i "s|^holidays:.*|holidays: $TOP/config/holidays-cn.yaml|" "$T_TMP/loop/dutyd.yaml"
# (In English: the cause is strerror's, which LANGUAGE=zh_CN would give in Chinese.)
env -u LANGUAGE "$CTL" -c "$T_TMP/loop/dutyd.yaml" check >"$T_TMP/o" 2>&1; rc=$?
check_eq "a looping conf.d: exit 78" 78 "$rc"
check "… names the folder and the cause" grep -q "loop/conf.d: cannot read the drop-in folder: Too many levels of symbolic links" "$T_TMP/o"
# $DUTYD_CONFIG is the fallback of -c.
DUTYD_CONFIG="$TOP/config/dutyd.yaml" "$CTL" check >/dev/null 2>&1
check_eq "DUTYD_CONFIG is used" 0 "$?"
t_done
