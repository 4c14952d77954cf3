#!/usr/bin/env bash
# End to end through the kernel datapath: a LAN client, the home router with an "internet"
# address, a cluster VM and the SFTP backend, each in its own namespace, wired by veths to the
# gateway's bridges vmbr0/vmbr1. After `labgate apply` in the gateway:
#   - LAN client -> 192.168.1.55:2222 reaches 192.168.100.81:22 and the backend sees the client's
#     own address (no SNAT);
#   - cluster VM -> 192.168.1.55:2222 (hairpin) works, the backend sees the gateway 192.168.100.1;
#   - cluster VM -> the internet is masqueraded: the router sees 192.168.1.55;
#   - a LAN client with a route to 192.168.100.0/24 cannot open the backend's port directly;
#   - with `snat: true` on the forward, the backend sees the gateway instead.
# Before apply, none of the forwarded connections works.
source "$(dirname "$0")/kernel_common.sh" "$1" "$2"
g="${ns}gw" lan="${ns}lan" rt="${ns}rt" vm="${ns}vm" sftp="${ns}sftp"

ip netns add "$g"
inns "$g" ip link set lo up
for bridge in vmbr0 vmbr1; do
  inns "$g" ip link add "$bridge" type bridge
  inns "$g" ip link set "$bridge" up
done
inns "$g" ip addr add 192.168.1.55/24 dev vmbr0
inns "$g" ip addr add 192.168.100.1/24 dev vmbr1
# node NAMESPACE BRIDGE ADDRESS/LEN GATEWAY: a namespace wired to a gateway bridge by a veth.
node() {
  local n=$1 bridge=$2 address=$3 via=$4 port="p${1: -4}"
  ip netns add "$n"
  inns "$n" ip link set lo up
  ip link add name eth0 netns "$n" type veth peer name "$port" netns "$g"
  inns "$g" ip link set "$port" master "$bridge" up
  inns "$n" ip addr add "$address" dev eth0
  inns "$n" ip link set eth0 up
  [ -z "$via" ] || inns "$n" ip route add default via "$via"
}
node "$lan" vmbr0 192.168.1.10/24 ""
node "$rt" vmbr0 192.168.1.1/24 ""
node "$vm" vmbr1 192.168.100.60/24 192.168.100.1
node "$sftp" vmbr1 192.168.100.81/24 192.168.100.1
inns "$g" ip route add default via 192.168.1.1
inns "$rt" ip addr add 203.0.113.1/32 dev lo  # "the internet" (documentation range)
# The LAN client may even know a route into the cluster: isolation must not depend on it not.
inns "$lan" ip route add 192.168.100.0/24 via 192.168.1.55

# A server that answers each connection with the peer address it sees, then closes.
server='import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(16)
while True:
    c,a=s.accept(); c.sendall(a[0].encode()); c.close()'
client='import socket,sys
try:
    c=socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2); print(c.recv(64).decode())
except OSError as e:
    print("unreachable:", e)'
(inns "$sftp" python3 -c "$server" 192.168.100.81 22 2>/dev/null &)  # not a job: cleanup kills it by namespace
(inns "$rt" python3 -c "$server" 203.0.113.1 8080 2>/dev/null &)
connect() { inns "$1" python3 -c "$client" "$2" "$3"; }
# Wait for both servers.
for i in $(seq 50); do
  [ "$(connect "$sftp" 192.168.100.81 22)" = 192.168.100.81 ] &&
    [ "$(connect "$rt" 203.0.113.1 8080)" = 203.0.113.1 ] && break
  sleep 0.1
done

# Before apply: no forward, no forwarding.
[[ "$(connect "$lan" 192.168.1.55 2222)" == unreachable* ]] || fail "a forward works before apply"

inns "$g" "$labgate" apply -c "$src/examples/homelab.yaml" --state-dir "$tmp/state" >/dev/null ||
  fail "apply failed"

got=$(connect "$lan" 192.168.1.55 2222)
[ "$got" = 192.168.1.10 ] || fail "LAN -> 192.168.1.55:2222: backend saw '$got', want the client 192.168.1.10"
got=$(connect "$vm" 192.168.1.55 2222)
[ "$got" = 192.168.100.1 ] || fail "hairpin from the cluster: backend saw '$got', want the gateway 192.168.100.1"
got=$(connect "$vm" 203.0.113.1 8080)
[ "$got" = 192.168.1.55 ] || fail "cluster -> internet: router saw '$got', want the masqueraded 192.168.1.55"
got=$(connect "$lan" 192.168.100.81 22)
[[ "$got" == unreachable* ]] || fail "LAN reached an unforwarded cluster port directly: '$got'"
got=$(connect "$g" 192.168.1.55 2222)
[ "$got" = 192.168.1.55 ] || fail "the gateway itself -> its forward: backend saw '$got'"

# `snat: true` on the sftp forward (the seed's old behaviour): the backend sees the gateway, through
# the snat map keyed by the original destination; the other forwards still keep client addresses.
sed 's/{ listen: lan:2222, to: sftp:ssh }/{ listen: lan:2222, to: sftp:ssh, snat: true }/' \
  "$src/examples/homelab.yaml" >"$tmp/snat.yaml"
grep -q "snat: true" "$tmp/snat.yaml" || fail "could not make the snat variant of the seed"
inns "$g" "$labgate" apply -c "$tmp/snat.yaml" --state-dir "$tmp/state" >/dev/null || fail "apply snat"
got=$(connect "$lan" 192.168.1.55 2222)
[ "$got" = 192.168.100.1 ] || fail "snat: true: backend saw '$got', want the gateway 192.168.100.1"

# remove: the forward stops working.
inns "$g" "$labgate" remove --state-dir "$tmp/state" >/dev/null
[[ "$(connect "$lan" 192.168.1.55 2222)" == unreachable* ]] || fail "the forward works after remove"
echo "PASS"
