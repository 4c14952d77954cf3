#!/usr/bin/env bash
# Issue 16 item 4: examples/homelab-vlan.yaml as a lab. Every VLAN is a segment of its own (a
# bridge named like the VLAN interface, vmbr0.10, in the gateway node), so the ruleset under test
# is the one that runs on the real VLAN interfaces. Then:
#   1. verify proves the whole policy matrix (every zone pair x every service port, closed ports,
#      the internet, the gateway's own services): every cell agrees, exit 0, in under 10 s;
#   2. no segment reaches another except through the router: a client that bypasses the router
#      (an on-link route to another segment) reaches nothing there;
#   3. one rule changed in the live table (inside the lab's gateway): exactly the cells it affects
#      fail, and the ruleset check says the table was changed by hand.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" zm
example="$src/examples/homelab-vlan.yaml"
"$labgate" lab up --name "$name" -c "$example" >"$tmp/up.txt" 2>&1 || { cat "$tmp/up.txt" >&2; fail "lab up failed"; }
gw="lg-$name-gateway"
for br in vmbr0 vmbr0.10 vmbr0.20 vmbr0.30 vmbr0.40; do
  ip -n "$gw" link show "$br" >/dev/null 2>&1 || fail "the gateway has no interface $br"
done

# 1. The matrix.
start=$(date +%s.%N)
"$labgate" verify --lab --name "$name" >"$tmp/verify.txt" || { cat "$tmp/verify.txt" >&2; fail "verify failed on the example"; }
elapsed=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
cat "$tmp/verify.txt"
python3 -c "import sys; sys.exit(0 if float('$elapsed') < 10 else 1)" || fail "verify took ${elapsed}s (limit 10 s)"
grep -q "^policy matrix" "$tmp/verify.txt" || fail "no policy matrix printed"
grep -Eq "^[0-9]+ cells: [0-9]+ agree with the policy, 0 do not$" "$tmp/verify.txt" || fail "matrix summary"
"$labgate" verify --lab --name "$name" --json >"$tmp/verify.json" || fail "verify --json failed"
python3 - "$tmp/verify.json" <<'PY' || fail "the matrix does not hold the cells the policy implies"
import json, sys
doc = json.load(open(sys.argv[1]))
cells = {c["check"]: c for c in doc["checks"] if c["check"].startswith("zone/")}
want = {
    # users reach the servers' ports the rule lists, and the cluster (in the servers zone)
    "zone/users>servers/client-users/ingress:https": "ingress sees",
    "zone/users>servers/client-users/kubernetes-api:api": "kubernetes-api sees",
    "zone/users>servers/client-users/files:smb": "files sees",
    "zone/users>servers/client-users/cluster:closed": "denied",
    "zone/users>wan/client-users/lan:closed": "allowed",
    "zone/users>wan/client-users/internet:443": "upstream sees 192.168.1.2",
    # servers and the cluster talk freely (intra accept); servers reach the internet
    "zone/servers>servers/client-servers/ingress:http": "ingress sees",
    "zone/servers>wan/client-cluster/internet:443": "upstream sees",
    "zone/servers>servers/client-servers/cluster:closed": "allowed",
    # nothing opens a connection into users, iot reaches nothing, the LAN reaches nothing inside
    "zone/servers>users/client-servers/users:closed": "denied",
    "zone/iot>servers/client-iot/ingress:https": "denied",
    "zone/iot>wan/client-iot/lan:closed": "denied",
    "zone/wan>servers/client-lan/ingress:https": "denied",
    # the gateway: DNS where served, SSH from the admin workstation only
    "zone/users>gateway/client-users/gateway:dns/tcp": "allowed",
    "zone/iot>gateway/client-iot/gateway:dns/tcp": "denied",
    "zone/users>gateway/admin-workstation/gateway:22/tcp": "allowed",
    "zone/users>gateway/client-users/gateway:22/tcp": "denied",
    "zone/wan>gateway/client-lan/gateway:22/tcp": "denied",
}
for name, expected in want.items():
    assert name in cells, f"no cell {name}"
    assert cells[name]["expected"].startswith(expected), (name, cells[name]["expected"])
    assert cells[name]["result"] == "PASS", cells[name]
assert doc["failed"] == 0, doc["failed"]
print(f"ok: {len(cells)} matrix cells, all agree")
PY

# 2. No path between segments but the router: from each client, an on-link route straight to
# another segment's client. Over the router the same address answers (where allowed); on-link,
# nothing does, because each segment is a bridge of its own.
clients=$(python3 -c '
import json, sys
for n in json.load(open(sys.argv[1]))["nodes"]:
    if n["name"].startswith("client-"):
        print(n["name"], n["addresses"][0].split("/")[0])' "/run/labgate/lab-$name/nodes.json")
pairs=0
while read -r from _; do
  while read -r to addr; do
    [ "$from" = "$to" ] && continue
    ns_from="lg-$name-$from"
    ip -n "$ns_from" route add "$addr/32" dev eth0
    if ip netns exec "$ns_from" ping -c 1 -W 1 "$addr" >/dev/null 2>&1; then
      ip -n "$ns_from" route del "$addr/32" dev eth0
      fail "$from reaches $to ($addr) without the router"
    fi
    ip -n "$ns_from" route del "$addr/32" dev eth0
    pairs=$((pairs + 1))
  done <<<"$clients"
done <<<"$clients"
echo "ok: $pairs client pairs reach nothing on-link, past the router"

# 3. One rule changed by hand in the live table: users lose SMB (445) on the servers zone.
handle=$(ip netns exec "$gw" nft -a list chain inet labgate fwd_users_servers |
  awk '/tcp dport \{ 22, 80, 443, 445, 6443 \} accept/ {print $NF}')
[ -n "$handle" ] || fail "cannot find the users -> servers port rule in the live table"
ip netns exec "$gw" nft replace rule inet labgate fwd_users_servers handle "$handle" \
  tcp dport '{ 22, 80, 443, 6443 }' accept
expect_failing ruleset/inet-labgate zone/users\>servers/client-users/files:smb \
  zone/users\>servers/admin-workstation/files:smb
"$labgate" verify --lab --name "$name" >"$tmp/after.txt" || true
grep -q "DENY!" "$tmp/after.txt" || fail "the matrix does not mark the denied cells: $(cat "$tmp/after.txt")"
echo "PASS"
