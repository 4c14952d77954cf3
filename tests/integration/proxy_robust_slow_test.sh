#!/usr/bin/env bash
# The TCP proxy with a slow client and a backend that dies mid-stream, in namespaces (the seed's
# two networks, a LAN client at 192.168.1.10, a backend at 192.168.100.80:80 behind
# `{ listen: lan:8080, to: ingress:http, via: proxy }`), with ONE relay thread so every connection
# shares the loop. The backend forks a process per connection and first sends its PID.
#   'D' sends 20 MB and closes; 'S' streams 1 KiB every 20 ms until killed.
# Proves: clients that close right after asking for the 20 MB (so the proxy writes into sockets
# the client's kernel resets) do not end labgate (a SIGPIPE would); a client that reads 1 byte every 100 ms (with a small receive buffer) does not stall a
# 20 MB download beside it (byte for byte, sha256); when one connection's backend process is
# killed, that client's connection ends within 3 s while another streaming connection keeps
# receiving, and a new connection is served.
# Usage: proxy_robust_slow_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgps 192.168.1.10/24 192.168.100.80/24

sed 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:8080, to: ingress:http, via: proxy }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'via: proxy' "$tmp/labgate.yaml" || fail "could not add the proxy forward to the seed"
head -c 20000000 /dev/urandom >"$tmp/blob"
blob_sha=$(sha256sum "$tmp/blob" | cut -d' ' -f1)

cat >"$tmp/backend.py" <<'PY'
import os, signal, socket, sys, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
blob = open(sys.argv[1], 'rb').read()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('192.168.100.80', 80)); s.listen(64)
while True:
    c, _ = s.accept()
    if os.fork() == 0:
        s.close()
        try:
            c.sendall(b'%d\n' % os.getpid())
            cmd = c.recv(1)
            if cmd == b'D':
                c.sendall(blob)
            elif cmd == b'S':
                while True:
                    c.sendall(b'x' * 1024); time.sleep(0.02)
        except OSError:
            pass  # the slow client hangs up with bytes unread
        os._exit(0)
    c.close()
PY
# client.py MODE [ARG]: connects, reads the backend's PID line (printed to stderr), then
#   D         downloads to EOF, prints "SHA256 BYTES"
#   slow SECS reads 1 byte every 100 ms for SECS seconds, prints the bytes read
#   S PIDFILE streams; writes the PID to PIDFILE; prints "eof AFTER_SECONDS BYTES" when the stream ends
cat >"$tmp/client.py" <<'PY'
import hashlib, socket, sys, time
mode = sys.argv[1]
c = socket.socket()
if mode == 'slow':
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
c.settimeout(30)
c.connect(('192.168.1.55', 8080))
line = b''
while not line.endswith(b'\n'):
    d = c.recv(1)
    if not d: sys.exit('no pid line')
    line += d
pid = line.decode().strip()
if mode == 'D':
    c.sendall(b'D'); h = hashlib.sha256(); n = 0
    while True:
        d = c.recv(1 << 20)
        if not d: break
        h.update(d); n += len(d)
    print(h.hexdigest(), n)
elif mode == 'drop':
    c.sendall(b'D'); c.close()  # nothing unread: a FIN, then a reset when the download arrives
    print('dropped')
elif mode == 'slow':
    c.sendall(b'D'); n = 0; end = time.time() + float(sys.argv[2])
    while time.time() < end:
        n += len(c.recv(1)); time.sleep(0.1)
    print(n)
else:
    open(sys.argv[2], 'w').write(pid)
    c.sendall(b'S'); n = 0
    try:
        while True:
            d = c.recv(65536)
            if not d: break
            n += len(d)
    except ConnectionResetError:
        pass
    print('eof', n)
PY

ip netns exec $cluster "$python" "$tmp/backend.py" "$tmp/blob" &
listening $cluster tcp 192.168.100.80:80
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 1 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:8080"

# Clients that ask for the 20 MB and close at once: the proxy's socket to each is half-closed,
# then reset by the client's kernel when the download reaches it; writing to such a socket must
# fail that connection only (no SIGPIPE ending the process).
for _ in $(seq 20); do
  ip netns exec $lan timeout 10 "$python" "$tmp/client.py" drop >/dev/null 2>&1
  sleep 0.1
  if ! kill -0 $pid 2>/dev/null; then
    wait $pid
    status=$?
    pid=
    fail "labgate died (exit status $status; 141 is SIGPIPE) after a client closed while it was writing to it"
  fi
done
echo "ok: 20 clients closed while the proxy was writing a download to them; labgate goes on"

# A slow reader for 8 s, and a 20 MB download beside it that must finish well before.
ip netns exec $lan timeout 20 "$python" "$tmp/client.py" slow 8 >"$tmp/slow" 2>&1 &
slow=$!
sleep 0.5
start=$(date +%s%N)
down=$(ip netns exec $lan timeout 20 "$python" "$tmp/client.py" D) || fail "download beside the slow client failed: $down"
took=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$down" = "$blob_sha 20000000" ] || fail "download beside the slow client: '$down'"
kill -0 $slow 2>/dev/null || fail "the slow client ended before the download did: $(cat "$tmp/slow")"
[ $took -lt 6000 ] || fail "the download took $took ms beside a slow client"
wait $slow || fail "slow client: $(cat "$tmp/slow")"
[ "$(cat "$tmp/slow")" -ge 40 ] || fail "the slow client read only $(cat "$tmp/slow") bytes in 8 s"
echo "ok: 20 MB byte for byte in $took ms while a client read 1 byte per 100 ms ($(cat "$tmp/slow") bytes) on the same loop"

# Two streams; kill the backend process of the first.
ip netns exec $lan timeout 30 "$python" "$tmp/client.py" S "$tmp/pid1" >"$tmp/s1" 2>&1 &
s1=$!
ip netns exec $lan timeout 30 "$python" "$tmp/client.py" S "$tmp/pid2" >"$tmp/s2" 2>&1 &
s2=$!
for _ in $(seq 50); do [ -s "$tmp/pid1" ] && [ -s "$tmp/pid2" ] && break; sleep 0.1; done
[ -s "$tmp/pid1" ] && [ -s "$tmp/pid2" ] || fail "streams did not start"
sleep 0.5
kill -9 "$(cat "$tmp/pid1")"
for _ in $(seq 30); do kill -0 $s1 2>/dev/null || break; sleep 0.1; done
kill -0 $s1 2>/dev/null && fail "the client of the killed backend was still connected after 3 s"
wait $s1
grep -q '^eof' "$tmp/s1" || fail "stream 1: $(cat "$tmp/s1")"
kill -0 $s2 2>/dev/null || fail "the other stream ended too: $(cat "$tmp/s2")"
# The other stream keeps receiving: its byte count at the gateway's socket grows.
sent() { ip netns exec $gw ss -Hti state established dst 192.168.1.10 | grep -o 'bytes_acked:[0-9]*' | cut -d: -f2 | head -1; }
a=$(sent); sleep 1; b=$(sent)
[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] || fail "the other stream stopped ($a -> $b bytes acked)"
kill -9 "$(cat "$tmp/pid2")"
wait $s2
down=$(ip netns exec $lan timeout 20 "$python" "$tmp/client.py" D) || fail "a new connection failed: $down"
[ "$down" = "$blob_sha 20000000" ] || fail "a new connection: '$down'"
echo "ok: a backend killed mid-stream ended its client's connection; the other stream went on; new connections served"

labgate_stop
echo "PASS: proxy robust (slow client, backend killed)"
