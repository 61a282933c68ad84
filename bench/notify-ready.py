#!/usr/bin/python3
"""The daemon bench's stand-in for systemd's notification socket (bench/daemon.sh):
   notify-ready.py SOCKET LOG
binds the AF_UNIX datagram socket SOCKET and appends one line per message to LOG:
   MONOTONIC_S REALTIME_S PID VMRSS_KIB VMHWM_KIB MESSAGE
(newlines of the message turned into '|'). The sender's pid comes with the datagram
(SO_PASSCRED, as systemd gets it) and its VmRSS / VmHWM are read from /proc at once, so the
memory "at READY" is the daemon's within a millisecond of READY=1, before it goes on (a
background feed build may follow READY). Runs until killed."""
import os
import socket
import struct
import sys
import time

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
open(out, "a").close()


def memory(pid):
    """VmRSS and VmHWM of pid in KiB (0 when it is gone)."""
    v = {"VmRSS:": 0, "VmHWM:": 0}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k = line.split(None, 1)[0]
                if k in v:
                    v[k] = int(line.split()[1])
    except OSError:
        pass
    return v["VmRSS:"], v["VmHWM:"]


ucred = struct.Struct("iII")
while True:
    data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(ucred.size))
    mono, real = time.monotonic(), time.time()
    pid = 0
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = ucred.unpack(payload[:ucred.size])[0]
    rss, hwm = memory(pid) if pid else (0, 0)
    msg = data.decode("utf-8", "replace").replace("\n", "|")
    with open(out, "a", encoding="utf-8") as f:
        f.write(f"{mono:.6f} {real:.6f} {pid} {rss} {hwm} {msg}\n")
