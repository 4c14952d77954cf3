#!/usr/bin/env bash
# SIGHUP reload of the proxy's UDP forwards under load, in namespaces. Two files alternate:
#   v1: lan:5353 -> resolver, lan:5354 -> resolver, lan:5356 -> resolver
#   v2: lan:5353 -> resolver, lan:5355 -> resolver (added), lan:5356 -> resolver-b (changed);
#       5354 removed
# While a LAN client sends datagrams to 5353 without pause (one socket, 2000 a second), the file is
# switched and SIGHUP sent five times. Proves: every datagram gets its answer (the count of lost
# ones is printed and must be 0: loopback-like veths lose nothing at this rate), all through one
# session (the backend saw one gateway port), and 5353's sockets are the very same (inodes); after
# the reloads the added forward answers, the removed one does not, and a new client of the changed
# one reaches the new backend while the log counts the UDP forwards of every reload.
# Usage: proxy_udp_reload_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgur 192.168.1.10/24 192.168.100.53/24 192.168.100.54/24

with_forwards() { # FORWARD_LINES -> a file with the two resolvers and these forwards
  cat <<YAML
version: 1
networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
services:
  resolver:   { address: 192.168.100.53, ports: { dns: "53/udp" } }
  resolver-b: { address: 192.168.100.54, ports: { dns: "53/udp" } }
forwards:
$1
YAML
}
with_forwards '  - { listen: lan:5353, to: resolver:dns, via: proxy }
  - { listen: lan:5354, to: resolver:dns, via: proxy }
  - { listen: lan:5356, to: resolver:dns, via: proxy }' >"$tmp/v1.yaml"
with_forwards '  - { listen: lan:5353, to: resolver:dns, via: proxy }
  - { listen: lan:5355, to: resolver:dns, via: proxy }
  - { listen: lan:5356, to: resolver-b:dns, via: proxy }' >"$tmp/v2.yaml"
for v in v1 v2; do
  "$labgate" check -c "$tmp/$v.yaml" >"$tmp/check.out" 2>&1 || fail "labgate check $v: $(cat "$tmp/check.out")"
done
cp "$tmp/v1.yaml" "$tmp/labgate.yaml"

# Each backend answers "PAYLOAD at ITS_ADDRESS from PEER_ADDRESS:PORT".
cat >"$tmp/echo.py" <<'PY'
import socket, sys, threading
def serve(address):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind((address, 53))
    while True:
        d, peer = s.recvfrom(65535)
        s.sendto(d + (' at %s from %s:%d' % (address, peer[0], peer[1])).encode(), peer)
for a in sys.argv[1:]:
    threading.Thread(target=serve, args=(a,), daemon=True).start()
threading.Event().wait()
PY
# ask PORT: one datagram from a new socket; prints the answer or "none" after 2 s.
cat >"$tmp/ask.py" <<'PY'
import socket, sys
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(2)
c.sendto(b'q', ('192.168.1.55', int(sys.argv[1])))
try:
    print(c.recvfrom(65535)[0].decode())
except socket.timeout:
    print('none')
PY
# stream PORT SECONDS RATE: sends numbered datagrams from one socket at RATE a second, reads the
# answers meanwhile and 1 s after; prints "sent N answered M lost L ports P" (P: how many gateway
# ports the backend saw, 1 if the session was never replaced).
cat >"$tmp/stream.py" <<'PY'
import select, socket, sys, time
port, seconds, rate = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
c.setblocking(False)
answered, ports = set(), set()
def drain(wait):
    while select.select([c], [], [], wait)[0]:
        d = c.recv(65535).decode().split()
        answered.add(int(d[0])); ports.add(d[-1].split(':')[1])
        wait = 0
start, sent = time.monotonic(), 0
while time.monotonic() - start < seconds:
    due = int((time.monotonic() - start) * rate)
    while sent < due:
        c.sendto(b'%d' % sent, ('192.168.1.55', port)); sent += 1
    drain(0.0005)
end = time.monotonic() + 1
while time.monotonic() < end and len(answered) < sent:
    drain(0.1)
print('sent %d answered %d lost %d ports %d' % (sent, len(answered), sent - len(answered), len(ports)))
PY

ip netns exec $cluster "$python" "$tmp/echo.py" 192.168.100.53 192.168.100.54 &
listening $cluster udp 192.168.100.53:53
listening $cluster udp 192.168.100.54:53
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:5356 -> resolver:dns on udp 192.168.1.55:5356"

ask() { ip netns exec $lan timeout 10 "$python" "$tmp/ask.py" "$1"; }
# The inodes of 5353's sockets (one per thread): a reload must keep these very sockets.
sockets() { ip netns exec $gw ss -lune 'sport = :5353' | grep -o 'ino:[0-9]*' | sort | tr '\n' ' '; }
before=$(sockets)
[ "$(wc -w <<<"$before")" = 2 ] || fail "not two sockets on 5353: $before"
case "$(ask 5354)" in "q at 192.168.100.53 from"*) ;; *) fail "v1: 5354 does not answer" ;; esac

ip netns exec $lan timeout 30 "$python" "$tmp/stream.py" 5353 7 2000 >"$tmp/stream" 2>&1 &
stream=$!
sleep 1
for v in v2 v1 v2 v1 v2; do
  cp "$tmp/$v.yaml" "$tmp/labgate.yaml"
  kill -HUP $pid
  sleep 1
done
wait $stream || fail "the streaming client: $(cat "$tmp/stream")"
read -r _ sent _ answered _ lost _ ports <"$tmp/stream"
[ "$sent" -gt 10000 ] || fail "too few datagrams sent: $(cat "$tmp/stream")"
[ "$lost" = 0 ] || fail "datagrams lost across the reloads: $(cat "$tmp/stream")"
[ "$ports" = 1 ] || fail "the client's session was replaced: $(cat "$tmp/stream")"
echo "ok: 5 reloads while one client streamed: $sent datagrams sent, $answered answered, $lost lost, all through one session"
[ "$(sockets)" = "$before" ] || fail "5353's sockets changed: $before -> $(sockets)"
echo "ok: 5353 kept its sockets ($before) through the reloads"
[ "$(grep -c 'reloaded the UDP proxy: ' "$tmp/run.log")" = 5 ] || fail "not 5 UDP proxy reloads in the log"
grep -q 'reloaded the UDP proxy: 1 forwards kept as they were, 1 changed, 1 added, 1 removed' "$tmp/run.log" ||
  fail "the reload log does not count the UDP forwards"

# The file now is v2.
case "$(ask 5355)" in "q at 192.168.100.53 from 192.168.100.1:"*) ;; *) fail "v2: the added 5355 does not answer" ;; esac
[ "$(ask 5354)" = none ] || fail "v2: the removed 5354 still answers"
grep -q ':5354 ' <(ip netns exec $gw ss -lun) && fail "v2: a socket still listens on 5354"
case "$(ask 5356)" in "q at 192.168.100.54 from"*) ;; *) fail "v2: a new client of 5356 does not reach resolver-b" ;; esac
echo "ok: after the reloads, 5355 answers, 5354 does not (no socket left), 5356 goes to resolver-b"

# A port taken by another socket fails the reload as a whole: nothing changes.
ip netns exec $gw "$python" -c "import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('192.168.1.55',5357)); time.sleep(30)" &
listening $gw udp 192.168.1.55:5357
sed 's|lan:5355,|lan:5357,|' "$tmp/v2.yaml" >"$tmp/labgate.yaml"
kill -HUP $pid
for _ in $(seq 30); do
  grep -q "reload failed" "$tmp/run.log" && break
  sleep 0.1
done
grep -q "reload failed.*5357" "$tmp/run.log" || fail "a port in use was not reported"
case "$(ask 5355)" in "q at 192.168.100.53"*) ;; *) fail "after a failed reload, 5355 was removed" ;; esac
echo "ok: a reload with a port in use was reported and changed nothing"

labgate_stop
echo "PASS: proxy udp reload"
