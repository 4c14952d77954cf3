#!/usr/bin/env bash
# The query log: `labgate run` with `dns: { query_log: { entries: 5 } }`, known dig queries from a
# LAN client, then `labgate log` (over the daemon's loopback HTTP, inside the gateway's namespace)
# returns the last 5 with the right fields (client, name, type, view, rcode, how answered), and its
# filters (client, name, rcode, -n) select what they say. Without the key there is no log (404,
# `labgate log` says how to turn it on).
# Usage: query_log_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
lib=$(dirname "$0")/lib

# shellcheck source=lib/two_networks.sh
. "$lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$lib/labgate_run.sh"
command -v dig >/dev/null || fail "dig is missing (Debian package dnsutils; scripts/install-deps.sh)"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgql 192.168.1.10/24 192.168.100.50/24

sed -e 's|^  zone: cluster$|&\n  query_log: { entries: 5 }|' "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'query_log' "$tmp/labgate.yaml" || fail "could not turn the query log on"
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "serving DNS"
listening $gw tcp 127.0.0.1:9153

q() { ip netns exec "$1" dig @"$2" +time=2 +tries=1 +short "${@:3}" >/dev/null || fail "dig $*"; }
# Eight queries; the log keeps the last five: longhorn A (lan), argocd AAAA (lan), nope NXDOMAIN
# (lan), navidrome A (cluster), argocd A (lan).
q $lan 192.168.1.55 argocd.cluster A
q $lan 192.168.1.55 longhorn.cluster A
q $cluster 192.168.100.1 navidrome.cluster A
q $lan 192.168.1.55 longhorn.cluster A
q $lan 192.168.1.55 ArgoCD.cluster AAAA
q $lan 192.168.1.55 nope.cluster A
q $cluster 192.168.100.1 navidrome.cluster A
q $lan 192.168.1.55 argocd.cluster A

log() { ip netns exec $gw "$labgate" log "$@"; }
log --json >"$tmp/all.json" 2>"$tmp/log.err" || fail "labgate log: $(cat "$tmp/log.err")"
"$python" - "$tmp/all.json" <<'PY' || fail "the last five queries: $(cat "$tmp/all.json")"
import json, sys, re
j = json.load(open(sys.argv[1]))
got = [(q["client"], q["name"], q["type"], q["view"], q["rcode"], q["answered"]) for q in j["queries"]]
want = [
    ("192.168.1.10", "longhorn.cluster", "A", "lan", "NOERROR", "local"),
    ("192.168.1.10", "argocd.cluster", "AAAA", "lan", "NOERROR", "local"),
    ("192.168.1.10", "nope.cluster", "A", "lan", "NXDOMAIN", "local"),
    ("192.168.100.50", "navidrome.cluster", "A", "cluster", "NOERROR", "local"),
    ("192.168.1.10", "argocd.cluster", "A", "lan", "NOERROR", "local"),
]
assert j["entries"] == 5, j["entries"]
assert got == want, "\n".join(map(str, got))
times = [q["time"] for q in j["queries"]]
assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in times), times
assert times == sorted(times), times
assert all(0 <= q["latency_ms"] < 1000 for q in j["queries"])
PY
echo "ok: with entries: 5, the log holds the last 5 of 8 queries with client, name, type, view, rcode, answered"

[ "$(log --rcode nxdomain --json | "$python" -c 'import json,sys; print(" ".join(q["name"] for q in json.load(sys.stdin)["queries"]))')" = nope.cluster ] ||
  fail "--rcode NXDOMAIN"
[ "$(log --client 192.168.100.0/24 --json | "$python" -c 'import json,sys; print(len(json.load(sys.stdin)["queries"]))')" = 1 ] ||
  fail "--client 192.168.100.0/24"
[ "$(log --name argo -n 1 --json | "$python" -c 'import json,sys; q=json.load(sys.stdin)["queries"]; print(len(q), q[0]["type"])')" = "1 A" ] ||
  fail "--name argo -n 1"
log --client 192.168.1.10 >"$tmp/table" || fail "labgate log (table)"
head -1 "$tmp/table" | grep -q '^TIME  *CLIENT  *NAME  *TYPE  *VIEW  *RCODE  *ANSWERED  *MS$' || fail "table header: $(head -1 "$tmp/table")"
[ "$(grep -c ' 192.168.1.10 ' "$tmp/table")" = 4 ] || fail "table rows: $(cat "$tmp/table")"
log --rcode BOGUS >/dev/null 2>"$tmp/bad.err"
[ $? = 2 ] || fail "a bad filter must exit 2"
grep -q "rcode" "$tmp/bad.err" || fail "the bad filter's message: $(cat "$tmp/bad.err")"
echo "ok: labgate log filters by rcode, client subnet, name and count; a bad filter exits 2"

labgate_stop

# Without dns.query_log, nothing is kept.
ip netns exec $gw "$labgate" run -c "$src/examples/homelab.yaml" --threads 1 2>"$tmp/run.log" &
pid=$!
labgate_ready "serving DNS"
listening $gw tcp 127.0.0.1:9153
q $lan 192.168.1.55 argocd.cluster A
log >/dev/null 2>"$tmp/off.err"
[ $? = 1 ] || fail "labgate log without a query log must exit 1"
grep -q "query_log" "$tmp/off.err" || fail "it must say how to turn it on: $(cat "$tmp/off.err")"
labgate_stop
echo "PASS: query log"
