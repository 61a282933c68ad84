#!/usr/bin/env bash
# The clerks' console (issue 15) in a real browser: headless Chromium driven by puppeteer-core
# (tests/browser/console.cjs, pinned by tests/browser/package-lock.json, installed by
# `make browser-deps`). dutyd runs on a free port of 127.0.0.1 on an injected clock (Monday
# 2026-11-16 08:00, 3600 times as fast: a working day's 09:00 every 24 s) with two overdue
# checkpoints reminded each working day to a local webhook sink. The browser opens the link of
# `dutyctl console-link` at phone and desktop sizes (screenshots in build/test-artifacts/), opens
# one overdue occurrence, records it with a Chinese note and a PDF, and downloads the xlsx
# report; then dutyctl history shows the completion with its file, the report's cells hold the
# note and the person, and the next working day's 09:00 reminds the other checkpoint only.
# Skipped only when Chromium is absent and DUTYD_REQUIRE_BROWSER is unset (CI sets it).
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
        if [ -z "${DUTYD_REQUIRE_BROWSER:-}" ]; then
                ok "# SKIP $CHROMIUM is missing (apt-get install chromium, or make deps)"
                t_done; exit 0
        fi
        fail "$CHROMIUM is installed (DUTYD_REQUIRE_BROWSER is set; make deps)"; t_done; exit 1
fi
command -v node >/dev/null || { fail "node is installed (make deps)"; t_done; exit 1; }
# puppeteer-core from the lock file, unless already there (a no-op then).
if ! make -s --no-print-directory -C "$TOP" browser-deps >"$T_TMP/npm.log" 2>&1 ||
        [ ! -d "$TOP/tests/browser/node_modules/puppeteer-core" ]; then
        fail "puppeteer-core is installed (make browser-deps)"; sed 's/^/# /' "$T_TMP/npm.log"
        t_done; exit 1
fi
T=$T_TMP
ART=$TOP/build/test-artifacts
mkdir -p "$T/sink" "$T/state" "$T/downloads" "$ART"
rm -f "$ART"/console-phone-*.png "$ART"/console-desktop-*.png
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

start_sink "$T/sink" || { fail "sink started"; t_done; exit 1; }
PIDS+=($SINK_PID)
printf '%s' hooksecret >"$T/hook.secret"
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Two checkpoints overdue since 2026-11-02 (October's, 10-31 a Saturday), each reminded every
# working day at 09:00; a quarter's, open. The clerk 钱八 records for the leaders.
cat >"$T/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
server: {listen: "127.0.0.1:$PORT"}
posts:
  - {id: aj, name: 安监站长}
  - {id: zz, name: 镇长}
  - {id: ab, name: 安办干事}
people:
  - {id: wang, name: 王五, posts: [aj]}
  - {id: li, name: 李四, posts: [zz]}
  - {id: qian, name: 钱八, posts: [ab]}
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$SINK_PORT/hook/x", secret: {file: $T/hook.secret}}
routes:
  - {channels: [hook]}
duties:
  - {id: pc, post: aj, title: 隐患排查, rule: 每月至少1次, from: 2026-10-01, until: 2026-10-31}
  - {id: hy, post: zz, title: 安全生产工作会议, rule: 每月至少1次, from: 2026-10-01, until: 2026-10-31}
  - {id: dc, post: zz, title: 督导检查, rule: 每季度至少1次, from: 2026-10-01}
YAML
OCC=pc:aj:2026-10:1 OTHER=hy:zz:2026-10:1
NOTE='已完成10月隐患排查，整改3处（“消防通道”）'
PDF=$T/隐患排查记录.pdf
# A minimal valid PDF (one page saying so), its cross-reference offsets counted.
/usr/bin/python3 - "$PDF" <<'PY'
import sys
objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
text = b"BT /F1 12 Tf 20 50 Td (dutyd evidence) Tj ET"
objs[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text)
out, offsets = bytearray(b"%PDF-1.4\n"), []
for i, o in enumerate(objs, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n%s\nendobj\n" % (i, o)
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
open(sys.argv[1], "wb").write(bytes(out))
PY

# dutyd has kept this schedule since 2026-10-01 (it reminds nothing due before its first start).
DUTYD_CLOCK=2026-10-01T12:00 "$D" -c "$T/dutyd.yaml" >"$T/dutyd-0.log" 2>&1 &
DPID=$!
wait_for 20 grep -q "订阅地址 127.0.0.1:$PORT" "$T/dutyd-0.log"
kill -TERM $DPID; wait $DPID
check_eq "dutyd first started on 2026-10-01" 0 "$?"
DUTYD_CLOCK=2026-11-16T08:00x3600 "$D" -c "$T/dutyd.yaml" >"$T/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID)
check "dutyd listens on 127.0.0.1:$PORT" wait_for 20 grep -q "订阅地址 127.0.0.1:$PORT" "$T/dutyd.log"
# The sink's messages naming OCCURRENCE among their items, from line FROM of its log on.
reminded() { # OCCURRENCE [FROM]
        /usr/bin/python3 -c 'import json, sys
n = 0
for i, l in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    if i >= int(sys.argv[3]) and sys.argv[2] in (json.loads(l).get("items") or []):
        n += 1
print(n)' "$T/sink/log.jsonl" "$1" "${2:-1}" 2>/dev/null || echo 0
}
was_reminded() { [ "$(reminded "$@")" -gt 0 ]; }
# At start, the catch-up digest of what fell due while dutyd was stopped; then Monday's 09:00.
reminded_twice() { [ "$(reminded "$1")" -ge 2 ]; }
check "the overdue $OCC is reminded (catch-up, then Monday 09:00)" wait_for 15 reminded_twice "$OCC"

URL=$("$CTL" -c "$T/dutyd.yaml" console-link qian 2>"$T/link.err")
check "console-link prints the console's address" \
        grep -qE "^http://127\.0\.0\.1:$PORT/console/[^/]+/\$" <<<"$URL"
sed 's/^/# /' "$T/link.err"

# The browser (its own TAP lines, counted here).
[ "$(id -u)" = 0 ] && export NO_SANDBOX=1
start=$SECONDS
while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) fail "${line#not ok - }" ;;
        *) echo "$line" ;;
        esac
done < <(CONSOLE_URL=$URL OCC=$OCC OTHER_OCC=$OTHER PERSON=wang PERSON_NAME=王五 NOTE=$NOTE \
        DATE=2026-11-16 EVIDENCE=$PDF ARTIFACTS=$ART DOWNLOADS=$T/downloads CHROMIUM=$CHROMIUM \
        NODE_PATH= node "$TOP/tests/browser/console.cjs" 2>"$T/browser.err")
echo "# the browser's part took $((SECONDS - start)) s"
grep -v '^$' "$T/browser.err" | grep -v 'unexpected operator' | head -20 | sed 's/^/# stderr: /'
check "screenshots at both sizes in build/test-artifacts/" \
        bash -c "ls '$ART'/console-phone-*.png '$ART'/console-desktop-*.png >/dev/null"

# The record, as dutyctl sees it: the person, the note and the file.
hist=$(DUTYD_CLOCK=2026-11-20 "$CTL" -c "$T/dutyd.yaml" history 2>&1)
row=$(grep 隐患排查 <<<"$hist")
check "dutyctl history: the completion with its note" grep -qF "$NOTE" <<<"$row"
check "dutyctl history: … its person" grep -q 王五 <<<"$row"
check "dutyctl history: … and its evidence file" grep -qF "$(basename "$PDF")" <<<"$row"
[ -n "$row" ] || sed 's/^/# /' <<<"$hist"

# The downloaded report: the note and the person in its cells.
XLSX=$(find "$T/downloads" -name '*.xlsx' | head -1)
# Its rows, one a line, the cells' values separated by tabs.
cells=$(/usr/bin/python3 -c 'import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
for ws in wb.worksheets:
    for r in ws.iter_rows(values_only=True):
        print("\t".join("" if v is None else str(v) for v in r))' "$XLSX" 2>&1)
check "the xlsx report opens with openpyxl" test -n "$XLSX" -a -n "$cells"
row=$(grep -P "(^|\t)\Q$NOTE\E(\t|$)" <<<"$cells")
check "the report has a cell that is the Chinese note" test -n "$row"
check "… in the completion's row with the person (王五)" grep -qP '(^|\t)王五(\t|$)' <<<"$row"
[ -n "$row" ] || sed 's/^/# /' <<<"$cells" | head -30

# No reminder of the recorded occurrence after it: the next working day's 09:00 reminds the
# other one only. Messages queued before the completion may still be landing for a second.
sleep 1
from=$(($(wc -l <"$T/sink/log.jsonl") + 1))
check "the next working day's 09:00 reminds $OTHER" wait_for 60 was_reminded "$OTHER" "$from"
sleep 1
check_eq "… and $OCC no more" 0 "$(reminded "$OCC" "$from")"
check "every message delivered, signature good" bash -c "! grep -q '\"ok\": false' '$T/sink/log.jsonl'"
kill -TERM $DPID; wait $DPID
check_eq "dutyd stopped cleanly" 0 "$?"
t_done
