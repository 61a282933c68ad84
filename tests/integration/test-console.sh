#!/usr/bin/env bash
# The safety office's console (issue 15) end to end, over HTTP with curl: a clerk's link made,
# listed and revoked with dutyctl console-link; the overview and its filters; an occurrence
# recorded with a Chinese note, a PDF and a PNG (the files served back byte for byte, as
# sandboxed attachments); every refusal (csrf, Origin, type, size, count, date, person, note,
# met already) records nothing; markup in a note or a file name is shown escaped and a file name
# never becomes a path; a recording stops the daemon's reminders of that occurrence while
# another's still go out; a reload without the clerk makes the link 403; the CSV download.
# dutyd runs on an injected clock from Tue 2026-03-24 08:45, 30 times as fast: the reminders
# 7 days before 03-31 go out at 09:00 (about 30 s in), and the console's "today" stays 03-24.
. "$(dirname "$0")/../lib.sh"
D=$BIN/dutyd CTL=$BIN/dutyctl
[ -x "$ASAN_BIN/dutyd" ] && D=$ASAN_BIN/dutyd
[ -x "$ASAN_BIN/dutyctl" ] && CTL=$ASAN_BIN/dutyctl
T=$T_TMP
mkdir -p "$T/sink" "$T/state"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
export TZ=Asia/Shanghai

start_sink "$T/sink" || { fail "sink started"; t_done; exit 1; }
PIDS+=($SINK_PID)
printf '%s' hooksecret >"$T/hook.secret"
write_config() { # FILE [EXTRA PEOPLE LINE]
        cat >"$1" <<YAML
organization: {name: 测试镇}
holidays: $TOP/config/holidays-cn.yaml
state: $T/state
server: {listen: "127.0.0.1:0"}
posts:
  - {id: zz, name: 镇长}
  - {id: aj, name: 安监站长}
people:
  - {id: a, name: 张三, posts: [zz]}
  - {id: b, name: 李四, posts: [aj]}
$2
channels:
  - {id: hook, type: webhook, url: "http://127.0.0.1:$SINK_PORT/hook/x", secret: {file: $T/hook.secret}}
routes:
  - {channels: [hook]}
duties:
  - {id: m, post: zz, title: 安全生产工作会议, rule: 每月至少1次, from: 2026-01-01}
  - {id: q, post: aj, title: 安全生产检查, rule: 每季度至少1次, from: 2026-01-01}
YAML
}
CLERK='  - {id: w, name: 王文书}'
write_config "$T/dutyd.yaml" "$CLERK"
# dutyctl on the same day (its own clock, from 09:00: the console's "today" is 03-24 as well).
ctl() { DUTYD_CLOCK=2026-03-24T09:00 "$CTL" -c "$T/dutyd.yaml" "$@"; }
n_done() { ctl history 2>/dev/null | grep -c '有效'; }
n_files() { find "$T/state/evidence" -type f 2>/dev/null | wc -l; }

# Files of the test: a small real PDF, a 1x1 PNG, and the impostors.
/usr/bin/python3 - "$T" <<'PY'
import struct, sys, zlib
t = sys.argv[1]
pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
open(t + "/minutes.pdf", "wb").write(pdf)
open(t + "/other.pdf", "wb").write(pdf.replace(b"72 72", b"72 73"))
open(t + "/third.pdf", "wb").write(pdf.replace(b"72 72", b"72 74"))
open(t + "/fresh.pdf", "wb").write(pdf.replace(b"72 72", b"72 75"))
def chunk(k, d):
    return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xffffffff)
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
open(t + "/photo.png", "wb").write(png)
open(t + "/x.pdf", "wb").write(b"just some text, not a PDF at all\n" * 4)
open(t + "/fake.png", "wb").write(b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>\n")
open(t + "/big.pdf", "wb").write(pdf + b"\0" * (10 * 1024 * 1024 + 1 - len(pdf)))
PY

# dutyd, its address, a clerk's link.
DUTYD_CLOCK=2026-03-24T08:45:00x30 "$D" -c "$T/dutyd.yaml" >"$T/dutyd.log" 2>&1 &
DPID=$!; PIDS+=($DPID) STARTED=$SECONDS
check "dutyd started" wait_for 20 grep -q '订阅地址 127\.0\.0\.1:[0-9]' "$T/dutyd.log"
ADDR=$(grep -o '订阅地址 127\.0\.0\.1:[0-9]*' "$T/dutyd.log" | head -1 | cut -d' ' -f2)
URL=$(ctl console-link w 2>"$T/link.err"); rc=$?
check_eq "console-link: exit 0" 0 "$rc"
check "console-link prints the daemon's /console/ address" \
        grep -qE "^http://$ADDR/console/[a-z2-7]{32}/\$" <<<"$URL"
check "… and warns whose it is, and how to revoke it" grep -q "console-link --revoke w" "$T/link.err"
TOKEN=${URL%/}; TOKEN=${TOKEN##*/}
B=http://$ADDR/console
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
check_eq "the link works" 200 "$(code "$URL")"
check "--list shows the clerk's link, valid" grep -qE '王文书 .*有效' <<<"$(ctl console-link --list 2>&1)"
ctl console-link nobody >/dev/null 2>&1
check_eq "console-link of an unknown person: exit 1" 1 "$?"
curl -s -D "$T/h" -o /dev/null "$B/$TOKEN"
check_eq "the link without its slash: 303" 303 "$(code "$B/$TOKEN")"
check "… to the link with it" grep -qi "^location: $TOKEN/"$'\r' "$T/h"
check_eq "… which curl follows to the overview" "200 $URL" \
        "$(curl -sL -o /dev/null -w '%{http_code} %{url_effective}' "$B/$TOKEN")"

# The same 404 for an unknown, malformed or too long token and for traversal.
curl -s -D "$T/h404" -o "$T/404" "$B/abcdefghijklmnopqrstuvwxyz234567/"
check "an unknown token: 404" grep -q '^HTTP/1.1 404' "$T/h404"
four04() { # PATH: 404 with the unknown token's body
        local c; c=$(curl -s --path-as-is -o "$T/got" -w '%{http_code}' "$B/$1")
        [ "$c" == 404 ] && cmp -s "$T/404" "$T/got"
}
check "a malformed token: the same 404" four04 "ABC!defghijklmnopqrstuvwxyz23456/"
check "a too long token: the same 404" four04 "${TOKEN}x/"
check "a short token: the same 404" four04 "${TOKEN:0:31}/"
check "../ after the token: 404" four04 "$TOKEN/../$TOKEN/"
check "../ to the state: 404" four04 "$TOKEN/evidence/../../../state.db"
check "%2e%2e: 404" four04 "$TOKEN/evidence/%2e%2e/%2e%2e/state.db"
check "no page beyond the known ones: 404" four04 "$TOKEN/nothing"

# ---- the overview (03-24: m 2026-01 and 2026-02 overdue, m 2026-03 and q 2026-Q1 open) -----
ov() { curl -s "$URL${1:-}"; }
states() { grep -o 'data-occ="[^"]*" data-state="[^"]*"' | sed 's/data-occ="\([^"]*\)" data-state="\([^"]*\)"/\1=\2/' | tr '\n' ' '; }
check_eq "overview: overdue first, then by deadline" \
        "m:zz:2026-01:1=overdue m:zz:2026-02:1=overdue m:zz:2026-03:1=open q:aj:2026-Q1:1=open " \
        "$(ov | states)"
check_eq "post=aj: the quarterly one" "q:aj:2026-Q1:1=open " "$(ov '?post=aj' | states)"
check_eq "person=a: the monthly ones" 3 "$(ov '?person=a' | states | wc -w)"
check_eq "person=w (the clerk holds no post): none" "" "$(ov '?person=w' | states)"
check_eq "state=overdue" "m:zz:2026-01:1=overdue m:zz:2026-02:1=overdue " "$(ov '?state=overdue' | states)"
check_eq "post=zz&state=open: three (overdue ones are open)" 3 "$(ov '?post=zz&state=open' | states | wc -w)"
check_eq "state=done: none yet" "" "$(ov '?state=done' | states)"
check "the overview says 共 4 项" grep -q '共 4 项' <<<"$(ov)"
check_eq "an unknown post: 400" 400 "$(code "$URL?post=nope")"
check_eq "an unknown person: 400" 400 "$(code "$URL?person=nope")"
check_eq "an unknown state: 400" 400 "$(code "$URL?state=nope")"
curl -s -D "$T/hov" -o /dev/null "$URL"
check "the page's CSP: default-src 'none', no script-src" \
        bash -c "grep -qi \"^content-security-policy: default-src 'none'\" '$T/hov' && ! grep -qi 'script-src' '$T/hov'"
check "no-store, no Referer to other sites, frames denied" \
        bash -c "grep -qi '^cache-control: no-store' '$T/hov' && grep -qi '^referrer-policy: same-origin' '$T/hov' && grep -qi '^x-frame-options: DENY' '$T/hov'"

# ---- recording q (before its reminder at 09:00): a Chinese note, a PDF and a PNG ------------
Q=q:aj:2026-Q1:1
page=$(curl -s "$URL""occ/$Q")
CSRF=$(grep -o 'name="csrf" value="[0-9a-f]*"' <<<"$page" | grep -o '[0-9a-f]\{32\}')
check "the occurrence page: a record form with its csrf" test -n "$CSRF"
check "… and no history yet" grep -q '尚无记录' <<<"$page"
post() { # OCCURRENCE CURL-ARGS…: POST the form; prints the status
        local occ=$1; shift
        curl -s -o "$T/post.html" -D "$T/post.h" -w '%{http_code}' "$@" "$URL""occ/$occ"
}
code=$(post $Q -F "csrf=$CSRF" -F person=b -F date=2026-03-20 --form-string 'note=已检查，纪要第3号' \
        -F "evidence=@$T/minutes.pdf;filename=检查纪要.pdf" -F "evidence=@$T/photo.png;filename=现场.png")
check_eq "record with two files: 303" 303 "$code"
loc=$(grep -i '^location:' "$T/post.h" | tr -d '\r' | cut -d' ' -f2)
check "… to ./ID?recorded=N" grep -qE "^\./q:aj:2026-Q1:1\?recorded=[0-9]+\$" <<<"$loc"
ID=${loc##*=}
check "q was recorded before 09:00 of dutyd's clock (< 30 s in: $((SECONDS - STARTED)) s)" \
        test $((SECONDS - STARTED)) -lt 28
page=$(curl -s "$URL""occ/$Q?recorded=$ID")
check "the page says 已记录" grep -q "已记录（履职记录编号 $ID）" <<<"$page"
check "history: the note, by 李四" grep -q '2026-03-20 李四：已检查，纪要第3号' <<<"$page"
check "history: both files with their names" \
        bash -c "grep -q '>检查纪要.pdf</a>' <<<'$page' && grep -q '>现场.png</a>' <<<'$page'"
check "history: entered by the clerk" grep -q '王文书 经台账登记' <<<"$page"
hist=$(ctl history)
check "dutyctl history: the completion with its files, 经台账登记 by 王文书" \
        grep -qE "^$ID .*安全生产检查 .*李四 .*已检查，纪要第3号 .*检查纪要.pdf.*现场.png.*王文书 经台账登记" <<<"$hist"
SHA=$(sha256sum "$T/minutes.pdf" | cut -d' ' -f1)
check "the PDF is stored as state/evidence/<sha256>" cmp -s "$T/minutes.pdf" "$T/state/evidence/$SHA"
check_eq "two files stored" 2 "$(n_files)"
curl -s -D "$T/hev" -o "$T/got.pdf" "$URL""evidence/$SHA"
check "the evidence URL: the exact bytes" cmp -s "$T/minutes.pdf" "$T/got.pdf"
check "… as application/pdf" grep -qi '^content-type: application/pdf' "$T/hev"
check "… an attachment" grep -qi '^content-disposition: attachment' "$T/hev"
check "… sandboxed" grep -qi '^content-security-policy: sandbox' "$T/hev"
check "… never sniffed" grep -qi '^x-content-type-options: nosniff' "$T/hev"
ctl report --period 2026-Q1 --format csv -o "$T/q1.csv" --evidence-dir "$T/handover" 2>"$T/ho.err"
check "report --evidence-dir: the files handed over with the record, named DATE-NUMBER-NAME" \
        bash -c "cmp -s '$T/minutes.pdf' '$T/handover/2026-03-20-$ID-检查纪要.pdf' && cmp -s '$T/photo.png' '$T/handover/2026-03-20-$ID-现场.png'"
check "… and says how many" grep -q '2 个证明材料文件已复制到' "$T/ho.err"
ctl report --period 2026-Q1 --format csv -o "$T/q1.csv" --evidence-dir "$T/handover" 2>/dev/null
check_eq "… again: the same files are kept, exit 0" "0 2" "$? $(ls "$T/handover" | wc -l)"
check_eq "an unknown hash: 404" 404 "$(code "$URL""evidence/$(printf '%064d' 0)")"
check_eq "a malformed hash: 404" 404 "$(code "$URL""evidence/${SHA^^}")"
check "… the server's one 404" four04 "$TOKEN/evidence/$(printf '%064d' 0)"
check_eq "the overview shows q done" "q:aj:2026-Q1:1=done " "$(ov '?post=aj' | states)"

# ---- markup in a note and in file names (m 2026-01, recorded late, also before 09:00) ---------
X=m:zz:2026-01:1
/usr/bin/python3 - "$T" "$CSRF" <<'PY'
import sys
t, csrf = sys.argv[1], sys.argv[2].encode()
pdf = open(t + "/third.pdf", "rb").read()
parts = [("csrf", csrf), ("person", b"a"), ("date", b"2026-03-23"),
         ("note", b"<script>alert(1)</script>")]
b = b"".join(b'--XyZ\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (k.encode(), v)
             for k, v in parts)
# As a browser sends them: a quote as %22, the rest raw.
for name, data in [(b"%22><img src=x onerror=alert(1)>.pdf", pdf),
                   (b"../../etc/passwd", open(t + "/other.pdf", "rb").read())]:
    b += (b'--XyZ\r\nContent-Disposition: form-data; name="evidence"; filename="%s"\r\n'
          b"Content-Type: application/pdf\r\n\r\n%s\r\n" % (name, data))
open(t + "/xss.body", "wb").write(b + b"--XyZ--\r\n")
PY
check_eq "a note and names with markup: 303" 303 \
        "$(post $X -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary "@$T/xss.body")"
page=$(curl -s "$URL""occ/$X")
check "the note is escaped in the page" grep -q '：&lt;script&gt;alert(1)&lt;/script&gt;' <<<"$page"
check "the quoted name is cleaned: no markup left" \
        grep -q '>%22__img src=x onerror=alert(1)_.pdf</a>' <<<"$page"
check "the traversing name is its last component" grep -q '>passwd</a>' <<<"$page"
check "no <script or <img in the page" bash -c "! grep -qi '<script\|<img' <<<'$page'"
check "no <script or <img in the overview" bash -c "! grep -qi '<script\|<img' <<<'$(ov '?state=all')'"
hist=$(ctl history)
check "dutyctl history: the cleaned names" \
        bash -c "grep -F '%22__img src=x onerror=alert(1)_.pdf (a' <<<'$hist' | grep -q passwd"
check "no file outside state/evidence, each named by its hash" \
        bash -c "[ -z \"\$(find '$T' -name passwd -o -name '*onerror*')\" ] &&
                 ! find '$T/state/evidence' -type f | grep -vqE '/[0-9a-f]{64}\$'"
check_eq "four files stored" 4 "$(n_files)"

# ---- refusals: none of them records anything --------------------------------------------------
M=m:zz:2026-03:1
N0=$(n_done) F0=$(n_files)
ok_form=(-F "csrf=$CSRF" -F person=a -F date=2026-03-23)
check_eq "a wrong csrf: 403" 403 "$(post $M -F "csrf=${CSRF//?/0}" -F person=a -F date=2026-03-23 -F "evidence=@$T/fresh.pdf")"
check_eq "no csrf: 403" 403 "$(post $M -F person=a -F date=2026-03-23)"
check_eq "a foreign Origin: 403" 403 "$(post $M -H 'Origin: http://evil.example' "${ok_form[@]}" -F "evidence=@$T/fresh.pdf")"
check_eq "a text file named x.pdf, type application/pdf: 415" 415 \
        "$(post $M "${ok_form[@]}" -F "evidence=@$T/x.pdf;type=application/pdf")"
check_eq "HTML disguised as a .png: 415" 415 "$(post $M "${ok_form[@]}" -F "evidence=@$T/fake.png;type=image/png")"
check_eq "a file over 10 MiB: 413" 413 "$(post $M "${ok_form[@]}" -F "evidence=@$T/big.pdf")"
check_eq "… sent chunked (no Content-Length): 413" 413 \
        "$(post $M -H 'Transfer-Encoding: chunked' "${ok_form[@]}" -F "evidence=@$T/big.pdf")"
# A body announced over 24 MiB: 413 before any of it is sent.
big=$(/usr/bin/python3 - "$ADDR" "/console/$TOKEN/occ/$M" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=XyZ\r\n"
          b"Content-Length: %d\r\n\r\n" % (sys.argv[2].encode(), sys.argv[1].encode(), 25 << 20))
t = time.monotonic()
try:
    print(s.recv(64).split(b"\r\n")[0].decode(), "%.1f" % (time.monotonic() - t))
except socket.timeout:
    print("timeout")
PY
)
check "a body announced over 24 MiB: 413 at once, unread ($big)" grep -qE '^HTTP/1.1 413 .* 0\.[0-9]$' <<<"$big"
six=()
for i in 1 2 3 4 5 6; do six+=(-F "evidence=@$T/fresh.pdf;filename=p$i.pdf"); done
check_eq "6 files: 400" 400 "$(post $M "${ok_form[@]}" "${six[@]}")"
check_eq "a date in the future: 400" 400 "$(post $M -F "csrf=$CSRF" -F person=a -F date=2026-03-25)"
check_eq "a date before the period: 400" 400 "$(post $M -F "csrf=$CSRF" -F person=a -F date=2026-02-28)"
check_eq "no date: 400" 400 "$(post $M -F "csrf=$CSRF" -F person=a)"
check_eq "a person not on the post: 400" 400 "$(post $M -F "csrf=$CSRF" -F person=b -F date=2026-03-23)"
check_eq "the clerk (no post) as the doer: 400" 400 "$(post $M -F "csrf=$CSRF" -F person=w -F date=2026-03-23)"
long=$(printf '测%.0s' $(seq 667)) # 2001 bytes
check_eq "a note over 2000 bytes: 400" 400 "$(post $M "${ok_form[@]}" --form-string "note=$long")"
check_eq "invalid UTF-8 in the note: 400" 400 "$(post $M "${ok_form[@]}" --form-string "note=$(printf 'ok\xff\xfe')")"
check_eq "an occurrence met already: 409" 409 "$(post $Q -F "csrf=$CSRF" -F person=b -F date=2026-03-21 -F "evidence=@$T/fresh.pdf")"
check_eq "GET with the form's fields: 200" 200 \
        "$(code "$URL""occ/$M?csrf=$CSRF&person=a&date=2026-03-23&note=x")"
check_eq "a POST to the overview: 405" 405 "$(code -X POST -F "csrf=$CSRF" "$URL")"
check_eq "nothing recorded by any of them" "$N0 $F0" "$(n_done) $(n_files)"
check_eq "m 2026-03 still open" "m:zz:2026-03:1=open" "$(ov '?post=zz' | states | tr ' ' '\n' | grep 2026-03)"

# ---- the daemon stops reminding: q was recorded before 09:00 -----------------------------------
# At 09:00 of 03-24 the 7-days-before reminders of 03-31 are due, m 2026-03's and q 2026-Q1's
# (the overdue ones were due before dutyd first ran: never reminded, planner.h).
check "m 2026-03's reminder reaches the sink at 09:00" \
        wait_for 90 grep -q 'm:zz:2026-03:1' "$T/sink/log.jsonl"
sleep 2
check "no reminder of q 2026-Q1, recorded in the console" \
        bash -c "! grep -q 'q:aj:2026-Q1:1' '$T/sink/log.jsonl'"
check_eq "dutyd queued nothing for q" "" \
        "$(sqlite3 "$T/state/state.db" "SELECT occurrence FROM outbox_items WHERE occurrence = '$Q'" 2>&1)"

# ---- the year's record as CSV ----------------------------------------------------------------
curl -s -D "$T/hcsv" -o "$T/r.csv" "$URL""report.csv?year=2026"
check "CSV: starts with the UTF-8 BOM" bash -c "head -c 3 '$T/r.csv' | cmp -s - <(printf '\xef\xbb\xbf')"
check "CSV: an attachment, text/csv" \
        bash -c "grep -qi '^content-type: text/csv' '$T/hcsv' && grep -qi '^content-disposition: attachment' '$T/hcsv'"
check "CSV: q, 1 of 4 done on time, 3 not due" grep -q '^q,安全生产检查,aj,安监站长,b,李四,4,1,0,0,3' "$T/r.csv"
check "CSV: m, 1 of 12 done late, 1 missed, 10 not due" grep -q '^m,安全生产工作会议,zz,镇长,a,张三,12,0,1,1,10' "$T/r.csv"
check_eq "a bad year: 400" 400 "$(code "$URL""report.csv?year=20x6")"
check_eq "a year out of range: 400" 400 "$(code "$URL""report.csv?year=1999")"

# ---- revoking, and a reload without the clerk ----------------------------------------------------
URL2=$(ctl console-link w 2>/dev/null)
check_eq "a second link works" 200 "$(code "$URL2")"
out=$(ctl console-link --revoke w 2>&1)
check "--revoke ends both" grep -q '2' <<<"$out"
curl -s -o "$T/got" -D "$T/hrev" "$URL"
check "a revoked link: the one 404, byte for byte" \
        bash -c "grep -q '^HTTP/1.1 404' '$T/hrev' && cmp -s '$T/404' '$T/got'"
check "--list shows them revoked" test "$(ctl console-link --list 2>&1 | grep -cE '王文书 .*已停用 2026-03-24')" -eq 2 <<<"$(ctl console-link --list 2>&1)"
URL3=$(ctl console-link w 2>/dev/null)
check_eq "a new link after the revocation works" 200 "$(code "$URL3")"
write_config "$T/dutyd.yaml" ""
: >"$T/dutyd.log.mark"
kill -HUP $DPID
check "the clerk's link answers 403 once the config without them is read" \
        wait_for 20 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' '$URL3')\" == 403 ]"
check "the 403 page says why" grep -q '此链接对应的人员已不在配置中' <<<"$(curl -s "$URL3")"
check_eq "an unknown token is still 404" 404 "$(code "$B/abcdefghijklmnopqrstuvwxyz234567/")"
kill -TERM $DPID; wait $DPID
check_eq "dutyd: exit 0" 0 "$?"
check "no sanitizer report" bash -c "! grep -q 'Sanitizer' '$T/dutyd.log'"
check "the log names the clerk, never the token" \
        bash -c "grep -q 'w' '$T/dutyd.log' && ! grep -q '$TOKEN' '$T/dutyd.log'"
t_done
