#!/usr/bin/env python3
# The client side of the proxy pool/reload integration tests.
#   ping HOST PORT [COUNT] [--source ADDR] [--send-header LINE]
#       COUNT sequential pings; prints each reply line, or "ERROR <why>"
#   loop HOST PORT SECONDS WORKERS
#       short connections (ping) from WORKERS threads for SECONDS; prints "ok N errors M" and
#       each distinct error
#   stream HOST PORT BYTES [SLOW_SECONDS]
#       prints the sha256 of what arrived and its length; reads slowly (about 6 MB/s) for the
#       first SLOW_SECONDS (default 4), so the transfer spans what the test does meanwhile.
#       Says "receiving" on stderr once the first bytes arrived (the proxy accepted and relays:
#       a test waits for it before it changes the forward)
import hashlib, socket, sys, threading, time

def ping(host, port, source=None, header=None):
    try:
        c = socket.create_connection((host, port), timeout=5,
                                     source_address=(source, 0) if source else None)
        with c:
            if header:
                c.sendall(header.encode() + b'\r\n')
            c.sendall(b'ping\n')
            reply = b''
            while not reply.endswith(b'\n'):
                d = c.recv(4096)
                if not d:
                    break
                reply += d
            if not reply:
                return 'ERROR closed without a reply'
            return reply.decode().strip()
    except OSError as e:
        return f'ERROR {e}'

mode = sys.argv[1]
host, port = sys.argv[2], int(sys.argv[3])
if mode == 'ping':
    count = int(sys.argv[4]) if len(sys.argv) > 4 and not sys.argv[4].startswith('--') else 1
    args = sys.argv[4:]
    source = args[args.index('--source') + 1] if '--source' in args else None
    header = args[args.index('--send-header') + 1] if '--send-header' in args else None
    for _ in range(count):
        print(ping(host, port, source, header), flush=True)
elif mode == 'loop':
    seconds, workers = float(sys.argv[4]), int(sys.argv[5])
    ok, errors, kinds = [0], [0], set()
    lock = threading.Lock()
    end = time.time() + seconds
    def work():
        while time.time() < end:
            r = ping(host, port)
            with lock:
                if r.startswith('ERROR'):
                    errors[0] += 1
                    kinds.add(r)
                else:
                    ok[0] += 1
    ts = [threading.Thread(target=work) for _ in range(workers)]
    for t in ts: t.start()
    for t in ts: t.join()
    print(f'ok {ok[0]} errors {errors[0]}')
    for k in sorted(kinds):
        print(k)
elif mode == 'stream':
    n = int(sys.argv[4])
    slow = float(sys.argv[5]) if len(sys.argv) > 5 else 4
    c = socket.create_connection((host, port), timeout=30)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    c.sendall(f'stream {n}\n'.encode())
    h = hashlib.sha256(); got = 0; start = time.time()
    while True:
        try:
            d = c.recv(65536)
        except OSError:
            break  # reset: what arrived is reported
        if not d:
            break
        if not got:
            print('receiving', file=sys.stderr, flush=True)
        h.update(d); got += len(d)
        if time.time() - start < slow:
            time.sleep(0.01)
    print(h.hexdigest(), got)
