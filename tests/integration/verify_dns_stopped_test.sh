#!/usr/bin/env bash
# labgate's DNS service in the lab's gateway stopped: verify fails, and names exactly the DNS
# checks (every name, from every network, and the forwarded name).
source "$(dirname "$0")/lab_common.sh" "$1" "$2" vd
"$labgate" lab up --name "$name" >/dev/null || fail "lab up failed"
"$labgate" lab status --name "$name" >"$tmp/status.txt"
grep -q "^gateway .*labgate run (DNS) pid [0-9]* (running)" "$tmp/status.txt" \
  || fail "lab status does not show labgate run in the gateway"
pid=$(server_pid gateway)
[ -n "$pid" ] || fail "no recorded pid for the gateway's DNS service"
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
expect_failing dns/{argocd,longhorn,navidrome}.cluster/client-{lan,cluster} recursion/client-{lan,cluster}
echo "PASS"
