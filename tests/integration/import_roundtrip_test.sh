#!/usr/bin/env bash
# From the seed's current setup to a working gateway (issue 15's round trip): import the seed's
# hand-typed iptables rules and Pi-hole records, complete them with the seed's networks, hosts and
# pools (what the rules cannot say), then build that file as a lab and verify it. Every check the
# imported file implies must pass, as they do for the seed itself.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" ir

golden="$src/tests/importers/golden"
"$labgate" import iptables "$golden/seed-commands.sh" --network vmbr0=lan \
  --service 192.168.100.80=ingress --service 192.168.100.50=kubernetes-api \
  --service 192.168.100.81=sftp >"$tmp/forwards.yaml" || fail "import iptables failed"
"$labgate" import pihole "$golden/seed-custom.list" --service 192.168.1.55=ingress \
  >"$tmp/names.yaml" || fail "import pihole failed"

# The seed without what the imports bring (services, forwards, dns; the apps, whose names Pi-hole
# gives here), then the imported fragments
# (without their networks section: the seed's says more, router and masquerade included).
python3 - "$src/examples/homelab.yaml" "$tmp/forwards.yaml" "$tmp/names.yaml" >"$tmp/imported.yaml" <<'PY'
import re, sys
def drop(text, section):
    # A top-level section runs from its key to the next top-level key.
    return re.sub(r"(?ms)^%s:.*?(?=^\S|\Z)" % section, "", text)
seed, forwards, names = (open(p).read() for p in sys.argv[1:4])
for s in ("services", "forwards", "dns", "apps"):
    seed = drop(seed, s)
print(seed + drop(forwards, "networks") + names + "  upstreams: [192.168.1.1]")
PY
"$labgate" check -c "$tmp/imported.yaml" >"$tmp/check.txt" 2>&1 || { cat "$tmp/check.txt" "$tmp/imported.yaml" >&2; fail "the imported file does not check"; }
grep -q "ok: 2 networks, 3 hosts, 1 pools, 3 services, 4 forwards, 3 DNS names" "$tmp/check.txt" ||
  fail "unexpected check summary: $(cat "$tmp/check.txt")"

"$labgate" lab up -c "$tmp/imported.yaml" --name "$name" >"$tmp/up.txt" 2>&1 ||
  { cat "$tmp/up.txt" >&2; fail "lab up of the imported file failed"; }
"$labgate" verify --lab --name "$name" >"$tmp/verify.txt" ||
  { cat "$tmp/verify.txt" >&2; fail "verify --lab failed on the imported file"; }
cat "$tmp/verify.txt"
grep -qE "^[0-9]+ checks: [0-9]+ passed, 0 failed, 0 skipped" "$tmp/verify.txt" || fail "unexpected summary"
# The old rules SNAT'd every forwarded flow, and the import keeps that (snat: true): the ingress
# sees the gateway's cluster address, not the LAN client.
grep -q "^forward/lan:80/tcp .*ingress sees 192.168.100.1 .*PASS$" "$tmp/verify.txt" ||
  fail "forward/lan:80 does not show the imported SNAT"
echo "PASS"
