#!/usr/bin/env bash
# The seed topology as a lab: built in under 10 s, every check passes (table and JSON), and the
# live checks pass when verify runs on the lab's gateway as if it were the real one.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" vs

start=$(date +%s.%N)
"$labgate" lab up --name "$name" >"$tmp/up.txt" 2>&1 || { cat "$tmp/up.txt" >&2; fail "lab up failed"; }
elapsed=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
echo "lab up took ${elapsed}s"
python3 -c "import sys; sys.exit(0 if float('$elapsed') < 10 else 1)" || fail "lab up took ${elapsed}s (limit 10 s)"

# Status names every node, and every server runs.
"$labgate" lab status --name "$name" >"$tmp/status.txt"
for node in gateway upstream talos-controlplane-01 talos-worker-01 ingress sftp client-lan client-cluster; do
  grep -q "^$node " "$tmp/status.txt" || fail "lab status lacks node $node"
done
grep -q "NOT RUNNING" "$tmp/status.txt" && fail "a server is not running: $(cat "$tmp/status.txt")"

# The table: every row PASS, exit 0.
"$labgate" verify --lab --name "$name" >"$tmp/verify.txt" || { cat "$tmp/verify.txt" >&2; fail "verify --lab failed on the seed"; }
cat "$tmp/verify.txt"
rows=$(tail -n +2 "$tmp/verify.txt" | grep -c '' || true)
passes=$(grep -c ' PASS$' "$tmp/verify.txt" || true)
[ "$passes" -eq $((rows - 1)) ] || fail "$passes PASS rows of $((rows - 1))"
grep -q "26 checks: 26 passed, 0 failed, 0 skipped" "$tmp/verify.txt" || fail "unexpected summary"

# JSON: the same checks, all PASS.
"$labgate" verify --lab --name "$name" --json >"$tmp/verify.json" || fail "verify --json failed"
python3 - "$tmp/verify.json" <<'PY' || fail "JSON output"
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["failed"] == 0 and doc["passed"] == 26, doc
names = {c["check"] for c in doc["checks"]}
for want in ["forward/lan:2222/tcp", "hairpin/lan:6443/tcp", "internet/talos-worker-01",
             "ping-gateway/talos-controlplane-01", "isolation/client-lan/sftp:ssh",
             "dns/argocd.cluster/client-lan", "dns/argocd.cluster/client-cluster",
             "recursion/client-lan", "recursion/client-cluster"]:
    assert want in names, want
PY

# Live mode, run inside the lab's gateway: the table, the sysctl and every backend, plus the
# list of what needs a lab.
"$labgate" lab exec --name "$name" gateway -- "$labgate" verify -c "/run/labgate/lab-$name/topology.yaml" \
  --state-dir "/run/labgate/lab-$name/state" >"$tmp/live.txt" || { cat "$tmp/live.txt" >&2; fail "live verify in the gateway failed"; }
grep -q "^backend/sftp:ssh .* PASS$" "$tmp/live.txt" || fail "live: no passing backend check"
grep -q "^ruleset/inet-labgate .* PASS$" "$tmp/live.txt" || fail "live: no passing ruleset check"
grep -q "needs --lab" "$tmp/live.txt" || fail "live: does not list what needs the lab"

# lab exec passes the command's exit status through.
status=0
"$labgate" lab exec --name "$name" client-lan -- sh -c 'exit 7' || status=$?
[ "$status" -eq 7 ] || fail "lab exec exit status $status, want 7"
echo "PASS"
