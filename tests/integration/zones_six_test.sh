#!/usr/bin/env bash
# Issue 16: the policy matrix of a generated 6-zone, 30-service topology (bench/zones/gen_matrix.py)
# holds in a lab: every cell agrees with the policy, several hundred of them, in under 10 s.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" zs
python3 "$src/bench/zones/gen_matrix.py" "$tmp/six.yaml"
"$labgate" check -c "$tmp/six.yaml" >/dev/null || fail "the generated topology does not pass check"
"$labgate" lab up --name "$name" -c "$tmp/six.yaml" >"$tmp/up.txt" 2>&1 || { cat "$tmp/up.txt" >&2; fail "lab up failed"; }
start=$(date +%s.%N)
"$labgate" verify --lab --name "$name" --json >"$tmp/verify.json" || {
  "$labgate" verify --lab --name "$name" >&2 || true
  fail "verify failed on the 6-zone topology"
}
elapsed=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
python3 - "$tmp/verify.json" <<'PY' || fail "matrix"
import json, sys
doc = json.load(open(sys.argv[1]))
cells = [c for c in doc["checks"] if c["check"].startswith("zone/")]
allowed = [c for c in cells if c["expected"] != "denied"]
denied = [c for c in cells if c["expected"] == "denied"]
assert doc["failed"] == 0, doc["failed"]
assert len(cells) >= 300, len(cells)
# Both verdicts are exercised, and z5 opens nothing anywhere.
assert len(allowed) >= 50 and len(denied) >= 100, (len(allowed), len(denied))
assert all(c["expected"] == "denied" for c in cells if c["check"].startswith("zone/z5>") and "gateway" not in c["check"])
print(f"ok: {len(cells)} cells ({len(allowed)} allowed, {len(denied)} denied), all agree")
PY
echo "verify took ${elapsed}s"
python3 -c "import sys; sys.exit(0 if float('$elapsed') < 10 else 1)" || fail "verify took ${elapsed}s (limit 10 s)"
echo "PASS"
