#!/usr/bin/env bash
# `labgate run` forwarding UDP with the userspace proxy, in namespaces: a gateway with the seed's
# two networks, two LAN clients (192.168.1.10 and .11) and a UDP echo backend (192.168.100.53:53)
# on the cluster network, behind `{ listen: lan:5353, to: resolver:dns, via: proxy }`. Proves:
# each client gets its own replies, from the gateway's LAN address it sent to; the backend sees
# the gateway's cluster address (192.168.100.1) as the source; a client keeps one session (one
# backend-side port) while it talks; the idle session expires (its socket to the backend is gone
# from the gateway) and the next datagram opens a new one.
# Usage: proxy_udp_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgpu 192.168.1.10/24 192.168.100.53/24
ip -n $lan addr add 192.168.1.11/24 dev eth0

cat >"$tmp/labgate.yaml" <<'YAML'
version: 1
networks:
  lan:     { interface: vmbr0, subnet: 192.168.1.0/24, address: 192.168.1.55, router: 192.168.1.1, uplink: true }
  cluster: { interface: vmbr1, subnet: 192.168.100.0/24, address: 192.168.100.1, masquerade: true }
services:
  resolver: { address: 192.168.100.53, ports: { dns: "53/udp" } }
forwards:
  - { listen: lan:5353, to: resolver:dns, via: proxy }
YAML

# The backend answers each datagram with "PAYLOAD from ADDRESS:PORT" (its view of the source).
cat >"$tmp/echo.py" <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('192.168.100.53', 53))
while True:
    d, peer = s.recvfrom(65535)
    s.sendto(d + (' from %s:%d' % peer).encode(), peer)
PY
# A client from SOURCE sends N datagrams "TAG-i" and prints "SOURCE_OF_REPLY REPLY" for each.
cat >"$tmp/client.py" <<'PY'
import socket, sys
source, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.bind((source, 0)); c.settimeout(3)
for i in range(n):
    c.sendto(b'%s-%d' % (tag.encode(), i), ('192.168.1.55', 5353))
    d, peer = c.recvfrom(65535)
    print('%s:%d %s' % (peer[0], peer[1], d.decode()))
PY

ip netns exec $cluster "$python" "$tmp/echo.py" &
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 --udp-idle-timeout-ms 1000 \
  2>"$tmp/run.log" &
pid=$!
ready="proxying lan:5353 -> resolver:dns on udp 192.168.1.55:5353"
labgate_ready "$ready"
listening $cluster udp 192.168.100.53:53

# Two clients at once, five datagrams each.
ip netns exec $lan timeout 20 "$python" "$tmp/client.py" 192.168.1.10 a 5 >"$tmp/a" 2>&1 &
a=$!
ip netns exec $lan timeout 20 "$python" "$tmp/client.py" 192.168.1.11 b 5 >"$tmp/b" 2>&1 &
b=$!
wait $a || fail "client a: $(cat "$tmp/a")"
wait $b || fail "client b: $(cat "$tmp/b")"
for tag in a b; do
  [ "$(wc -l <"$tmp/$tag")" = 5 ] || fail "client $tag got $(wc -l <"$tmp/$tag") replies: $(cat "$tmp/$tag")"
  i=0
  while read -r from payload _ seen; do
    [ "$from" = 192.168.1.55:5353 ] || fail "client $tag: reply from $from, not the listen address"
    [ "$payload" = "$tag-$i" ] || fail "client $tag: reply $i was '$payload' (another client's?)"
    case $seen in 192.168.100.1:*) ;; *) fail "client $tag: the backend saw $seen, not the gateway" ;; esac
    i=$((i + 1))
  done <"$tmp/$tag"
  [ "$(awk '{print $4}' "$tmp/$tag" | sort -u | wc -l)" = 1 ] ||
    fail "client $tag: its datagrams left the gateway from several ports: $(cat "$tmp/$tag")"
done
port_a=$(awk 'NR==1{print $4}' "$tmp/a") port_b=$(awk 'NR==1{print $4}' "$tmp/b")
[ "$port_a" != "$port_b" ] || fail "both clients shared one session ($port_a)"
echo "ok: two clients, five datagrams each, each got its own replies from 192.168.1.55:5353; the backend saw 192.168.100.1 with one port per client"

# The gateway holds one socket per session, connected to the backend.
sessions() { ip netns exec $gw ss -Hun state established dst 192.168.100.53:53 | wc -l; }
[ "$(sessions)" = 2 ] || fail "expected 2 sessions at the gateway, saw $(sessions)"
for _ in $(seq 40); do
  [ "$(sessions)" = 0 ] && break
  sleep 0.1
done
[ "$(sessions)" = 0 ] || fail "the idle sessions did not expire: $(sessions) left after 4 s"
echo "ok: both sessions expired after the idle timeout (1 s)"

out=$(ip netns exec $lan timeout 10 "$python" "$tmp/client.py" 192.168.1.10 c 1) || fail "after expiry: $out"
case $out in "192.168.1.55:5353 c-0 from 192.168.100.1:"*) ;; *) fail "after expiry: '$out'" ;; esac
[ "$(sessions)" = 1 ] || fail "expected a new session after expiry, saw $(sessions)"
echo "ok: the next datagram opened a new session"

labgate_stop
echo "PASS: proxy udp"
