#!/usr/bin/python3
"""Hostile HTTP clients for tests/integration/test-hostile.sh (asyncio, Debian's python3 only).

    hostile.py MODE --target HOST:PORT --path PATH [--conns N] [--sources N] [--first K]
               [--duration S] [--interval S] [--chunk BYTES] [--length BYTES]
               [--no-reconnect] [--ready FILE]

Opens --conns connections to the target, the i-th from the source address 127.0.0.(K + i mod N)
(Linux routes all of 127/8 to lo), and holds them for --duration seconds, then closes them all
and prints one line of JSON with what happened. MODE:
  idle       connects and sends nothing;
  slowloris  sends "GET PATH HTTP/1.1" and then one more header line every --interval seconds,
             never the blank line that ends the request;
  slowread   sends a complete GET of PATH (keep-alive) with a tiny receive window and never
             reads the answer;
  slowpost   sends the headers of a multipart/form-data POST to PATH announcing a body of
             --length bytes, then --chunk bytes of it every --interval seconds, never all of it
             (a slow upload).
A connection the server closes is opened again (after 50 ms) unless --no-reconnect. The
--ready file is written once every connection has been tried once. The JSON counts the
connections made, those the server closed ("closed") and, for those, the longest time the
server let one live ("max_life", seconds), connection attempts that failed or timed out, and
the bytes of bodies sent ("sent").
"""
import argparse
import asyncio
import json
import socket
import struct
import time

TCP_CLOSE_WAIT = 8  # tcpi_state: the peer (the server) has closed its side


class Stats:
    def __init__(self):
        self.connected = 0
        self.closed = 0
        self.max_life = 0.0
        self.failed = 0
        self.tried = 0
        self.sent = 0

    def server_closed(self, since):
        self.closed += 1
        self.max_life = max(self.max_life, time.monotonic() - since)


def server_has_closed(sock):
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return struct.unpack("B", info[:1])[0] == TCP_CLOSE_WAIT


async def open_conn(args, source, deadline):
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    if args.mode == "slowread":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.bind((source, 0))
    try:
        await asyncio.wait_for(loop.sock_connect(sock, args.addr),
                               max(0.05, min(3.0, deadline - time.monotonic())))
        return sock
    except (OSError, asyncio.TimeoutError):
        sock.close()
        return None


async def hold(args, sock, since, deadline, stats):
    """Runs the mode on one connection until the deadline (False) or the server closes it."""
    loop = asyncio.get_running_loop()
    if args.mode == "idle":
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                data = await asyncio.wait_for(loop.sock_recv(sock, 4096), left)
                if not data:
                    break
        except asyncio.TimeoutError:
            return False
        except OSError:
            pass
        stats.server_closed(since)
        return True
    if args.mode == "slowloris":
        try:
            await loop.sock_sendall(sock, b"GET %s HTTP/1.1\r\nHost: x\r\n" % args.path.encode())
            n = 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    data = await asyncio.wait_for(loop.sock_recv(sock, 4096),
                                                  min(left, args.interval))
                    if not data:
                        break
                except asyncio.TimeoutError:
                    n += 1
                    await loop.sock_sendall(sock, b"X-Slow-%d: y\r\n" % n)
        except OSError:
            pass
        stats.server_closed(since)
        return True
    if args.mode == "slowpost":
        return await slow_post(args, sock, since, deadline, stats)
    # slowread
    try:
        await loop.sock_sendall(sock, b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % args.path.encode())
        while time.monotonic() < deadline:
            await asyncio.sleep(min(0.25, max(0.0, deadline - time.monotonic())))
            if server_has_closed(sock):
                break
        else:
            return False
    except OSError:
        pass
    stats.server_closed(since)
    return True


async def slow_post(args, sock, since, deadline, stats):
    loop = asyncio.get_running_loop()
    head = (b"--XyZ\r\nContent-Disposition: form-data; name=\"evidence\"; filename=\"a.pdf\"\r\n"
            b"Content-Type: application/pdf\r\n\r\n%PDF-1.4\n")
    chunk = b"0" * args.chunk
    try:
        await loop.sock_sendall(sock, b"POST %s HTTP/1.1\r\nHost: x\r\n"
                                b"Content-Type: multipart/form-data; boundary=XyZ\r\n"
                                b"Content-Length: %d\r\n\r\n%s"
                                % (args.path.encode(), args.length, head))
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                data = await asyncio.wait_for(loop.sock_recv(sock, 4096), min(left, args.interval))
                if not data:
                    break
            except asyncio.TimeoutError:
                await asyncio.wait_for(loop.sock_sendall(sock, chunk), max(0.05, left))
                stats.sent += len(chunk)
    except (OSError, asyncio.TimeoutError):
        pass
    stats.server_closed(since)
    return True


async def slot(args, i, deadline, stats, tried):
    source = "127.0.0.%d" % (args.first + i % args.sources)
    first = True
    while time.monotonic() < deadline:
        sock = await open_conn(args, source, deadline)
        if first:
            first = False
            tried()
        if sock is None:
            stats.failed += 1
            await asyncio.sleep(0.05)
            continue
        stats.connected += 1
        try:
            closed = await hold(args, sock, time.monotonic(), deadline, stats)
        finally:
            sock.close()
        if not closed or not args.reconnect:
            break
        await asyncio.sleep(0.05)
    if first:
        tried()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["idle", "slowloris", "slowread", "slowpost"])
    p.add_argument("--target", required=True)
    p.add_argument("--path", default="/")
    p.add_argument("--conns", type=int, default=1000)
    p.add_argument("--sources", type=int, default=40)
    p.add_argument("--first", type=int, default=2)
    p.add_argument("--duration", type=float, default=8.0)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--chunk", type=int, default=16384)
    p.add_argument("--length", type=int, default=20 << 20)
    p.add_argument("--no-reconnect", dest="reconnect", action="store_false")
    p.add_argument("--ready")
    args = p.parse_args()
    host, port = args.target.rsplit(":", 1)
    args.addr = (host, int(port))
    stats = Stats()
    deadline = time.monotonic() + args.duration

    def tried():
        stats.tried += 1
        if stats.tried == args.conns and args.ready:
            open(args.ready, "w").close()

    await asyncio.gather(*(slot(args, i, deadline, stats, tried) for i in range(args.conns)))
    print(json.dumps({"connected": stats.connected, "closed": stats.closed,
                      "max_life": round(stats.max_life, 3), "failed": stats.failed,
                      "sent": stats.sent}))


asyncio.run(main())
