#!/usr/bin/python3
"""A client of dutyd during a reload (tests/integration/test-reload.sh):
   reload-probe.py URL LOG TEXT
fetches URL again and again (one request at a time, 50 ms apart) until the daemon's log LOG
holds TEXT past where it ended when the probe started, then prints one line:
   answers=N worst_ms=W failed=F last_ms=L
N, W and F are of the answers that came while the daemon was still reading its config: every
request but the last, since the last one is the request during which TEXT appeared, and it may
have waited for the switch to the new config itself (the re-planning on the loop, the feed
versions of the new config), which is not what is measured. F counts answers other than 200.
Gives up after 120 s."""
import sys
import time
import urllib.error
import urllib.request

url, log, text = sys.argv[1], sys.argv[2], sys.argv[3]
times, failed = [], []
with open(log, "rb") as f:
    start = len(f.read())
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            r.read()
            ok = r.status == 200
    except (urllib.error.URLError, OSError):
        ok = False
    times.append(time.monotonic() - t0)
    failed.append(not ok)
    with open(log, "rb") as f:
        f.seek(start)
        if text.encode() in f.read():
            break
    time.sleep(0.05)
during = times[:-1]
print("answers=%d worst_ms=%d failed=%d last_ms=%d" % (
    len(during), max(during, default=0) * 1000, sum(failed[:-1]), times[-1] * 1000))
