#!/usr/bin/python3
"""Local SMTP server for the delivery tests (python3-aiosmtpd): STARTTLS required, AUTH required
(only over TLS). Every message is parsed and checked; one JSON line per message goes to
DIR/mail.jsonl: {ok, problems, subject, body, message_id, from_name, tls, auth}.

  smtpd.py --dir DIR --cert C --key K --user U --password P --expect-subject S --expect-body B
           [--no-tls]   (offers no STARTTLS at all: the client must refuse to send)
Writes the port to DIR/smtp-port when ready.
"""
import argparse, asyncio, email, email.policy, json, os, re, socket, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

A = None

class Handler:
    async def handle_DATA(self, server, session, envelope):
        problems = []
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        if re.search(rb"(?<!\r)\n", raw):
            problems.append("bare LF")
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        subject = str(msg["Subject"] or "")
        part = msg.get_body(preferencelist=("plain",)) or msg
        body = part.get_content() if part else ""
        if subject != A.expect_subject:
            problems.append("subject %r" % subject)
        if A.expect_body not in body:
            problems.append("body lacks %r" % A.expect_body)
        if part.get_content_type() != "text/plain" or (part.get_content_charset() or "").lower() != "utf-8":
            problems.append("content type %s charset %s" % (part.get_content_type(), part.get_content_charset()))
        if (part["Content-Transfer-Encoding"] or "").lower() != "base64":
            problems.append("transfer encoding %s" % part["Content-Transfer-Encoding"])
        for line in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            if line.startswith(b"Subject:") or line.startswith(b" =?"):
                for w in re.findall(rb"=\?[^?]+\?[bB]\?[^?]*\?=", line):
                    if len(w) > 75:
                        problems.append("encoded word over 75 chars")
        if msg.get_content_type() != "multipart/mixed":
            problems.append("top-level type %s" % msg.get_content_type())
        html = msg.get_body(preferencelist=("html",))
        if not html or html.get_content_charset() != "utf-8":
            problems.append("no UTF-8 text/html alternative")
        elif A.expect_body not in html.get_content():
            problems.append("html lacks %r" % A.expect_body)
        elif part is html or (msg.get_body(preferencelist=("plain", "html")) is not part):
            problems.append("plain and html are not alternatives")
        if str(msg["Auto-Submitted"] or "") != "auto-generated":
            problems.append("auto-submitted %r" % msg["Auto-Submitted"])
        if not msg["Date"] or not re.search(r"[+-]\d{4}$", str(msg["Date"])):
            problems.append("date %r" % msg["Date"])
        mid = str(msg["Message-ID"] or "")
        if not re.fullmatch(r"<dutyd\.[0-9a-f]{32}@[^>]+>", mid):
            problems.append("message-id %r" % mid)
        frm = msg["From"]
        name = frm.addresses[0].display_name if frm and frm.addresses else ""
        if A.expect_from_name and name != A.expect_from_name:
            problems.append("from name %r" % name)
        rec = {"ok": not problems, "problems": problems, "subject": subject, "body": body,
               "message_id": mid, "from_name": name, "tls": session.ssl is not None,
               "auth": session.authenticated, "rcpt": envelope.rcpt_tos, "t": time.time()}
        with open(os.path.join(A.dir, "mail.jsonl"), "a") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        return "250 OK"

def authenticator(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == A.user and \
            auth_data.password.decode() == A.password:
        return AuthResult(success=True)
    return AuthResult(success=False, handled=False)

def main():
    global A
    p = argparse.ArgumentParser()
    for k in ("dir", "cert", "key", "user", "password", "expect-subject", "expect-body", "expect-from-name"):
        p.add_argument("--" + k, default="")
    p.add_argument("--no-tls", action="store_true")
    A = p.parse_args()
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    kw = {}
    if not A.no_tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(A.cert, A.key)
        kw = dict(tls_context=ctx, require_starttls=True)
    c = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                   auth_require_tls=not A.no_tls, auth_required=True, **kw)
    c.start()
    with open(os.path.join(A.dir, "smtp-port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(A.dir, "smtp-port.tmp"), os.path.join(A.dir, "smtp-port"))
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()

if __name__ == "__main__":
    main()
