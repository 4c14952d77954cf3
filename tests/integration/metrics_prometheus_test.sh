#!/usr/bin/env bash
# `labgate run`'s /metrics scraped by a real Prometheus (Debian's `prometheus`), in namespaces: the
# seed's two networks (lib/two_networks.sh), a LAN client, and the seed's ingress (192.168.100.80)
# as the backend of a kernel forward (lan:80, after `labgate apply` in the gateway) and of a
# `via: proxy` forward (lan:8443). The file's `http:` puts the endpoint on the gateway's LAN address.
# Prometheus runs in the gateway namespace (scrape_interval 1s, its storage in $tmp) and the test
# asks its HTTP API (/api/v1/query):
#   - exactly 100 DNS queries (dnsperf) -> sum(labgate_dns_answers_total{view="lan"}) is 100, all
#     of type A with rcode NOERROR;
#   - 7 TCP connections through the proxy -> labgate_proxy_connections_total is 7, none active, its
#     backend up;
#   - 5 HTTP requests through the kernel forward -> its nftables counter (packets, bytes) is above
#     what 5 TCP exchanges need at least;
#   - the forwarder's cache is empty (local names only) and its capacity is 2 loops x 10,000;
#     3 names forwarded to a stand-in upstream -> 3 entries, 3 misses;
#   - labgate_build_info is 1, and a reload counts in labgate_reloads_total{result="ok"};
# and `promtool check metrics` finds no problem in the /metrics text.
# Usage: metrics_prometheus_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
for tool in prometheus promtool dnsperf curl python3; do
  command -v $tool >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done
two_networks_up lgprom 192.168.1.10/24 192.168.100.80/24
ip -n $lan route add default via 192.168.1.55 || fail "lan route"
ip -n $cluster route add default via 192.168.100.1 || fail "cluster route"
prom_pid=
stop_prometheus() { [ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null; two_networks_cleanup; }
trap stop_prometheus EXIT

sed 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:8443, to: ingress:https, via: proxy }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'via: proxy' "$tmp/labgate.yaml" || fail "could not add the proxy forward to the seed"
printf 'http:\n  listen: 192.168.1.55:9153\n' >>"$tmp/labgate.yaml"

# The kernel datapath (DNAT lan:80 -> 192.168.100.80:80, with its named counter).
ip netns exec $gw "$labgate" apply -c "$tmp/labgate.yaml" --state-dir "$tmp/state" >"$tmp/apply.log" 2>&1 ||
  fail "labgate apply in the gateway: $(cat "$tmp/apply.log")"
grep -q 'counter fwd_lan_80_tcp' <(ip netns exec $gw nft list counters table inet labgate) ||
  fail "the applied table has no counter for lan:80: $(ip netns exec $gw nft list table inet labgate)"

# The backend: HTTP on :80 (kernel forward) and a line echo on :443 (proxy forward).
cat >"$tmp/backend.py" <<'PY'
import socket, threading
def serve(port, reply):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('192.168.100.80', port)); s.listen(64)
    while True:
        c, _ = s.accept()
        def one(c=c):
            with c:
                c.recv(4096)
                c.sendall(reply)
        threading.Thread(target=one, daemon=True).start()
threading.Thread(target=serve, args=(80, b'HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n'), daemon=True).start()
serve(443, b'pong\n')
PY
ip netns exec $cluster python3 "$tmp/backend.py" &
listening $cluster tcp 192.168.100.80:443

ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "serving DNS"
listening $gw tcp 192.168.1.55:9153
grep -q "http on 192.168.1.55:9153" "$tmp/run.log" || fail "the status line does not name the endpoint"

cat >"$tmp/prometheus.yml" <<'YML'
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: labgate
    static_configs:
      - targets: ['192.168.1.55:9153']
YML
ip netns exec $gw prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/prom" \
  --web.listen-address=127.0.0.1:9090 >"$tmp/prometheus.log" 2>&1 &
prom_pid=$!
listening $gw tcp 127.0.0.1:9090

# promql EXPR: the first value of the instant query, or "" when there is none.
promql() {
  ip netns exec $gw curl -sf --get --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
# expect_value EXPR WANT: waits up to 30 s (scrapes every second) for EXPR to equal WANT.
expect_value() {
  local got=
  for _ in $(seq 60); do
    got=$(promql "$1")
    [ "$got" = "$2" ] && return 0
    sleep 0.5
  done
  fail "Prometheus says $1 = '${got}', expected $2 (prometheus log: $(tail -5 "$tmp/prometheus.log"))"
}

expect_value 'up{job="labgate"}' 1
expect_value 'labgate_build_info' 1

# Exactly 100 queries, from the LAN client (its network's view, not rate-limited).
echo "argocd.cluster A" >"$tmp/queries"
ip netns exec $lan dnsperf -s 192.168.1.55 -d "$tmp/queries" -n 100 -c 1 -q 10 >"$tmp/dnsperf.log" 2>&1 ||
  fail "dnsperf: $(cat "$tmp/dnsperf.log")"
grep -Eq "Queries sent: +100$" "$tmp/dnsperf.log" ||
  fail "dnsperf did not send 100 queries: $(cat "$tmp/dnsperf.log")"
grep -Eq "Queries completed: +100 " "$tmp/dnsperf.log" || fail "not all 100 answered: $(cat "$tmp/dnsperf.log")"
expect_value 'sum(labgate_dns_answers_total{view="lan"})' 100
expect_value 'labgate_dns_answers_total{view="lan",type="A",rcode="NOERROR"}' 100
# Local names never enter the forwarder's cache; two loops of 10,000 entries each.
expect_value 'labgate_dns_cache_entries' 0
expect_value 'labgate_dns_cache_capacity_entries' 20000

# 3 names outside the zone, from one client socket (so one loop's cache), through the seed's
# upstream 192.168.1.1: a stand-in on the LAN client's link that answers every A question.
ip -n $lan addr add 192.168.1.1/24 dev eth0 || fail "the upstream's address"
cat >"$tmp/upstream.py" <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('192.168.1.1', 53))
while True:
    q, peer = s.recvfrom(4096)
    i = 12
    while q[i]:
        i += q[i] + 1
    question = q[12:i + 5]
    header = q[:2] + b'\x81\x80' + b'\x00\x01\x00\x01\x00\x00\x00\x00'
    answer = b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04' + bytes([198, 51, 100, 1])
    s.sendto(header + question + answer, peer)
PY
ip netns exec $lan python3 "$tmp/upstream.py" &
listening $lan udp 192.168.1.1:53
printf '%s A\n' n1.example.com n2.example.com n3.example.com >"$tmp/forwarded"
ip netns exec $lan dnsperf -s 192.168.1.55 -d "$tmp/forwarded" -n 1 -c 1 >"$tmp/dnsperf-fwd.log" 2>&1 ||
  fail "dnsperf (forwarded names): $(cat "$tmp/dnsperf-fwd.log")"
grep -Eq "Queries completed: +3 " "$tmp/dnsperf-fwd.log" || fail "forwarded names: $(cat "$tmp/dnsperf-fwd.log")"
grep -Eq "NOERROR 3 " "$tmp/dnsperf-fwd.log" || fail "forwarded names not all NOERROR: $(cat "$tmp/dnsperf-fwd.log")"
expect_value 'labgate_dns_cache_entries' 3
expect_value 'labgate_dns_cache_lookups_total{result="miss"}' 3

# 7 connections through the proxy forward.
for _ in $(seq 7); do
  out=$(ip netns exec $lan python3 -c '
import socket
c = socket.create_connection(("192.168.1.55", 8443), timeout=5); c.sendall(b"ping\n"); print(c.recv(100).decode().strip())')
  [ "$out" = pong ] || fail "no pong through the proxy forward: '$out'"
done
expect_value 'labgate_proxy_connections_total{forward=~"lan:8443.*"}' 7
expect_value 'labgate_proxy_active_connections{forward=~"lan:8443.*"}' 0
# Each client sent "ping\n" and got "pong\n": 5 bytes each way, 7 times.
expect_value 'labgate_proxy_bytes_total{forward=~"lan:8443.*",direction="to_backend"}' 35
expect_value 'labgate_proxy_bytes_total{forward=~"lan:8443.*",direction="to_client"}' 35
expect_value 'labgate_proxy_backend_up{forward=~"lan:8443.*",backend="192.168.100.80:443"}' 1

# 5 requests through the kernel forward: each TCP exchange is at least 3 packets each way.
for _ in $(seq 5); do
  grep -q ok <(ip netns exec $lan curl -sf --max-time 5 http://192.168.1.55/) || fail "no answer through the kernel forward lan:80"
done
expect_value 'labgate_kernel_counters_readable' 1
expect_value 'labgate_kernel_forward_packets_total{forward="lan:80 -> ingress:http"} >= bool 30' 1
expect_value 'labgate_kernel_forward_bytes_total{forward="lan:80 -> ingress:http"} >= bool 1500' 1
expect_value 'labgate_kernel_forward_packets_total{forward="lan:443 -> ingress:https"}' 0

# A reload counts.
kill -HUP $pid
expect_value 'labgate_reloads_total{result="ok"}' 1

# promtool's lint of the exposition text.
ip netns exec $gw curl -sf http://192.168.1.55:9153/metrics >"$tmp/metrics.txt" || fail "GET /metrics"
promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.log" 2>&1 ||
  fail "promtool check metrics: $(cat "$tmp/promtool.log")"
[ -s "$tmp/promtool.log" ] && fail "promtool check metrics found problems: $(cat "$tmp/promtool.log")"

labgate_stop
echo "PASS: Prometheus scraped labgate: 100 DNS answers, 7 proxy connections, kernel forward counters, a reload"
