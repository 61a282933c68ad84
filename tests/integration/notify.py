#!/usr/bin/python3
"""A stand-in for systemd's notification socket: binds the AF_UNIX datagram socket given as
argv[1] and appends each message received (sd_notify) to the file argv[2], one message per
line, its newlines turned into '|'. Runs until killed."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(out, "a").close()
while True:
    data = s.recv(65536).decode("utf-8", "replace")
    with open(out, "a", encoding="utf-8") as f:
        f.write(data.replace("\n", "|") + "\n")
