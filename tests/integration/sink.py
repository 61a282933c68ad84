#!/usr/bin/python3
"""Local HTTP sink for the delivery tests: checks each vendor's body and signature exactly as the
vendor documents it (see ../../../shared/notes/delivery-anchors.md) and answers as the vendor would.

  sink.py --dir DIR [--port P] --wecom-key K --dingtalk-token T --dingtalk-secret S
          --feishu-token T --feishu-secret S --hook-secret S

Listens on 127.0.0.1 (ephemeral port unless --port), writes the port to DIR/port, appends one JSON
line per request to DIR/log.jsonl: {t, path, vendor, id, ok, problem, mode, text, items}.
The answer mode is read from DIR/mode on every request:
  ok         success answer of the vendor
  500 / 429  that HTTP status
  vendor     HTTP 200 with the vendor's rate-limit code (45009 / 130101 / 11232)
  permanent  the vendor's configuration error (93000 / 300001 / 19024; webhook: 404)
  flaky      the first attempt of each delivery id gets 500, 429 or the rate code in turn; then ok
  hang       never answers within 60 s
  slow       answers ok after 0.25 s
A path starting with /hang always hangs. A body or signature that does not check out is answered
with the vendor's signature error and logged with ok=false.
"""
import argparse, base64, hashlib, hmac, json, os, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

A = None
lock = threading.Lock()
seen = {}
flaky_n = [0]

def b64hmac(key, msg):
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()

def check_wecom(q, body, headers):
    if q.get("key") != [A.wecom_key]:
        return "wrong key"
    if body.get("msgtype") != "text":
        return "msgtype"
    c = body.get("text", {}).get("content")
    if not isinstance(c, str) or len(c.encode()) > 2048:
        return "content missing or over 2048 bytes"
    if not isinstance(body["text"].get("mentioned_mobile_list", []), list):
        return "mentioned_mobile_list"
    return None

def check_dingtalk(q, body, headers, raw_query):
    if q.get("access_token") != [A.dingtalk_token]:
        return "wrong token"
    ts = q.get("timestamp", [""])[0]
    if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3600 * 1000:
        return "invalid timestamp"
    want = urllib.parse.quote(b64hmac(A.dingtalk_secret.encode(), (ts + "\n" + A.dingtalk_secret).encode()), safe="")
    raw_sign = [p.split("=", 1)[1] for p in raw_query.split("&") if p.startswith("sign=")]
    if raw_sign != [want]:
        return "sign not match"
    if body.get("msgtype") != "text":
        return "msgtype"
    content = body.get("text", {}).get("content", "")
    at = body.get("at", {})
    for m in at.get("atMobiles", []):
        if "@" + m not in content:
            return "@%s missing in text" % m
    if len(json.dumps(body, ensure_ascii=False).encode()) > 20000:
        return "body over 20000 bytes"
    return None

def check_feishu(path, body, headers):
    if path.rstrip("/").split("/")[-1] != A.feishu_token:
        return "wrong token"
    ts = body.get("timestamp", "")
    if not isinstance(ts, str) or not ts.isdigit() or abs(int(ts) - time.time()) > 3600:
        return "timestamp"
    if body.get("sign") != b64hmac((ts + "\n" + A.feishu_secret).encode(), b""):
        return "sign match fail"
    if body.get("msg_type") != "text" or not isinstance(body.get("content", {}).get("text"), str):
        return "msg_type/content"
    return None

def check_hook(raw, body, headers):
    sig = headers.get("X-Dutyd-Signature")
    want = "sha256=" + hmac.new(A.hook_secret.encode(), raw, hashlib.sha256).hexdigest()
    if sig != want:
        return "signature"
    if headers.get("X-Dutyd-Delivery-Id") != body.get("delivery_id"):
        return "delivery id header"
    for k in ("version", "delivery_id", "channel", "kind", "items", "text"):
        if k not in body:
            return "missing " + k
    for it in body["items"]:
        for k in ("occurrence", "duty", "post", "title", "due", "days", "holders", "basis"):
            if k not in it:
                return "item missing " + k
    return None

ANSWERS = {
    "wecom": ({"errcode": 0, "errmsg": "ok"}, {"errcode": 45009, "errmsg": "api freq out of limit"},
              {"errcode": 93000, "errmsg": "invalid webhook url"}, {"errcode": 93000, "errmsg": "sign"}),
    "dingtalk": ({"errcode": 0, "errmsg": "ok"}, {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
                 {"errcode": 300001, "errmsg": "token is not exist"}, {"errcode": 310000, "errmsg": "sign not match"}),
    "feishu": ({"code": 0, "msg": "success", "data": {}}, {"code": 11232, "msg": "frequency limited"},
               {"code": 19024, "msg": "Key Words Not Found"}, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time"}),
    "hook": ({}, None, None, None),
}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *a):
        pass

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(n)
        u = urllib.parse.urlsplit(self.path)
        if u.path.startswith("/bench"):  # bench/delivery.sh: no checks, no log
            return self.answer(200, {})
        q = urllib.parse.parse_qs(u.query)
        try:
            mode = open(os.path.join(A.dir, "mode")).read().strip()
        except OSError:
            mode = "ok"
        if u.path.startswith("/hang"):
            mode = "hang"
        vendor = "hook"
        for v in ("wecom", "dingtalk", "feishu"):
            if u.path.startswith("/" + v):
                vendor = v
        problem = None
        try:
            body = json.loads(raw)
        except ValueError:
            body, problem = {}, "not JSON"
        if problem is None:
            if vendor == "wecom":
                problem = check_wecom(q, body, self.headers)
            elif vendor == "dingtalk":
                problem = check_dingtalk(q, body, self.headers, u.query)
            elif vendor == "feishu":
                problem = check_feishu(u.path, body, self.headers)
            else:
                problem = check_hook(raw, body, self.headers)
        did = self.headers.get("X-Dutyd-Delivery-Id")
        text = body.get("text") if vendor == "hook" else (body.get("text") or body.get("content") or {}).get("content") or (body.get("content") or {}).get("text")
        with lock:
            seen[did] = seen.get(did, 0) + 1
            first = seen[did] == 1
            if mode == "flaky":
                flaky_n[0] += 1
            rec = {"t": time.time(), "path": u.path, "vendor": vendor, "id": did, "ok": problem is None,
                   "problem": problem, "mode": mode, "text": text,
                   "items": [i.get("occurrence") for i in body.get("items", [])] if vendor == "hook" else None}
            with open(os.path.join(A.dir, "log.jsonl"), "a") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        ok_ans, rate_ans, perm_ans, sign_ans = ANSWERS[vendor]
        if problem is not None:
            return self.answer(401 if vendor == "hook" else 200, sign_ans or {"error": problem})
        if mode == "hang":
            time.sleep(60)
            return
        if mode == "slow":
            time.sleep(0.25)
        if mode == "500":
            return self.answer(500, {})
        if mode == "429":
            return self.answer(429, {})
        if mode == "vendor":
            return self.answer(200, rate_ans) if rate_ans else self.answer(429, {})
        if mode == "permanent":
            return self.answer(200, perm_ans) if perm_ans else self.answer(404, {})
        if mode == "flaky" and first:
            k = flaky_n[0] % 3
            if k == 0:
                return self.answer(500, {})
            if k == 1:
                return self.answer(429, {})
            return self.answer(200, rate_ans) if rate_ans else self.answer(503, {})
        self.answer(200, ok_ans)

def main():
    global A
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port", type=int, default=0)
    for k in ("wecom-key", "dingtalk-token", "dingtalk-secret", "feishu-token", "feishu-secret", "hook-secret"):
        p.add_argument("--" + k, default="")
    A = p.parse_args()
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 256
    srv = ThreadingHTTPServer(("127.0.0.1", A.port), H)
    srv.handle_error = lambda request, addr: None  # clients (wrk, kill -9) drop connections
    with open(os.path.join(A.dir, "port.tmp"), "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(os.path.join(A.dir, "port.tmp"), os.path.join(A.dir, "port"))
    srv.serve_forever()

if __name__ == "__main__":
    main()
