#!/usr/bin/env bash
# `labgate run` as a caching forwarder between namespaces: the seed's two networks (lib/two_networks.sh),
# and Unbound as the seed's home router 192.168.1.1 (the file's upstream) with local-data records,
# on the LAN side. dig from the LAN and the cluster client proves: (a) a forwarded answer has RA
# and not AA; (b) a second answer comes from the cache (lower TTL, Unbound's query count
# unchanged); (f) NXDOMAIN is cached too; (c) an answer larger than 1232 bytes, truncated by Unbound
# over UDP, is fetched over TCP: a TCP client gets all of it, a UDP client gets TC; (e) a client on
# a network outside dns.recursion gets REFUSED (RA clear) for other names and its local answers as
# before; (d) with Unbound stopped, an expired answer is served stale with TTL 30, a never-seen
# name gets SERVFAIL, a reload (SIGHUP) of the same file keeps the cache, and one that changes
# the upstreams clears it.
# Usage: dns_forward_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
fail() {
  echo "FAIL: $*" >&2
  [ -f "${tmp:-}/run.log" ] && sed 's/^/  labgate: /' "$tmp/run.log" >&2
  [ -f "${tmp:-}/unbound.log" ] && tail -20 "$tmp/unbound.log" | sed 's/^/  unbound: /' >&2
  exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
for tool in dig unbound unbound-control; do
  command -v $tool >/dev/null || fail "$tool is missing (Debian packages dnsutils, unbound; scripts/install-deps.sh)"
done

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
two_networks_up lgfwd 192.168.1.10/24 192.168.100.60/24
ip -n $lan addr add 192.168.1.1/24 dev eth0 # the home router, where Unbound listens

# The seed, with recursion for the LAN only.
sed 's/^  upstreams: \[192.168.1.1\]$/  upstreams: [192.168.1.1]\n  recursion: [lan]/' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q "^  recursion: \[lan\]$" "$tmp/labgate.yaml" || fail "test setup: could not edit the topology"

# Unbound: a static zone example.test; big.example.test has 24 TXT records of 100 bytes (~2.7 KB).
big=$(printf 'x%.0s' $(seq 100))
{
  cat <<CONF
server:
  interface: 192.168.1.1
  port: 53
  num-threads: 1
  do-daemonize: no
  username: ""
  chroot: ""
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 1
  log-queries: yes
  access-control: 192.168.0.0/16 allow
  local-zone: "example.test." static
  local-data: "example.test. 3600 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60"
  local-data: "www.example.test. 300 IN A 198.51.100.7"
  local-data: "short.example.test. 2 IN A 198.51.100.8"
CONF
  for i in $(seq 10 33); do echo "  local-data: 'big.example.test. 300 IN TXT \"$i$big\"'"; done
  cat <<CONF
remote-control:
  control-enable: yes
  control-interface: $tmp/unbound.ctl
CONF
} >"$tmp/unbound.conf"
ip netns exec $lan unbound -c "$tmp/unbound.conf" 2>"$tmp/unbound.log" &
unbound_pid=$!

ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 1 2>"$tmp/run.log" &
pid=$!

# dig from a client namespace: q NS SERVER ARGS...
q() { local ns=$1 server=$2; shift 2; ip netns exec $ns dig @"$server" +time=3 +tries=1 "$@"; }
short() { q "$@" +short; }
queries() { unbound-control -c "$tmp/unbound.conf" stats_noreset | sed -n 's/^total.num.queries=//p'; }
ttl_of() { awk '$1 == "'"$1"'" && $3 == "IN" { print $2; exit }'; }

for _ in $(seq 50); do
  [ "$(short $lan 192.168.1.1 www.example.test)" = 198.51.100.7 ] && break
  sleep 0.1
done
[ "$(short $lan 192.168.1.1 www.example.test)" = 198.51.100.7 ] || fail "test setup: Unbound does not answer"
for _ in $(seq 50); do
  [ "$(short $lan 192.168.1.55 argocd.cluster)" = 192.168.1.55 ] && break
  kill -0 $pid 2>/dev/null || fail "labgate run exited early"
  sleep 0.1
done
before=$(queries)
[ -n "$before" ] || fail "test setup: unbound-control stats gives no query count"

# (a) Forwarded: Unbound's answer, with RA, without AA (Unbound is authoritative for it; labgate is not).
out=$(q $lan 192.168.1.55 www.example.test)
grep -q "status: NOERROR" <<<"$out" || fail "(a) www.example.test: not NOERROR: $out"
grep -qE "^www\.example\.test\.\s+[0-9]+\s+IN\s+A\s+198\.51\.100\.7$" <<<"$out" || fail "(a) no forwarded answer: $out"
grep -q "flags: qr rd ra;" <<<"$out" || fail "(a) flags are not exactly qr rd ra: $out"
[ "$(queries)" = $((before + 1)) ] || fail "(a) Unbound saw $(($(queries) - before)) queries, want 1"

# (b) Cached: a second later the TTL is lower, and Unbound was not asked again.
sleep 1.2
out=$(q $lan 192.168.1.55 www.example.test)
ttl=$(ttl_of www.example.test. <<<"$out")
[ -n "$ttl" ] && [ "$ttl" -lt 300 ] || fail "(b) second answer's TTL is '$ttl', want below 300: $out"
[ "$(queries)" = $((before + 1)) ] || fail "(b) the second query reached Unbound"

# (f) NXDOMAIN from upstream, with its SOA, cached as well.
out=$(q $lan 192.168.1.55 nosuch.example.test)
grep -q "status: NXDOMAIN" <<<"$out" || fail "(f) nosuch.example.test: not NXDOMAIN: $out"
grep -qE "^example\.test\.\s+[0-9]+\s+IN\s+SOA" <<<"$out" || fail "(f) NXDOMAIN without the SOA: $out"
n=$(queries)
grep -q "status: NXDOMAIN" <(q $lan 192.168.1.55 NoSuch.Example.Test) || fail "(f) second NXDOMAIN"
[ "$(queries)" = "$n" ] || fail "(f) the NXDOMAIN was not cached: Unbound asked again"

# (c) Larger than 1232 bytes: labgate's UDP query gets TC from Unbound and is retried over TCP.
out=$(q $lan 192.168.1.55 big.example.test TXT +ignore +bufsize=1232)
grep -q "flags: qr tc rd ra;" <<<"$out" || fail "(c) UDP client: no TC: $out"
out=$(q $lan 192.168.1.55 big.example.test TXT +tcp)
grep -q "ANSWER: 24," <<<"$out" || fail "(c) TCP client: not the 24 records: $out"
grep -q "flags: qr rd ra;" <<<"$out" || fail "(c) TCP client: flags: $out"
out=$(q $lan 192.168.1.55 big.example.test TXT +bufsize=4096 +ignore)
grep -q "flags: qr tc rd ra;" <<<"$out" || fail "(c) labgate's UDP replies exceed 1232 bytes: $out"
# Unbound saw it twice from labgate: over UDP (truncated), then over TCP; never again after that.
n=$(grep -c "192.168.1.55 big.example.test. TXT IN" "$tmp/unbound.log")
[ "$n" = 2 ] || fail "(c) Unbound saw $n TXT queries from labgate, want 2 (UDP, then TCP)"

# (e) The cluster is not in dns.recursion: REFUSED, RA clear; its local answers are unchanged.
out=$(q $cluster 192.168.100.1 www.example.test)
grep -q "status: REFUSED" <<<"$out" || fail "(e) cluster client was not REFUSED: $out"
grep -q "flags: qr rd;" <<<"$out" || fail "(e) REFUSED with RA set: $out"
[ "$(short $cluster 192.168.100.1 argocd.cluster)" = 192.168.100.80 ] || fail "(e) local name from the cluster"

# (d) Serve-stale: a 2 s record, then Unbound stops; past the TTL labgate answers it with TTL 30.
[ "$(short $lan 192.168.1.55 short.example.test)" = 198.51.100.8 ] || fail "(d) short.example.test"
kill $unbound_pid
wait $unbound_pid 2>/dev/null
sleep 2.5
out=$(q $lan 192.168.1.55 short.example.test)
grep -qE "^short\.example\.test\.\s+30\s+IN\s+A\s+198\.51\.100\.8$" <<<"$out" || fail "(d) no stale answer with TTL 30: $out"
out=$(q $lan 192.168.1.55 never.example.test)
grep -q "status: SERVFAIL" <<<"$out" || fail "(d) a name never seen, upstream down: not SERVFAIL: $out"

# Reload keeps the cache: www.example.test is still answered with Unbound gone.
kill -HUP $pid
for _ in $(seq 50); do grep -q "reloaded: zone" "$tmp/run.log" && break; sleep 0.1; done
grep -q "reloaded: zone" "$tmp/run.log" || fail "reload not logged"
[ "$(short $lan 192.168.1.55 www.example.test)" = 198.51.100.7 ] || fail "the cache did not survive the reload"

# A reload that changes the upstreams clears the cache: www.example.test is asked of the new
# upstream (the LAN client's address, where nothing listens on 53), so SERVFAIL, not the cached
# answer of the old one.
sed -i 's/^  upstreams: \[192.168.1.1\]$/  upstreams: [192.168.1.10]/' "$tmp/labgate.yaml"
grep -q "^  upstreams: \[192.168.1.10\]$" "$tmp/labgate.yaml" || fail "test setup: could not change the upstreams"
kill -HUP $pid
for _ in $(seq 50); do [ "$(grep -c "reloaded: zone" "$tmp/run.log")" -ge 2 ] && break; sleep 0.1; done
[ "$(grep -c "reloaded: zone" "$tmp/run.log")" -ge 2 ] || fail "second reload not logged"
out=$(q $lan 192.168.1.55 www.example.test)
grep -q "status: SERVFAIL" <<<"$out" || fail "a reload with other upstreams kept the old upstream's cached answer: $out"

kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
wait $pid
status=$?
pid=
[ $status = 0 ] || fail "exit status $status after SIGTERM"
echo "PASS: dns forwarding (RA not AA), cache (TTL, upstream count), NXDOMAIN cached, TCP fallback, recursion refused, serve-stale, SERVFAIL, reload keeps the cache, a reload with other upstreams clears it"
