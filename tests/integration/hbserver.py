#!/usr/bin/python3
"""A heartbeat monitor for test-observe.sh, healthchecks-style: answers every GET with 200 "OK"
and appends the time and path of each to DIR/pings; writes its port to DIR/port.
   hbserver.py DIR"""
import http.server
import os
import sys
import time

d = sys.argv[1]


class Ping(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(os.path.join(d, "pings"), "a") as f:
            f.write(f"{time.monotonic():.3f} {self.path}\n")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Ping)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
srv.serve_forever()
