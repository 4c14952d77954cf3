#!/usr/bin/env bash
# Beyond the seed (tests/integration/lab_mixed.yaml): every check passes, including UDP forwards,
# snat: true, a forward from a masquerading network into the uplink, an accepting network,
# split-horizon DNS with a wildcard and REFUSED answers, and TCP and UDP forwards served by the
# userspace proxy of `labgate run` in the gateway.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" vx
"$labgate" check -c "$src/tests/integration/lab_mixed.yaml" >/dev/null || fail "lab_mixed.yaml does not check"
"$labgate" lab up --name "$name" -c "$src/tests/integration/lab_mixed.yaml" >/dev/null || fail "lab up failed"
"$labgate" verify --lab --name "$name" >"$tmp/verify.txt" || { cat "$tmp/verify.txt" >&2; fail "verify failed"; }
cat "$tmp/verify.txt"
grep -q "^37 checks: 37 passed, 0 failed, 0 skipped$" "$tmp/verify.txt" || fail "unexpected summary"
for row in \
  "forward/lan:6443/tcp .* api sees 192.168.100.1 .* PASS" \
  "forward/lan:5353/udp .* dns sees 192.168.1.2 .* PASS" \
  "forward/cluster:8445/tcp .* files sees 192.168.1.55 .* PASS" \
  "isolation/client-lan/web:http .* web sees 192.168.1.2 .* PASS" \
  "dns/api.home/client-dmz .* REFUSED .* PASS" \
  "dns/wildcard-probe.web.home/client-dmz .* 10.30.0.5 .* PASS" \
  "recursion/client-dmz .* REFUSED .* PASS" \
  "forward/lan:8081/tcp .* web sees 10.30.0.1 .* PASS" \
  "forward/lan:5354/udp .* dns sees 192.168.100.1 .* PASS"; do
  grep -q "^$row$" "$tmp/verify.txt" || fail "no row matching: $row"
done
echo "PASS"
