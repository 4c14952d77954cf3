#!/usr/bin/env python3
# A backend for the proxy pool/reload integration tests: serves every ADDRESS:PORT:NAME given.
# Per connection: an optional PROXY v1 line (kept), then one request line:
#   ping        -> "NAME HEADER\n" (HEADER: the PROXY line without CRLF, or "-"), then close
#   stream N    -> N bytes of a fixed pattern (for sha256 at the client), then close
# A connection that closes before a request (a health check) is dropped quietly.
# SIGTERM closes the listening sockets first, then exits: the backend stops taking connections at
# one instant, so that only the connections already at it when it stops can fail. (Left to the
# default action, the listeners stay open while the process tears down, and a fast proxy can hand
# a client's next connection to it in that window.)
import os, signal, socket, sys, threading

def lines(c):
    buf = b''
    while True:
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            yield line
        d = c.recv(4096)
        if not d:
            return
        buf += d

def pattern(n):
    block = bytes(range(256)) * 4096  # 1 MiB
    while n > 0:
        chunk = block[:min(n, len(block))]
        yield chunk
        n -= len(chunk)

def serve(c, name):
    with c:
        it = lines(c)
        header = '-'
        try:
            line = next(it)
            if line.startswith(b'PROXY '):
                header = line.rstrip(b'\r').decode()
                line = next(it)
        except (StopIteration, OSError):
            return
        try:
            words = line.decode().split()
            if words[0] == 'ping':
                c.sendall(f'{name} {header}\n'.encode())
            elif words[0] == 'stream':
                for chunk in pattern(int(words[1])):
                    c.sendall(chunk)
        except OSError:
            pass

def listen(addr, port, name):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, int(port)))
    s.listen(256)
    listeners.append(s)
    while True:
        try:
            c, _ = s.accept()
        except OSError:
            return  # stopped
        threading.Thread(target=serve, args=(c, name), daemon=True).start()

listeners = []
# SIGTERM is taken synchronously by the main thread (blocked in every thread, which inherit the
# mask, and waited for with sigwait): a Python-level handler would run only once the main thread
# returns to the interpreter, which a thread join may not do.
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
for spec in sys.argv[1:]:
    addr, port, name = spec.split(':')
    threading.Thread(target=listen, args=(addr, port, name), daemon=True).start()
signal.sigwait({signal.SIGTERM})
for s in listeners:
    s.shutdown(socket.SHUT_RDWR)  # on Linux this stops a listener even while accept() waits
os._exit(0)
