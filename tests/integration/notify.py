#!/usr/bin/python3
"""A stand-in for systemd's notification socket: binds the AF_UNIX datagram socket given as
argv[1] and appends each message received (sd_notify) to the file argv[2], one message per
line, its newlines turned into '|'; with a third argument "--time", each line starts with the
CLOCK_MONOTONIC time of arrival in seconds. Runs until killed."""
import os
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
stamp = len(sys.argv) > 3 and sys.argv[3] == "--time"
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(out, "a").close()
while True:
    data = s.recv(65536).decode("utf-8", "replace")
    with open(out, "a", encoding="utf-8") as f:
        prefix = "%.6f " % time.monotonic() if stamp else ""
        f.write(prefix + data.replace("\n", "|") + "\n")
