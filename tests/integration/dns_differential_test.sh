#!/usr/bin/env bash
# Differential test: labgate and Unbound answer the same query set for the same records, and must
# agree on rcode, the AA flag, the answer section and the authority section (SOA serials aside:
# labgate's is its load time). Unbound serves the zone that `labgate export dns --format zone`
# prints for the LAN's view, as an auth-zone; labgate serves the file itself, answering loopback
# clients with the LAN's view. This checks the server's RFC semantics (wildcards, empty
# non-terminals, NODATA/NXDOMAIN with SOA, apex) and the zone export against an independent
# implementation.
# Usage: dns_differential_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
for tool in dig unbound; do command -v $tool >/dev/null || fail "$tool is missing (scripts/install-deps.sh)"; done

ns=lgdnsdiff$$
tmp=$(mktemp -d)
cleanup() {
  ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
  sleep 0.2
  ip netns del $ns 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add $ns || fail "cannot create network namespace $ns"
ip -n $ns link set lo up

# The seed with more kinds of names: a wildcard, a name below it, a two-label name.
sed 's/^  zone: cluster$/&\n  names:\n    "*.apps": ingress\n    files.apps: sftp\n    api.k8s: kubernetes-api/' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q '"\*.apps": ingress' "$tmp/labgate.yaml" || fail "test setup: could not edit the topology"
sed -i 's/^forwards:$/forwards:\n  - { listen: lan:2223, to: sftp:ssh }/' "$tmp/labgate.yaml"
"$labgate" check -c "$tmp/labgate.yaml" >/dev/null 2>&1 || fail "test topology does not check: $("$labgate" check -c "$tmp/labgate.yaml" 2>&1)"
"$labgate" export dns -c "$tmp/labgate.yaml" --format zone --view lan >"$tmp/cluster.zone" 2>/dev/null ||
  fail "export dns --format zone failed"

cat >"$tmp/unbound.conf" <<CONF
server:
  interface: 127.0.0.1@5301
  num-threads: 1
  do-daemonize: no
  username: ""
  chroot: ""
  pidfile: ""
  use-syslog: no
  access-control: 127.0.0.0/8 allow
auth-zone:
  name: "cluster."
  zonefile: "$tmp/cluster.zone"
  for-downstream: yes
  for-upstream: no
CONF
ip netns exec $ns unbound -c "$tmp/unbound.conf" 2>"$tmp/unbound.log" &
ip netns exec $ns "$labgate" run -c "$tmp/labgate.yaml" --listen 127.0.0.1:5300 --threads 1 \
  --view-for-loopback lan 2>"$tmp/labgate.log" &

ask() { ip netns exec $ns dig @127.0.0.1 -p "$1" +time=2 +tries=1 +norecurse +noedns "${@:2}"; }
for port in 5300 5301; do
  for _ in $(seq 50); do grep -q . <(ask $port cluster SOA +short) && break; sleep 0.1; done
  grep -q . <(ask $port cluster SOA +short) || fail "server on port $port does not answer: $(cat "$tmp"/*.log)"
done

# rcode, the aa flag, and the answer and authority sections, sorted, SOA serial masked.
summary() {
  local out
  out=$(ask "$@" +noall +comments +answer +authority)
  echo "status=$(grep -o 'status: [A-Z]*' <<<"$out" | cut -d' ' -f2)" \
       "aa=$(grep -q 'flags:[^;]* aa' <<<"$out" && echo 1 || echo 0)"
  grep -v '^;' <<<"$out" | grep . | awk '$4 == "SOA" {$7 = "SERIAL"} {$1 = tolower($1); print}' | sort
}

queries=(
  "argocd.cluster A" "argocd.cluster AAAA" "ArgoCD.CLUSTER A" "argocd.cluster MX"
  "nosuch.cluster A" "nosuch.cluster AAAA" "a.b.nosuch.cluster A"
  "cluster SOA" "cluster NS" "cluster A" "cluster AAAA" "pve.cluster A"
  "grafana.apps.cluster A" "a.b.apps.cluster A" "apps.cluster A" "*.apps.cluster A"
  "files.apps.cluster A" "x.files.apps.cluster A" "k8s.cluster A" "api.k8s.cluster A"
  "api.k8s.cluster AAAA" "longhorn.cluster TXT" "navidrome.cluster ANY"
)
failures=0
for q in "${queries[@]}"; do
  a=$(summary 5300 $q) b=$(summary 5301 $q)
  if [ "$a" != "$b" ]; then
    echo "DIFFERENT for '$q':" >&2
    diff <(echo "$b") <(echo "$a") | sed 's/^/  /' >&2
    echo "  (< unbound, > labgate)" >&2
    failures=$((failures + 1))
  fi
done
[ $failures = 0 ] || fail "$failures of ${#queries[@]} queries differ"
echo "PASS: labgate and unbound agree on ${#queries[@]} queries (rcode, aa, answer, authority)"
