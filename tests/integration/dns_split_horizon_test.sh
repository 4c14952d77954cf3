#!/usr/bin/env bash
# `labgate run` serving the seed's DNS in namespaces: a gateway namespace with the seed's two
# networks, one client namespace on each, and dig from each client. Proves split-horizon
# (argocd.cluster is the gateway from the LAN, the ingress from the cluster), NODATA+SOA for AAAA,
# NXDOMAIN+SOA, SERVFAIL for other names when the upstream is missing, PTR, TCP, SIGHUP reload of
# a changed file, a bad file on reload keeping the old answers, and a clean stop on SIGTERM.
# Usage: dns_split_horizon_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
command -v dig >/dev/null || fail "dig is missing (Debian package dnsutils; scripts/install-deps.sh)"
two_networks_up lgdns 192.168.1.10/24 192.168.100.60/24

cp "$src/examples/homelab.yaml" "$tmp/labgate.yaml"
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!

# dig from a client namespace: q NS SERVER ARGS...
q() { local ns=$1 server=$2; shift 2; ip netns exec $ns dig @"$server" +time=2 +tries=1 "$@"; }
short() { q "$@" +short; }

for _ in $(seq 50); do
  [ "$(short $lan 192.168.1.55 argocd.cluster)" = 192.168.1.55 ] && break
  kill -0 $pid 2>/dev/null || fail "labgate run exited early"
  sleep 0.1
done
grep -q "serving DNS for zone 'cluster' on udp+tcp 192.168.1.55:53, 192.168.100.1:53 with 2 threads" "$tmp/run.log" ||
  fail "no readiness line"

# Split horizon: the same name, two networks, two answers.
[ "$(short $lan 192.168.1.55 argocd.cluster)" = 192.168.1.55 ] || fail "LAN: argocd.cluster is not the gateway"
[ "$(short $cluster 192.168.100.1 argocd.cluster)" = 192.168.100.80 ] || fail "cluster: argocd.cluster is not the ingress"
[ "$(short $lan 192.168.1.55 NAVIDROME.Cluster)" = 192.168.1.55 ] || fail "names are not case-insensitive"
# Over TCP too.
[ "$(short $cluster 192.168.100.1 longhorn.cluster +tcp)" = 192.168.100.80 ] || fail "TCP: wrong or no answer"
[ "$(short $lan 192.168.1.55 longhorn.cluster +tcp)" = 192.168.1.55 ] || fail "TCP from the LAN: wrong or no answer"

# AAAA: NOERROR, authoritative, no answer, the SOA in authority.
out=$(q $lan 192.168.1.55 argocd.cluster AAAA)
grep -q "status: NOERROR" <<<"$out" || fail "AAAA: not NOERROR: $out"
grep -q "flags: qr aa rd;.*ANSWER: 0, AUTHORITY: 1" <<<"$out" || fail "AAAA: not an authoritative NODATA: $out"
grep -qE "^cluster\.\s+60\s+IN\s+SOA\s+pve\.cluster\. hostmaster\.cluster\." <<<"$out" || fail "AAAA: no SOA: $out"

# Unknown name: NXDOMAIN with the SOA.
out=$(q $cluster 192.168.100.1 nosuch.cluster)
grep -q "status: NXDOMAIN" <<<"$out" || fail "nosuch.cluster: not NXDOMAIN: $out"
grep -qE "^cluster\.\s+60\s+IN\s+SOA" <<<"$out" || fail "NXDOMAIN without SOA: $out"

# The apex, PTR, and what it does not serve.
[ "$(short $lan 192.168.1.55 cluster NS)" = pve.cluster. ] || fail "apex NS"
[ "$(short $lan 192.168.1.55 pve.cluster)" = 192.168.1.55 ] || fail "the gateway's name from the LAN"
[ "$(short $cluster 192.168.100.1 pve.cluster)" = 192.168.100.1 ] || fail "the gateway's name from the cluster"
[ "$(short $lan 192.168.1.55 -x 192.168.100.80)" = argocd.cluster. ] || fail "PTR for the ingress"
# A name outside the zone goes to the seed's upstream 192.168.1.1, which does not exist here:
# SERVFAIL with RA (forwarding itself is tested in dns_forward_test.sh).
out=$(q $lan 192.168.1.55 example.com +time=4)
grep -q "status: SERVFAIL" <<<"$out" && grep -q "flags: qr rd ra;" <<<"$out" ||
  fail "a name outside the zone, upstream missing: not SERVFAIL with RA: $out"

# Reload: a changed name is served after SIGHUP, the removed one is gone.
sed -i 's/host: argocd\.cluster }$/host: argo.cluster }/' "$tmp/labgate.yaml"
grep -q "host: argo.cluster }$" "$tmp/labgate.yaml" || fail "test setup: could not edit the topology"
kill -HUP $pid
for _ in $(seq 50); do
  [ "$(short $lan 192.168.1.55 argo.cluster)" = 192.168.1.55 ] && break
  sleep 0.1
done
[ "$(short $lan 192.168.1.55 argo.cluster)" = 192.168.1.55 ] || fail "reload: argo.cluster not served"
[ "$(short $cluster 192.168.100.1 argo.cluster +tcp)" = 192.168.100.80 ] || fail "reload: argo.cluster over TCP"
grep -q "status: NXDOMAIN" <(q $lan 192.168.1.55 argocd.cluster) || fail "reload: argocd.cluster still served"
grep -q "reloaded: zone 'cluster', 3 names" "$tmp/run.log" || fail "reload not logged"

# A broken file on reload: reported, old answers kept, still running.
echo "  bogus: [" >>"$tmp/labgate.yaml"
kill -HUP $pid
for _ in $(seq 50); do grep -q "reload failed" "$tmp/run.log" && break; sleep 0.1; done
grep -q "reload failed; still serving the previous answers" "$tmp/run.log" || fail "bad reload not reported"
grep -q "labgate.yaml:[0-9]*:[0-9]*: error" "$tmp/run.log" || fail "bad reload without file:line:col"
[ "$(short $lan 192.168.1.55 argo.cluster)" = 192.168.1.55 ] || fail "bad reload dropped the answers"

# export dns: the same views as text for other tools; an unknown view is a config error.
"$labgate" export dns -c "$src/examples/homelab.yaml" --format hosts --view cluster 2>/dev/null |
  grep -qx "192.168.100.80 argocd.cluster" || fail "export dns --view cluster"
"$labgate" export dns -c "$src/examples/homelab.yaml" --format dnsmasq 2>/dev/null |
  grep -qx "host-record=argocd.cluster,192.168.1.55" || fail "export dns (default view: the uplink)"
status=0
"$labgate" export dns -c "$src/examples/homelab.yaml" --format zone --view nosuch >/dev/null 2>&1 || status=$?
[ $status = 2 ] || fail "export dns --view nosuch: exit $status, want 2"

# SIGTERM: a clean stop, exit 0.
kill -TERM $pid
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && fail "still running 5 s after SIGTERM"
wait $pid
status=$?
pid=
[ $status = 0 ] || fail "exit status $status after SIGTERM"
grep -q "stopped after [0-9]* answers" "$tmp/run.log" || fail "no stop line"
echo "PASS: dns split-horizon, NODATA/NXDOMAIN with SOA, TCP, PTR, reload, bad reload, export, stop"
