#!/usr/bin/env bash
# The seed with masquerade switched off: cluster VMs lose the internet, and verify names exactly
# those checks.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" vm
sed 's/^    masquerade: true$/    masquerade: false/' "$src/examples/homelab.yaml" >"$tmp/nomasq.yaml"
grep -q "masquerade: false" "$tmp/nomasq.yaml" || fail "could not switch masquerade off in the copy"
"$labgate" lab up --name "$name" -c "$tmp/nomasq.yaml" >/dev/null || fail "lab up failed"
expect_failing internet/talos-controlplane-01 internet/talos-worker-01
echo "PASS"
