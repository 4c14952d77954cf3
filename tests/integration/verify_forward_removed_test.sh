#!/usr/bin/env bash
# A forward deleted from the live ruleset: verify fails, and names exactly that forward and its
# hairpin.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" vf
"$labgate" lab up --name "$name" >/dev/null || fail "lab up failed"
"$labgate" verify --lab --name "$name" >/dev/null || fail "verify fails before the change"
"$labgate" lab exec --name "$name" gateway -- nft delete element inet labgate dnat_tcp '{ 192.168.1.55 . 80 }' \
  || fail "cannot delete the forward's map element"
expect_failing forward/lan:80/tcp hairpin/lan:80/tcp
echo "PASS"
