#!/usr/bin/env bash
# The console's downloads are made off the daemon's loop (edge/export.h): `dutyctl report` runs
# in a child process while the request waits. dutyd is copied into a folder of the test beside
# a stand-in `dutyctl` that records its arguments and waits for a file of the test before it
# writes its output, so the wait is the test's to end: meanwhile /healthz and the console's
# pages must answer; then the download arrives with the stand-in's bytes, and its temporary
# file is gone. A stand-in that fails gives a 500 page; one the client leaves is not waited
# for by anything. Then the real dutyctl beside the real dutyd gives a real workbook and CSV.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
mkdir -p "$T/bin" "$T/state" "$T/tmp"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export TZ=Asia/Shanghai DUTYD_CLOCK=2026-03-24T10:00:00 TMPDIR=$T/tmp
cat >"$T/dutyd.yaml" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
server: {listen: "127.0.0.1:0"}
posts: [{id: zz, name: 镇长}]
people: [{id: a, name: 张三, posts: [zz]}, {id: w, name: 王文书}]
duties: [{id: m, post: zz, title: 安全生产工作会议, rule: 每月至少1次}]
YAML
cp "$D" "$T/bin/dutyd"
cat >"$T/bin/dutyctl" <<STANDIN
#!/bin/sh
# The stand-in: its arguments, then the test's go (or fail), then the output file.
echo "\$*" >>"$T/args"
while [ ! -e "$T/go" ] && [ ! -e "$T/fail" ]; do sleep 0.05; done
[ -e "$T/fail" ] && { echo "stand-in: failing as told" >&2; exit 1; }
shift \$((\$# - 1)); printf 'made by the stand-in\n' >"\$1"
STANDIN
chmod +x "$T/bin/dutyctl"

start() { # DUTYD
        "$1" -c "$T/dutyd.yaml" >"$T/dutyd.log" 2>&1 &
        DPID=$!; PIDS+=($DPID)
        wait_for 20 grep -q '订阅地址 127\.0\.0\.1:[0-9]' "$T/dutyd.log" || return 1
        ADDR=$(grep -o '订阅地址 127\.0\.0\.1:[0-9]*' "$T/dutyd.log" | head -1 | cut -d' ' -f2)
        URL=$("$CTL" -c "$T/dutyd.yaml" console-link w 2>/dev/null)
        URL=${URL/127.0.0.1:0/$ADDR}
}
check "dutyd (a copy beside the stand-in) started" start "$T/bin/dutyd"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

curl -s -D "$T/h1" -o "$T/got1" "${URL}report.xlsx?year=2026" &
CURL=$!
check "the stand-in runs, asked for the year's workbook" \
        wait_for 10 grep -q -- "-c $T/dutyd.yaml report --year 2026 --format xlsx --output $T/tmp/dutyd-export-" "$T/args"
check "… its output file is in TMPDIR" bash -c "ls '$T/tmp' | grep -q '^dutyd-export-'"
check_eq "while it waits, /healthz answers" 200 "$(code --max-time 5 "http://$ADDR/healthz")"
check_eq "… and the console's overview" 200 "$(code --max-time 5 "$URL")"
check "… the download is still waiting" kill -0 $CURL
touch "$T/go"
wait $CURL
check "then the download: 200" grep -q '^HTTP/1.1 200' "$T/h1"
check "… an xlsx attachment" grep -qi '^content-disposition: attachment; filename="dutyd-record-2026.xlsx"' "$T/h1"
check_eq "… with the child's bytes" "made by the stand-in" "$(cat "$T/got1")"
check_eq "… and its temporary file removed" "" "$(ls "$T/tmp")"
rm -f "$T/go"

curl -s -o /dev/null -w '%{http_code}' "${URL}report.csv?year=2026" >"$T/code2" &
CURL=$!
check "the CSV: the stand-in asked for the year as a period" \
        wait_for 10 grep -q -- "report --period 2026 --format csv" "$T/args"
touch "$T/fail"
wait $CURL
check_eq "a stand-in that fails: 500" 500 "$(cat "$T/code2")"
check "… its message in the daemon's log" grep -q 'stand-in: failing as told' "$T/dutyd.log"
check_eq "… no temporary file left" "" "$(ls "$T/tmp")"
rm -f "$T/fail"

curl -s --max-time 1 -o /dev/null "${URL}report.xlsx?year=2025"
check "a client that leaves: the child goes on" wait_for 10 grep -q -- "--year 2025" "$T/args"
touch "$T/go"
check "… and its file is removed when it ends" wait_for 10 bash -c "[ -z \"\$(ls '$T/tmp')\" ]"
check_eq "the daemon still serves" 200 "$(code --max-time 5 "$URL")"
check_eq "a bad year: 400, nothing started" "400 3" \
        "$(code "${URL}report.xlsx?year=1999") $(wc -l <"$T/args")"
kill $DPID; wait $DPID 2>/dev/null
check "dutyd stopped cleanly" bash -c "! grep -q 'ERROR: AddressSanitizer' '$T/dutyd.log'"

# The real dutyctl beside the real dutyd.
check "the real dutyd started" start "$D"
fetch() { curl -s -o "$1" -w '%{http_code}' "$2"; }
check_eq "the real workbook: 200" 200 "$(fetch "$T/real.xlsx" "${URL}report.xlsx?year=2026")"
check "… a zip (xlsx) file" bash -c "head -c 2 '$T/real.xlsx' | grep -q PK"
check_eq "the real CSV: 200, with the byte-order mark" "200 efbbbf" \
        "$(fetch "$T/real.csv" "${URL}report.csv?year=2026") $(head -c 3 "$T/real.csv" | od -An -tx1 | tr -d ' \n')"
check "… and the duty's row" grep -q '安全生产工作会议' "$T/real.csv"
t_done
