#!/usr/bin/env python3
"""TCP DNS abuse for tests/integration/dns_tcp_overload_test.sh.

hold SERVER PORT SOURCE N: opens N TCP connections from SOURCE to SERVER:PORT and sends nothing;
  prints "opened N" once all connects returned, then "open K" (how many the server has not closed)
  each time a line arrives on stdin, and exits at end of input.
trickle SERVER PORT SOURCE: sends the length prefix of a 65,535-byte message, then one byte every
  3 s; prints the seconds until the server closed the connection, or "open" after 40 s.
"""
import resource
import select
import socket
import sys
import time


def connect(server, port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.connect((server, port))
    return s


def readable(s, seconds):
    p = select.poll()
    p.register(s, select.POLLIN)
    return bool(p.poll(seconds * 1000))


def closed_by_peer(s):
    if not readable(s, 0):
        return False
    try:
        return s.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def hold(server, port, source, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 64)), hard))
    conns = [connect(server, port, source) for _ in range(n)]
    print(f"opened {len(conns)}", flush=True)
    for _ in sys.stdin:
        print(f"open {sum(not closed_by_peer(s) for s in conns)}", flush=True)


def trickle(server, port, source):
    s = connect(server, port, source)
    start = time.monotonic()
    s.sendall(b"\xff\xff")
    while time.monotonic() - start < 40:
        if readable(s, 3):
            try:
                if s.recv(1) == b"":
                    break
            except OSError:
                break
        try:
            s.send(b"\x00")
        except OSError:
            break
    else:
        print("open", flush=True)
        return
    print(f"{time.monotonic() - start:.1f}", flush=True)


if __name__ == "__main__":
    mode, server, port, source = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    if mode == "hold":
        hold(server, port, source, int(sys.argv[5]))
    else:
        trickle(server, port, source)
