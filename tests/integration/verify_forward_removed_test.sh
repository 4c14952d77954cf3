#!/usr/bin/env bash
# A forward deleted from the live ruleset: verify fails, and names exactly that forward, its
# hairpin, and the ruleset (no longer what labgate applied).
source "$(dirname "$0")/lab_common.sh" "$1" "$2" vf
"$labgate" lab up --name "$name" >/dev/null || fail "lab up failed"
"$labgate" verify --lab --name "$name" >/dev/null || fail "verify fails before the change"
"$labgate" lab exec --name "$name" gateway -- nft delete element inet labgate dnat_tcp '{ 192.168.1.55 . 80 }' \
  || fail "cannot delete the forward's map element"
expect_failing ruleset/inet-labgate forward/lan:80/tcp hairpin/lan:80/tcp
"$labgate" verify --lab --name "$name" >"$tmp/verify.txt" || true
grep -q "^ruleset/inet-labgate .*changed since labgate applied it .*FAIL$" "$tmp/verify.txt" \
  || fail "the ruleset check does not say the table was changed"
# Re-applying the file repairs it.
"$labgate" lab exec --name "$name" gateway -- "$labgate" apply -c "/run/labgate/lab-$name/topology.yaml" \
  --state-dir "/run/labgate/lab-$name/state" >/dev/null || fail "re-apply failed"
"$labgate" verify --lab --name "$name" >/dev/null || fail "verify fails after re-applying"
echo "PASS"
