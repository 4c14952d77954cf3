#!/usr/bin/env bash
# Issue 16 item 2: the zone filter compiles to a script nft accepts. In a throwaway namespace:
# `nft -c -f` (check only) and then `nft -f` of the plan of examples/homelab-vlan.yaml and of the
# reviewed golden files with zones; the loaded table lists the dispatch maps and every pair chain
# of the plan; a file without zones still loads the seed's table unchanged.
source "$(dirname "$0")/kernel_common.sh" "$1" "$2"
g="${ns}gw"
ip netns add "$g"
inns "$g" ip link set lo up

"$labgate" plan -c "$src/examples/homelab-vlan.yaml" >"$tmp/vlan.nft" 2>"$tmp/plan.err" ||
  fail "plan of homelab-vlan.yaml failed: $(cat "$tmp/plan.err")"
for f in "$tmp/vlan.nft" "$src/tests/plan/golden/homelab-vlan.nft" "$src/tests/plan/golden/zones-small.nft"; do
  inns "$g" nft -c -f "$f" || fail "nft -c refuses $(basename "$f")"
  inns "$g" nft -f "$f" || fail "nft -f refuses $(basename "$f")"
  inns "$g" nft list table inet labgate >"$tmp/live" || fail "no table after loading $(basename "$f")"
  grep -q "iifname . oifname vmap @zone_forward" "$tmp/live" || fail "$(basename "$f"): no forward dispatch"
  grep -q "iifname vmap @zone_input" "$tmp/live" || fail "$(basename "$f"): no input dispatch"
  # Every chain the script defines is live.
  for chain in $(grep -o '^	chain [a-z_0-9-]*' "$f" | awk '{print $2}'); do
    grep -q "chain $chain {" "$tmp/live" || fail "$(basename "$f"): chain $chain not loaded"
  done
done
echo "ok: the zone plans pass nft -c and load"

# The example's plan as loaded: the users -> servers chain has its ports, iot reaches nothing.
inns "$g" nft -f "$tmp/vlan.nft" || fail "nft -f refuses the example's plan"
grep -q 'tcp dport { 22, 80, 443, 445, 6443 } accept' <(inns "$g" nft list chain inet labgate fwd_users_servers) ||
  fail "fwd_users_servers lacks the users' ports: $(inns "$g" nft list chain inet labgate fwd_users_servers)"
grep -q '"vmbr0.40" . "vmbr0.20" : jump fwd_iot_servers' <(inns "$g" nft list map inet labgate zone_forward) ||
  fail "iot -> servers is not dispatched to its (logging, dropping) chain"

# No zones: the seed's table, byte for byte what the golden file loads.
"$labgate" plan >"$tmp/seed.nft" || fail "plan of the seed failed"
inns "$g" nft -f "$tmp/seed.nft" || fail "nft refuses the seed's plan"
inns "$g" nft list table inet labgate >"$tmp/seed.live"
inns "$g" nft -f "$src/tests/plan/golden/homelab.nft"
inns "$g" nft list table inet labgate | diff -u - "$tmp/seed.live" || fail "the seed's table changed"
grep -q zone_ "$tmp/seed.live" && fail "the seed's table has zone maps"
echo "PASS"
