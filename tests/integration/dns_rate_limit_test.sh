#!/usr/bin/env bash
# The response-rate limit in `labgate run`'s default configuration (issue 12, item 5): clients on
# the file's own networks are served at full speed, sources the file does not know are limited.
# A gateway namespace with the seed's two networks; a cluster namespace holding two Kubernetes
# nodes' addresses (192.168.100.60 and .70, one /24 like every node of a cluster) and a stranger
# (10.99.0.5, routed to the gateway over the cluster link but on none of the file's networks).
#   - dnsperf from each node at once, 1,000 qps each for 10 s (local names): < 0.1% lost each.
#     Before the fix, the default of 200 answers/s per /24 lost most of them.
#   - dnsperf from the stranger at 1,000 qps for 5 s: limited (>= 10% lost), yet not silenced
#     (at least the burst and rate of one loop answered).
# Usage: dns_rate_limit_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
command -v dnsperf >/dev/null || fail "dnsperf is missing (Debian package dnsperf; scripts/install-deps.sh)"
command -v dig >/dev/null || fail "dig is missing (Debian package dnsutils; scripts/install-deps.sh)"
two_networks_up lgrrl 192.168.1.10/24 192.168.100.60/24 192.168.100.70/24 10.99.0.5/24
ip -n $gw route add 10.99.0.0/24 dev vmbr1 || fail "cannot route the stranger's prefix"

cp "$src/examples/homelab.yaml" "$tmp/labgate.yaml"
# The default rate limit (no --rate-limit): that is what is under test.
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "serving DNS"
listening $gw udp 192.168.100.1:53

printf '%s\n' "argocd.cluster A" "longhorn.cluster A" "navidrome.cluster A" "nosuch.cluster A" \
  "argocd.cluster AAAA" "cluster SOA" >"$tmp/queries"

# perf FROM QPS SECONDS OUT: dnsperf from FROM (in the cluster namespace) at QPS for SECONDS.
perf() {
  ip netns exec $cluster dnsperf -s 192.168.100.1 -a "$1" -d "$tmp/queries" -c 2 -t 2 -q 2000 \
    -Q "$2" -l "$3" >"$4" 2>&1 || fail "dnsperf from $1 failed: $(cat "$4")"
}
sent() { awk '/Queries sent:/ {print $3}' "$1"; }
lost() { awk '/Queries lost:/ {print $3}' "$1"; }

perf 192.168.100.60 1000 10 "$tmp/node1" &
p1=$!
perf 192.168.100.70 1000 10 "$tmp/node2" &
p2=$!
wait $p1 || fail "dnsperf from node 1"
wait $p2 || fail "dnsperf from node 2"
for node in node1 node2; do
  s=$(sent "$tmp/$node") l=$(lost "$tmp/$node")
  [ -n "$s" ] && [ -n "$l" ] || fail "$node: no dnsperf summary: $(cat "$tmp/$node")"
  echo "$node: $s sent, $l lost"
  [ "$s" -ge 9000 ] || fail "$node: dnsperf sent only $s queries in 10 s at 1,000 qps"
  # < 0.1% lost: at most s/1000 (rounded down).
  [ "$l" -le $((s / 1000)) ] || fail "$node: $l of $s queries lost (>= 0.1%): $(cat "$tmp/$node")"
done

# A source the file does not know is still limited: 200 answers/s per /24 per loop, bursts of 400,
# every second excess query answered TC (which dnsperf counts as answered).
perf 10.99.0.5 1000 5 "$tmp/stranger"
s=$(sent "$tmp/stranger") l=$(lost "$tmp/stranger")
[ -n "$s" ] && [ -n "$l" ] || fail "stranger: no dnsperf summary: $(cat "$tmp/stranger")"
echo "stranger: $s sent, $l lost"
[ "$l" -ge $((s / 10)) ] || fail "the stranger was not limited: $l of $s lost"
[ $((s - l)) -ge 1400 ] || fail "the stranger got fewer answers than one loop's rate and burst: $((s - l)) of $s"
# A stranger that slipped retries over TCP and gets its answer (REFUSED: it is on no network).
out=$(ip netns exec $cluster dig @192.168.100.1 -b 10.99.0.5 +tcp +time=2 +tries=1 argocd.cluster)
grep -q "status: REFUSED" <<<"$out" || fail "the stranger over TCP: $out"

labgate_stop
echo "PASS"
