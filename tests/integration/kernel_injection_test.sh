#!/usr/bin/env bash
# Issue 12 item 1: an interface name must never carry nft syntax into the live table. In a
# namespace: every hostile name is refused by `check` and by `apply` (exit 2, FILE:LINE:COL, the
# live ruleset byte-for-byte unchanged), and a file with an accepted but unusual name
# (br_1-x.100: every character the validator allows besides letters and digits) leaves a live
# table whose rules are exactly the plan's: the reviewed golden plan of the seed with the name in
# place of vmbr1, rule for rule, in every chain.
source "$(dirname "$0")/kernel_common.sh" "$1" "$2"
g="${ns}gw"
state="$tmp/state"
make_gateway "$g"
odd=br_1-x.100
inns "$g" ip link add "$odd" type bridge
inns "$g" ip addr flush dev vmbr1
inns "$g" ip addr add 192.168.100.1/24 dev "$odd"
inns "$g" ip link set "$odd" up
add_foreign_tables "$g"

# The seed, first as it is, so that a refused apply has a live table it must leave alone.
inns "$g" "$labgate" apply -c "$src/examples/homelab.yaml" --state-dir "$state" >/dev/null ||
  fail "apply of the seed failed"
inns "$g" nft list ruleset >"$tmp/before"

hostile=('a"drop;#' 'ab"c' 'a*' 'vmbr+' 'a\b' 'a;b' 'a}' 'x" accept #')
for name in "${hostile[@]}"; do
  quoted=${name//\'/\'\'}
  sed "s|interface: vmbr1|interface: '${quoted//\\/\\\\}'|" "$src/examples/homelab.yaml" >"$tmp/bad.yaml"
  grep -qF "interface: '$name'" "$tmp/bad.yaml" || fail "test bug: '$name' is not in the file"
  status=0
  "$labgate" check -c "$tmp/bad.yaml" >"$tmp/check.out" 2>&1 || status=$?
  [ "$status" = 2 ] || fail "check accepts interface '$name' (exit $status): $(cat "$tmp/check.out")"
  grep -qF "$tmp/bad.yaml:23:16: error: '$name' is not a valid interface name" "$tmp/check.out" ||
    fail "check of '$name': no positioned diagnostic: $(cat "$tmp/check.out")"
  # (A name with a space is refused by the loader already, with its own hint.)
  grep -qE "hint: use 1-15 (ASCII letters, digits, '.', '-' or '_'|characters without '/', ':' or spaces)" "$tmp/check.out" ||
    fail "check of '$name': the hint does not say what is allowed: $(cat "$tmp/check.out")"
  status=0
  inns "$g" "$labgate" apply -c "$tmp/bad.yaml" --state-dir "$state" >"$tmp/apply.out" 2>&1 || status=$?
  [ "$status" = 2 ] || fail "apply of interface '$name': exit $status, want 2: $(cat "$tmp/apply.out")"
  inns "$g" nft list ruleset | cmp -s - "$tmp/before" || fail "apply of interface '$name' changed the ruleset"
done
echo "ok: ${#hostile[@]} hostile interface names refused by check and apply, ruleset unchanged"

# The accepted unusual name: the live table is the plan, rule for rule.
sed "s|interface: vmbr1|interface: $odd|" "$src/examples/homelab.yaml" >"$tmp/odd.yaml"
inns "$g" "$labgate" apply -c "$tmp/odd.yaml" --state-dir "$state" >"$tmp/apply-odd.out" 2>&1 ||
  fail "apply with interface $odd failed: $(cat "$tmp/apply-odd.out")"
grep -q "^# live: identical$" <(inns "$g" "$labgate" plan -c "$tmp/odd.yaml" --state-dir "$state" 2>/dev/null) ||
  fail "plan after apply does not say identical"
# The intended table: the reviewed golden plan of the seed with vmbr1 renamed, loaded by nft
# itself into a scratch namespace, so that both are listed the way the kernel lists them.
ip netns add "${ns}ref"
sed "s/\"vmbr1\"/\"$odd\"/g" "$src/tests/plan/golden/homelab.nft" >"$tmp/want.nft"
[ "$(grep -o "\"$odd\"" "$tmp/want.nft" | wc -l)" = 4 ] || fail "test bug: the golden plan no longer names vmbr1 four times"
inns "${ns}ref" nft -f "$tmp/want.nft" || fail "nft refuses the golden plan"
inns "${ns}ref" nft list table inet labgate >"$tmp/want.table"
inns "$g" nft list table inet labgate >"$tmp/live.table"
diff -u "$tmp/want.table" "$tmp/live.table" >"$tmp/diff" ||
  fail "the live table is not the plan:"$'\n'"$(cat "$tmp/diff")"
# 11: the forward chain's counting rule (issue 14) and the 10 before it; counter objects' values
# ("packets N bytes N") are not rules.
rules=$(awk '/^\t\t[^\t}]/ && !/^\t\t(type|elements|flags|packets) /' "$tmp/live.table" | wc -l)
[ "$rules" = 11 ] ||
  fail "the live table does not have the plan's 11 rules: $(cat "$tmp/live.table")"
grep -qF "iifname != \"$odd\" oifname \"$odd\" ct state new drop" "$tmp/live.table" ||
  fail "the inbound drop rule of $odd is not live"
echo "ok: interface $odd applied, the live table equals the plan, rule for rule"
echo "PASS"
