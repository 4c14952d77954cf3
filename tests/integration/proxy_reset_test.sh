#!/usr/bin/env bash
# Issue 12 item 3, in namespaces: a backend that answers and closes without reading the request
# (as an HTTP server does with an early 413) makes its kernel send a reset right after the answer.
# Through the kernel's forward (lan:80, DNAT) the client gets the answer 50 times in 50; through
# the proxy (lan:8080, `via: proxy`) it must too (it used to get an empty close 49 times in 50).
# Usage: proxy_reset_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgrs 192.168.1.10/24 192.168.100.80/24
ip -n "$cluster" route add default via 192.168.100.1  # the kernel forward keeps the client address

sed 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:8080, to: ingress:http, via: proxy }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'via: proxy' "$tmp/labgate.yaml" || fail "could not add the proxy forward to the seed"

# The backend: waits until the 300-byte request is in its receive queue, answers, and closes
# without reading it, so its kernel resets the connection after the answer.
cat >"$tmp/backend.py" <<'PY'
import array, fcntl, socket, termios, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('192.168.100.80', 80)); s.listen(64)
answer = b'HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
while True:
    c, _ = s.accept()
    for _ in range(2000):
        n = array.array('i', [0])
        fcntl.ioctl(c, termios.FIONREAD, n)
        if n[0] >= 300: break
        time.sleep(0.001)
    c.sendall(answer)
    c.close()
PY
# The client: 50 connections to PORT, each sends 300 bytes and reads until EOF or a reset; prints
# how many got the whole answer, and how many saw a reset.
cat >"$tmp/client.py" <<'PY'
import socket, sys
port = int(sys.argv[1])
answer = b'HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'
got_answer = resets = 0
for _ in range(50):
    c = socket.create_connection(('192.168.1.55', port), timeout=10)
    c.sendall(b'x' * 300)
    data = b''
    try:
        while True:
            d = c.recv(4096)
            if not d: break
            data += d
    except ConnectionResetError:
        resets += 1
    c.close()
    got_answer += data == answer
print(got_answer, resets)
PY

ip netns exec "$gw" "$labgate" apply -c "$tmp/labgate.yaml" --state-dir "$tmp/state" >/dev/null ||
  fail "apply in the gateway namespace failed"
ip netns exec "$gw" "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:8080 -> ingress:http on 192.168.1.55:8080"
ip netns exec "$cluster" "$python" "$tmp/backend.py" &
listening "$cluster" tcp 192.168.100.80:80

read -r kernel kernel_resets < <(ip netns exec "$lan" timeout 60 "$python" "$tmp/client.py" 80)
[ "${kernel:-0}" = 50 ] || fail "through the kernel forward: ${kernel:-none} answers of 50 (test setup?)"
echo "ok: kernel forward: $kernel/50 answers ($kernel_resets resets after them)"
read -r proxied proxied_resets < <(ip netns exec "$lan" timeout 60 "$python" "$tmp/client.py" 8080)
[ "${proxied:-0}" = 50 ] || fail "through the proxy: ${proxied:-none} answers of 50"
echo "ok: proxy: $proxied/50 answers ($proxied_resets resets after them)"
labgate_stop
echo "PASS"
