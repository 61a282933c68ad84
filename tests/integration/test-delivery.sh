#!/usr/bin/env bash
# Delivery end to end against real local servers: sink.py (WeCom/DingTalk/Feishu/webhook, checks
# bodies and signatures as each vendor documents them) and smtpd.py (aiosmtpd, STARTTLS + AUTH).
# The driver (delivery-driver.c, built here) queues through outbox_queue() and sends with the real
# sender (curl multi on sd-event). Time runs faster where backoff or rate windows matter
# (DUTYD_CLOCK anchored at the test's start, so every process shares one faster timeline); no real sleeps of minutes.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
HERE=$TOP/tests/integration
DRV=$T_TMP/driver
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T_TMP"; }
trap cleanup EXIT

# The driver links the daemon's library of the plain build (`make test` builds it first).
INCS=$(printf -- "-I$TOP/daemon/%s " core config state feeds edge)
if ! cc -std=gnu17 -D_GNU_SOURCE $INCS $(pkg-config --cflags libcurl libsystemd sqlite3 jansson libical) \
        -o "$DRV" "$HERE/delivery-driver.c" "$TOP/build/libdutyd.a" \
        $(pkg-config --libs yaml-0.1 libical libcurl libsystemd sqlite3 libmicrohttpd jansson libcrypto lunar-date-3.0 glib-2.0) -lm; then
        fail "build driver"; t_done; exit 1
fi

SINK_ARGS=(--wecom-key WK-123 --dingtalk-token DT-456 --dingtalk-secret SECdingtalk --feishu-token FT-789
           --feishu-secret feishusecret --hook-secret hooksecret)
start_sink() { # DIR [PORT]
        rm -f "$1/port"
        $PY "$HERE/sink.py" --dir "$1" ${2:+--port "$2"} "${SINK_ARGS[@]}" &
        sink_pid=$!; pids+=("$sink_pid")
        for _ in $(seq 100); do [ -s "$1/port" ] && break; sleep 0.05; done
        port=$(cat "$1/port")
}
spec() { # CASE-DIR PORT [extra channel JSON]
        cat >"$1/spec.json" <<JSON
{"state":"$1/state","org":"大栗港镇","timezone":"Asia/Shanghai","channels":[
 {"id":"wc","type":"wecom","url":"http://127.0.0.1:$2/wecom","key":"WK-123"},
 {"id":"dt","type":"dingtalk","url":"http://127.0.0.1:$2/dingtalk","key":"DT-456","secret":"SECdingtalk"},
 {"id":"fs","type":"feishu","url":"http://127.0.0.1:$2/feishu/","key":"FT-789","secret":"feishusecret"},
 {"id":"hk","type":"webhook","url":"http://127.0.0.1:$2/hook","secret":"hooksecret"},
 {"id":"hang","type":"webhook","url":"http://127.0.0.1:$2/hang","secret":"hooksecret","timeout":1}${3:+,$3}]}
JSON
}
# count_ids LOG: "requests distinct"
count_ids() { $PY - "$1" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])] if __import__("os").path.exists(sys.argv[1]) else []
print(len(recs), len({r["id"] for r in recs}))
PY
}
states() { "$DRV" "$1/spec.json" list | awk '{print $2}' | sort | uniq -c | awk '{printf "%s=%s ", $2, $1}'; }

# 1. Every vendor, all delivered once, bodies and signatures as documented.
C=$T_TMP/c1; mkdir -p "$C"; start_sink "$C"; spec "$C" "$port"
for ch in wc dt fs hk; do "$DRV" "$C/spec.json" enqueue $ch 3 >/dev/null; done
"$DRV" "$C/spec.json" group dt 4 13800001111 >/dev/null
"$DRV" "$C/spec.json" group wc 40 13800001111 >/dev/null   # over 2048 bytes: split
"$DRV" "$C/spec.json" enqueue hk 3 >/dev/null               # the same reminders again: ignored
out=$("$DRV" "$C/spec.json" run 20)
read -r req ids < <(count_ids "$C/log.jsonl")
total=$("$DRV" "$C/spec.json" list | wc -l)
check_eq "all vendors: every message sent" "sent=$total " "$(states "$C")"
check_eq "all vendors: each delivery id received exactly once" "$total $total" "$req $ids"
check "all vendors: every body and signature checks out" test "$(grep -c '"ok": false' "$C/log.jsonl")" = 0
check "dingtalk: @mobile in the text and in at.atMobiles" grep -q '@13800001111' "$C/log.jsonl"
check "wecom: a group over 2048 bytes split into several messages" \
        test "$(grep -c '"path": "/wecom"' "$C/log.jsonl")" -ge 4
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null

# 2. Receiver down for a while, then back: all delivered, none twice.
C=$T_TMP/c2; mkdir -p "$C"; start_sink "$C"; spec "$C" "$port"; kill "$sink_pid"; wait "$sink_pid" 2>/dev/null
for ch in hk wc fs; do "$DRV" "$C/spec.json" enqueue $ch 4 >/dev/null; done
export DUTYD_CLOCK="@$(date +%s)x120"   # 30 s backoff = 0.25 s
"$DRV" "$C/spec.json" run 30 >"$C/run.out" & drv=$!
sleep 1.5
start_sink "$C" "$port"
wait "$drv"; rc=$?
unset DUTYD_CLOCK
read -r req ids < <(count_ids "$C/log.jsonl")
check_eq "down then back: drained" 0 "$rc"
check_eq "down then back: all 12 sent" "sent=12 " "$(states "$C")"
check_eq "down then back: none received twice" "12 12" "$req $ids"
check "down then back: retried with backoff" test "$("$DRV" "$C/spec.json" list | awk '$3 > 1' | wc -l)" -gt 0
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null

# 3. kill -9 of the sender mid-batch, restart: everything delivered; duplicates keep their id.
C=$T_TMP/c3; mkdir -p "$C"; start_sink "$C"; spec "$C" "$port"; echo slow >"$C/mode"
"$DRV" "$C/spec.json" enqueue hk 200 >/dev/null
"$DRV" "$C/spec.json" run 60 >/dev/null & drv=$!
sleep 0.6; kill -9 "$drv"; wait "$drv" 2>/dev/null
mid=$(states "$C")
echo ok >"$C/mode"
"$DRV" "$C/spec.json" run 30 >/dev/null; rc=$?
read -r req ids < <(count_ids "$C/log.jsonl")
check "kill -9: killed while messages were in flight ($mid)" grep -q sending <<<"$mid"
check_eq "kill -9: after restart all 200 sent" "sent=200 " "$(states "$C")"
check_eq "kill -9: all 200 delivery ids received" 200 "$ids"
same=$($PY - "$C/log.jsonl" <<'PY'
import json, sys
by = {}
for l in open(sys.argv[1]):
    r = json.loads(l); by.setdefault(r["id"], set()).add(tuple(r["items"]))
print(all(len(v) == 1 for v in by.values()))
PY
)
check_eq "kill -9: any duplicate carries the same delivery id and content ($req requests)" True "$same"
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null

# 3b. Group commit keeps at-least-once. The sender records outcomes in batches, some time after
# the answers came; a crash in between must send those messages again, never drop them. Made
# deterministic: the receiver takes the state database's write lock before it answers, so the
# commit that would record the answer cannot happen; the sender reports that it could not write
# (it has the answer by then), and is killed -9 in that state.
C=$T_TMP/c3b; mkdir -p "$C"
$PY - "$C" <<'PY' & hold_pid=$!; pids+=("$hold_pid")
import os, signal, sqlite3, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
d = sys.argv[1]
lock = None
def release(*_):
    global lock
    if lock:
        lock.rollback(); lock.close(); lock = None
    open(os.path.join(d, "released"), "w").close()
signal.signal(signal.SIGUSR1, release)
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        global lock
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(os.path.join(d, "ids"), "a") as f:
            f.write(self.headers.get("X-Dutyd-Delivery-Id", "") + "\n")
        if not os.path.exists(os.path.join(d, "released")) and lock is None:
            lock = sqlite3.connect(os.path.join(d, "state", "state.db"), isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"{}")
srv = HTTPServer(("127.0.0.1", 0), H)
open(os.path.join(d, "port"), "w").write(str(srv.server_address[1]))
srv.serve_forever()
PY
wait_for 10 test -s "$C/port"; spec "$C" "$(cat "$C/port")"
"$DRV" "$C/spec.json" enqueue hk 1 >/dev/null
id=$("$DRV" "$C/spec.json" list | awk '{print $1}')
"$DRV" "$C/spec.json" run 30 >/dev/null 2>"$C/run.err" & drv=$!
check "at-least-once: answered, then the sender could not commit its record" \
        wait_for 20 grep -q 发件箱写入失败 "$C/run.err"
kill -9 "$drv"; wait "$drv" 2>/dev/null
kill -USR1 "$hold_pid"; wait_for 10 test -e "$C/released"
check_eq "at-least-once: killed after the answer, before the commit: still sending" \
        "sending=1 " "$(states "$C")"
"$DRV" "$C/spec.json" run 30 >/dev/null; rc=$?
check_eq "at-least-once: after restart sent" "0 sent=1 " "$rc $(states "$C")"
check_eq "at-least-once: the receiver got the same delivery id twice" "$id $id" \
        "$(paste -sd' ' "$C/ids")"
kill "$hold_pid"; wait "$hold_pid" 2>/dev/null

# 4. Permanent errors: failed and reported, not retried forever.
C=$T_TMP/c4; mkdir -p "$C"; start_sink "$C"; spec "$C" "$port"; echo permanent >"$C/mode"
for ch in wc dt fs hk; do "$DRV" "$C/spec.json" enqueue $ch 2 >/dev/null; done
out=$("$DRV" "$C/spec.json" run 10); rc=$?
read -r req ids < <(count_ids "$C/log.jsonl")
check_eq "permanent: drained" 0 "$rc"
check_eq "permanent: all 8 failed" "failed=8 " "$(states "$C")"
check_eq "permanent: each tried once" "8 8" "$req $ids"
check "permanent: reason reported (93000)" grep -q '93000' <("$DRV" "$C/spec.json" list)
check "permanent: reason reported (300001)" grep -q '300001' <("$DRV" "$C/spec.json" list)
check "permanent: no secret in errors" bash -c "! '$DRV' '$C/spec.json' list | grep -q -e WK-123 -e DT-456 -e SECdingtalk -e FT-789"

# 5. 500, 429 and vendor rate-limit codes in a 200 are retried, then delivered once.
C=$T_TMP/c5; mkdir -p "$C"; echo flaky >"$C/mode"; start_sink "$C"; spec "$C" "$port"
for ch in wc dt fs hk; do "$DRV" "$C/spec.json" enqueue $ch 3 >/dev/null; done
export DUTYD_CLOCK="@$(date +%s)x120"
# A bound, not a wait: the driver returns as soon as the outbox is drained (about 3 s here; a
# loaded machine once needed more than 30).
"$DRV" "$C/spec.json" run 90 >/dev/null; rc=$?
unset DUTYD_CLOCK
check_eq "flaky: drained before the bound" 0 "$rc"
check_eq "flaky (500/429/45009/130101/11232): all 12 sent" "sent=12 " "$(states "$C")"
check_eq "flaky: each message needed exactly 2 attempts" 12 "$("$DRV" "$C/spec.json" list | awk '$3 == 2' | wc -l)"

# 6. A hanging receiver does not delay the others.
C=$T_TMP/c6; mkdir -p "$C"; start_sink "$C"; spec "$C" "$port"
"$DRV" "$C/spec.json" enqueue hang 3 >/dev/null
t0=$(date +%s.%N)
"$DRV" "$C/spec.json" enqueue hk 5 >/dev/null
"$DRV" "$C/spec.json" run 2.5 >/dev/null; rc=$?
late=$($PY - "$C/log.jsonl" "$t0" <<'PY'
import json, sys
t0 = float(sys.argv[2])
print(max(json.loads(l)["t"] - t0 for l in open(sys.argv[1]) if '"/hook"' in l))
PY
)
check_eq "hang: not drained (hanging receiver still queued)" 3 "$rc"
check "hang: the other channel's 5 messages arrived within 0.5 s ($late s)" \
        $PY -c "import sys; sys.exit(not $late < 0.5)"
check "hang: timed-out messages queued for retry, not lost" grep -q 'queued.*hang.*超时' <("$DRV" "$C/spec.json" list)

# 7. Rate limits: WeCom 20 a minute (a "minute" lasts 2 s here), Feishu 5 a second (real time).
C=$T_TMP/c7; mkdir -p "$C"; start_sink "$C"; spec "$C" "$port"
"$DRV" "$C/spec.json" enqueue wc 45 >/dev/null
export DUTYD_CLOCK="@$(date +%s)x30"
"$DRV" "$C/spec.json" run 20 >/dev/null
unset DUTYD_CLOCK
"$DRV" "$C/spec.json" enqueue fs 12 >/dev/null
"$DRV" "$C/spec.json" run 20 >/dev/null
rate=$($PY - "$C/log.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def worst(path, span):
    ts = sorted(r["t"] for r in recs if r["path"].startswith(path))
    return max(sum(1 for u in ts if t <= u < t + span) for t in ts), ts[-1] - ts[0]
w, wspan = worst("/wecom", 1.9)
f, fspan = worst("/feishu", 0.95)
print(w, "%.1f" % wspan, f, "%.1f" % fspan)
PY
)
read -r wmax wspan fmax fspan <<<"$rate"
check_eq "rate: 45 wecom + 12 feishu sent" "sent=57 " "$(states "$C")"
check "rate: wecom never over 20 per (scaled) minute (max $wmax, took $wspan s)" \
        test "$wmax" -le 20 -a "${wspan%.*}" -ge 3
check "rate: feishu never over 5 per second (max $fmax, took $fspan s)" \
        test "$fmax" -le 5 -a "${fspan%.*}" -ge 2
kill "$sink_pid"; wait "$sink_pid" 2>/dev/null

# 8. SMTP with STARTTLS and AUTH, the server's certificate from a private CA (ca_file):
#    decoded Chinese subject and body, plain and HTML alternatives, Message-ID from the id.
C=$T_TMP/c8; mkdir -p "$C"
# ca_pair DIR: a CA (DIR/ca.pem) and a certificate it signed for 127.0.0.1 (DIR/cert.pem, key.pem).
ca_pair() {
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1/ca-key.pem" -out "$1/ca.pem" \
                -days 2 -subj "/CN=dutyd test CA" >/dev/null 2>&1 &&
                openssl req -newkey rsa:2048 -nodes -keyout "$1/key.pem" -out "$1/req.pem" \
                        -subj /CN=127.0.0.1 >/dev/null 2>&1 &&
                openssl x509 -req -in "$1/req.pem" -CA "$1/ca.pem" -CAkey "$1/ca-key.pem" \
                        -CAcreateserial -days 1 -out "$1/cert.pem" \
                        -extfile <(printf 'subjectAltName=IP:127.0.0.1\n') >/dev/null 2>&1
}
check "a private CA and its server certificate" ca_pair "$C"
SUBJ="【大栗港镇】镇长·安全生产例会 还剩7天"
$PY "$HERE/smtpd.py" --dir "$C" --cert "$C/cert.pem" --key "$C/key.pem" --user dutyd --password 授权码123 \
        --expect-subject "$SUBJ" --expect-body "「安全生产例会」（2026-Q4 第1/1次）还剩7天" \
        --expect-from-name "大栗港镇安全生产履职提醒" & pids+=($!)
for _ in $(seq 100); do [ -s "$C/smtp-port" ] && break; sleep 0.05; done
sp=$(cat "$C/smtp-port")
cat >"$C/spec.json" <<JSON
{"state":"$C/state","org":"大栗港镇","timezone":"Asia/Shanghai","channels":[
 {"id":"mail","type":"smtp","url":"smtp://127.0.0.1:$sp","username":"dutyd","password":"授权码123",
  "from":"dutyd@town.example.cn","from_name":"大栗港镇安全生产履职提醒","to":["zhangsan@town.example.cn"],
  "ca_file":"$C/ca.pem"}]}
JSON
"$DRV" "$C/spec.json" enqueue mail 1 >/dev/null
"$DRV" "$C/spec.json" run 15 >"$C/run.out"; rc=$?
check_eq "smtp: sent" "sent=1 " "$(states "$C")"
check "smtp: one mail received over STARTTLS with AUTH" \
        $PY -c "import json,sys; r=[json.loads(l) for l in open('$C/mail.jsonl')]; sys.exit(not (len(r)==1 and r[0]['tls'] and r[0]['auth']))"
check "smtp: subject, body, charset, base64, HTML alternative, Auto-Submitted, Date, Message-ID, From all check out" \
        $PY -c "import json,sys; r=json.loads(open('$C/mail.jsonl').readline()); print(r['problems']); sys.exit(not r['ok'])"
id=$("$DRV" "$C/spec.json" list | awk '{print $1}')
check "smtp: Message-ID derived from the delivery id" grep -q "<dutyd.$id@town.example.cn>" "$C/mail.jsonl"

# 8b. The same server with another CA named: the certificate is refused, nothing is sent.
C=$T_TMP/c8b; mkdir -p "$C"
ca_pair "$C"
sed "s|$T_TMP/c8/state|$C/state|; s|$T_TMP/c8/ca.pem|$C/ca.pem|" "$T_TMP/c8/spec.json" >"$C/spec.json"
"$DRV" "$C/spec.json" enqueue mail 1 >/dev/null
"$DRV" "$C/spec.json" run 10 >/dev/null
check_eq "smtp, another CA: not sent" "" "$(states "$C" | grep -o 'sent=[0-9]*')"
"$DRV" "$C/spec.json" list >"$C/list.out"
sed 's/^/# /' "$C/list.out"
check "smtp, another CA: the reason is the certificate" grep -q '证书校验失败' "$C/list.out"
check_eq "smtp, another CA: the server got no second mail" 1 "$(wc -l <"$T_TMP/c8/mail.jsonl")"

# 9. SMTP server without STARTTLS: refused, never sent in clear text.
C=$T_TMP/c9; mkdir -p "$C"
$PY "$HERE/smtpd.py" --dir "$C" --no-tls --user dutyd --password x --expect-subject x --expect-body x & pids+=($!)
for _ in $(seq 100); do [ -s "$C/smtp-port" ] && break; sleep 0.05; done
sp=$(cat "$C/smtp-port")
sed "s|$T_TMP/c8|$C|; s|127.0.0.1:[0-9]*\"|127.0.0.1:$sp\"|" "$T_TMP/c8/spec.json" >"$C/spec.json"
"$DRV" "$C/spec.json" enqueue mail 1 >/dev/null
"$DRV" "$C/spec.json" run 10 >/dev/null
check_eq "smtp without STARTTLS: failed" "failed=1 " "$(states "$C")"
check "smtp without STARTTLS: nothing delivered in clear text" test ! -e "$C/mail.jsonl"
check "smtp without STARTTLS: reason says STARTTLS" grep -q STARTTLS <("$DRV" "$C/spec.json" list)

t_done
