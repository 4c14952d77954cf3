#!/usr/bin/env bash
# `labgate run` with a `via: proxy` forward to two backends (the seed's ingress, 192.168.100.80,
# and a second one, 192.168.100.82), in namespaces. Proves: round-robin alternates between them;
# each backend reads the real client's address in the PROXY v1 header; a backend stopped during a
# run of clients costs them nothing (the proxy sends the connection on to the other backend and
# marks the dead one down; the log says so) and, started again, is marked up and gets traffic
# again. A second forward with accept_proxy: a trusted hop's PROXY header names the client, and
# that client's address is what the backend reads; an untrusted source is closed, a malformed
# header too.
# Usage: proxy_pool_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
lib=$(dirname "$0")/lib

# shellcheck source=lib/two_networks.sh
. "$lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgpp 192.168.1.10/24 192.168.100.80/24 192.168.100.82/24
ip -n $lan addr add 192.168.1.11/24 dev eth0 # an untrusted source for accept_proxy

sed -e 's|^  sftp: .*$|&\n  ingress-b:      { address: 192.168.100.82, ports: { http: 80 } }|' \
  -e 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:9000, to: [ingress:http, ingress-b:http], via: proxy, proxy_protocol: v1, health_check: { interval: 200ms, timeout: 100ms } }\n  - { listen: lan:9001, to: ingress:http, via: proxy, proxy_protocol: v1, accept_proxy: [192.168.1.10] }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'ingress-b:http' "$tmp/labgate.yaml" || fail "could not add the forwards to the seed"
"$labgate" check -c "$tmp/labgate.yaml" >"$tmp/check.out" 2>&1 || fail "labgate check: $(cat "$tmp/check.out")"

start_backend() { # NAME ADDRESS
  ip netns exec $cluster "$python" "$lib/pool_backend.py" "$2:80:$1" &
  eval "${1}_pid=$!"
  listening $cluster tcp "$2:80"
}
start_backend a 192.168.100.80
start_backend b 192.168.100.82

ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:9001"
grep -q "proxying lan:9000 -> ingress:http on 192.168.1.55:9000" "$tmp/run.log" || fail "no readiness line"

client() { ip netns exec $lan timeout 60 "$python" "$lib/pool_client.py" "$@"; }

# 1. Round-robin: ten clients, one after the other, alternate between a and b.
client ping 192.168.1.55 9000 10 >"$tmp/rr" || fail "clients failed: $(cat "$tmp/rr")"
names=$(cut -d' ' -f1 "$tmp/rr" | tr '\n' ' ')
case "$names" in
  "a b a b a b a b a b " | "b a b a b a b a b a ") ;;
  *) fail "round-robin: backends in order '$names', wanted a and b in turn" ;;
esac
echo "ok: round-robin between two backends: $names"
# The PROXY header names the LAN client (192.168.1.10), the gateway's address and port 9000.
bad=$(grep -v -E '^[ab] PROXY TCP4 192\.168\.1\.10 192\.168\.1\.55 [0-9]+ 9000$' "$tmp/rr")
[ -z "$bad" ] || fail "PROXY header at the backend: $bad"
echo "ok: each backend read the real client's address in the PROXY v1 header"

# 2. Stop b while two clients keep coming: only connections already at b when it stops may fail
# (at most one per client); then all go to a.
client loop 192.168.1.55 9000 4 2 >"$tmp/loop1" &
loop=$!
sleep 1
kill "$b_pid"
wait "$b_pid" 2>/dev/null
wait $loop
read -r _ ok _ errors <"$tmp/loop1"
[ "$ok" -gt 20 ] || fail "too few clients served while b stopped: $(cat "$tmp/loop1")"
[ "$errors" -le 2 ] || fail "clients saw errors when b stopped: $(cat "$tmp/loop1")"
grep -q "backend 192.168.100.82:80 of lan:9000 -> ingress:http is down" "$tmp/run.log" ||
  fail "no log line for b going down"
client ping 192.168.1.55 9000 6 >"$tmp/after_down"
[ "$(cut -d' ' -f1 "$tmp/after_down" | sort -u)" = a ] || fail "after b went down: $(cat "$tmp/after_down")"
echo "ok: b stopped during a run: $ok clients served, $errors errors (at most those in flight, one per client: $(sed -n 2p "$tmp/loop1")); b marked down, every client went to a"

# 3. Start b again: two good checks later it is up and gets its share again.
start_backend b 192.168.100.82
for _ in $(seq 50); do
  grep -q "backend 192.168.100.82:80 of lan:9000 -> ingress:http is up" "$tmp/run.log" && break
  sleep 0.1
done
grep -q "backend 192.168.100.82:80 of lan:9000 -> ingress:http is up" "$tmp/run.log" ||
  fail "no log line for b coming back"
client ping 192.168.1.55 9000 10 >"$tmp/after_up"
[ "$(grep -c '^b ' "$tmp/after_up")" -ge 4 ] || fail "b got too little after coming back: $(cat "$tmp/after_up")"
grep -q ERROR "$tmp/after_up" && fail "errors after b came back: $(cat "$tmp/after_up")"
echo "ok: b started again, marked up, and served $(grep -c '^b ' "$tmp/after_up") of 10 clients"

# 4. accept_proxy: the trusted hop (192.168.1.10) forwards a client 203.0.113.7:5555; the header
# labgate sends on names that client, not the hop.
out=$(client ping 192.168.1.55 9001 1 --send-header "PROXY TCP4 203.0.113.7 192.168.1.55 5555 9001")
[ "$out" = "a PROXY TCP4 203.0.113.7 192.168.1.55 5555 9001" ] ||
  fail "through a trusted hop: backend read '$out'"
echo "ok: through a trusted PROXY-sending hop, the backend read the original client's address"
out=$(client ping 192.168.1.55 9001 1 --source 192.168.1.11 --send-header "PROXY TCP4 203.0.113.7 192.168.1.55 5555 9001")
case "$out" in ERROR*) ;; *) fail "an untrusted source with a header was served: $out" ;; esac
out=$(client ping 192.168.1.55 9001 1 --send-header "PROXY TCP4 203.0.113.7 nonsense")
case "$out" in ERROR*) ;; *) fail "a malformed header was served: $out" ;; esac
out=$(client ping 192.168.1.55 9001 1)
case "$out" in ERROR*) ;; *) fail "a trusted source without a header was served: $out" ;; esac
echo "ok: an untrusted source, a malformed header and a missing header were closed"

labgate_stop
echo "PASS: proxy pool"
