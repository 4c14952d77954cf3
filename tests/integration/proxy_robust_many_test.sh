#!/usr/bin/env bash
# The TCP proxy under thousands of concurrent connections, in namespaces (the seed's two networks,
# a LAN client at 192.168.1.10, an echo backend at 192.168.100.80:80 behind
# `{ listen: lan:8080, to: ingress:http, via: proxy }`). Proves: 3000 connections held open at
# once, each sends its own line and gets that line back through the proxy (so all are relayed at
# the same time); when the client closes them all, labgate's open file descriptors
# (/proc/PID/fd) return to what they were before.
# Usage: proxy_robust_many_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
count=3000

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgpm 192.168.1.10/24 192.168.100.80/24

sed 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:8080, to: ingress:http, via: proxy, max_connections: 10000 }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'via: proxy' "$tmp/labgate.yaml" || fail "could not add the proxy forward to the seed"

# One-threaded echo backend for thousands of connections (selectors, no thread per connection).
cat >"$tmp/echo.py" <<'PY'
import selectors, socket
sel = selectors.DefaultSelector()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('192.168.100.80', 80)); s.listen(4096); s.setblocking(False)
sel.register(s, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj is s:
            try:
                c, _ = s.accept()
            except BlockingIOError:
                continue
            c.setblocking(False); sel.register(c, selectors.EVENT_READ)
        else:
            c = key.fileobj
            try:
                d = c.recv(4096)
            except (BlockingIOError, ConnectionError):
                d = b''
            if d:
                c.send(d)
            else:
                sel.unregister(c); c.close()
PY
# Opens COUNT connections, then writes a line on each, then reads every line back while all are
# still open; prints "opened N echoed M", waits for a line on stdin, closes them all.
cat >"$tmp/many.py" <<'PY'
import socket, sys, time
n = int(sys.argv[1])
conns = []
for i in range(n):
    c = socket.create_connection(('192.168.1.55', 8080), timeout=20)
    conns.append(c)
for i, c in enumerate(conns):
    c.sendall(b'line %d\n' % i)
echoed = 0
for i, c in enumerate(conns):
    want = b'line %d\n' % i
    got = b''
    while len(got) < len(want):
        d = c.recv(len(want) - len(got))
        if not d: break
        got += d
    echoed += got == want
print('opened %d echoed %d' % (len(conns), echoed), flush=True)
sys.stdin.readline()
for c in conns: c.close()
print('closed', flush=True)
PY

ip netns exec $cluster bash -c "ulimit -n 20000; exec $python $tmp/echo.py" &
listening $cluster tcp 192.168.100.80:80
# Six descriptors per relayed connection (two sockets, two pipes): 3000 need ~18,000.
ip netns exec $gw bash -c "ulimit -n 65536; exec $labgate run -c $tmp/labgate.yaml --threads 2" 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:8080"
fds() { find "/proc/$pid/fd" -mindepth 1 | wc -l; }
baseline=$(fds)

mkfifo "$tmp/go"
ip netns exec $lan bash -c "ulimit -n 20000; exec $python $tmp/many.py $count" <"$tmp/go" >"$tmp/many.out" 2>&1 &
client=$!
exec 3>"$tmp/go"
for _ in $(seq 400); do
  grep -q '^opened' "$tmp/many.out" && break
  kill -0 $client 2>/dev/null || break
  sleep 0.1
done
result=$(head -1 "$tmp/many.out")
[ "$result" = "opened $count echoed $count" ] || fail "client: $(cat "$tmp/many.out")"
held=$(fds)
[ "$held" -ge $((baseline + count * 2)) ] ||
  fail "labgate holds $held descriptors with $count connections open (baseline $baseline)"
echo "ok: $count connections open at once, each echoed its own line through the proxy ($held descriptors, baseline $baseline)"

echo go >&3
exec 3>&-
wait $client || fail "client failed to close: $(cat "$tmp/many.out")"
for _ in $(seq 100); do
  [ "$(fds)" = "$baseline" ] && break
  sleep 0.1
done
[ "$(fds)" = "$baseline" ] || fail "descriptors did not return to $baseline after the close: $(fds)"
echo "ok: all closed; labgate's descriptors back to $baseline"

# Still serving.
out=$(ip netns exec $lan bash -c "exec 3<>/dev/tcp/192.168.1.55/8080; echo again >&3; head -1 <&3")
[ "$out" = again ] || fail "not serving after the burst: '$out'"
labgate_stop
echo "PASS: proxy robust (many connections)"
