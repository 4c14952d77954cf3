#!/usr/bin/env bash
# `labgate plan --format iptables` for hosts that stay on iptables: the file loads with
# iptables-restore --noflush after the one-time jump commands of its header; loading it (and the
# jump commands) again changes nothing; rules in chains labgate does not own survive.
source "$(dirname "$0")/kernel_common.sh" "$1" "$2"
g="${ns}gw"
make_gateway "$g"
"$labgate" plan -c "$src/examples/homelab.yaml" --format iptables >"$tmp/rules" 2>/dev/null
grep '^#   iptables ' "$tmp/rules" | sed 's/^#   //' >"$tmp/jumps.sh"
[ "$(wc -l <"$tmp/jumps.sh")" = 4 ] || fail "expected 4 one-time jump commands in the header"

# Someone else's rules, in the same tables and builtin chains.
inns "$g" iptables -t nat -A PREROUTING -p tcp --dport 9999 -j DNAT --to-destination 10.0.0.9
inns "$g" iptables -A FORWARD -s 10.9.9.9 -j DROP

apply() {
  inns "$g" bash "$tmp/jumps.sh"
  inns "$g" iptables-restore --noflush "$tmp/rules"
}
apply || fail "iptables-restore refused the file"
inns "$g" iptables-save | grep -v '^#' >"$tmp/save1"
apply || fail "second load failed"
inns "$g" iptables-save | grep -v '^#' >"$tmp/save2"
cmp -s "$tmp/save1" "$tmp/save2" || fail "re-loading changed the rules: $(diff "$tmp/save1" "$tmp/save2")"
grep -q -- "-A LABGATE-PREROUTING -d 192.168.1.55/32 -p tcp -m tcp --dport 2222 .* --to-destination 192.168.100.81:22" "$tmp/save1" ||
  fail "sftp DNAT missing"
[ "$(grep -c -- '-j LABGATE-PREROUTING' "$tmp/save1")" = 1 ] || fail "duplicate jumps"
grep -q -- "--dport 9999 -j DNAT --to-destination 10.0.0.9" "$tmp/save1" || fail "a foreign nat rule was lost"
grep -q -- "-A FORWARD -s 10.9.9.9/32 -j DROP" "$tmp/save1" || fail "a foreign filter rule was lost"
echo "PASS"
