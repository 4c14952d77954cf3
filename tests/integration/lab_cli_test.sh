#!/usr/bin/env bash
# The lab's command line: root is required with a clear message; unknown nodes and labs that are
# not up are errors; bad names are refused.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" lc

for cmd in "lab up" "lab down" "lab status" "verify --lab"; do
  status=0
  setpriv --reuid=65534 --regid=65534 --clear-groups "$labgate" $cmd >/dev/null 2>"$tmp/err.txt" || status=$?
  [ "$status" -eq 1 ] || fail "$cmd as non-root exited $status, want 1"
  grep -q "must run as root" "$tmp/err.txt" || fail "$cmd as non-root: $(cat "$tmp/err.txt")"
done

status=0
"$labgate" lab status --name "$name" 2>"$tmp/err.txt" || status=$?
[ "$status" -eq 1 ] && grep -q "is not up" "$tmp/err.txt" || fail "lab status of a lab that is not up"
status=0
"$labgate" verify --lab --name "$name" 2>"$tmp/err.txt" || status=$?
[ "$status" -eq 1 ] && grep -q "is not up" "$tmp/err.txt" || fail "verify --lab of a lab that is not up"
status=0
"$labgate" lab up --name "Bad-Name" 2>"$tmp/err.txt" || status=$?
[ "$status" -eq 1 ] && grep -q "lowercase letters or digits" "$tmp/err.txt" || fail "bad lab name accepted"
# A topology with errors is a config error (2), and nothing is built.
printf 'version: 1\nnetworks: {}\n' >"$tmp/bad.yaml"
status=0
"$labgate" lab up --name "$name" -c "$tmp/bad.yaml" 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "lab up of an invalid file exited $status, want 2"
[ -z "$(ls /run/netns 2>/dev/null | grep "^lg-$name-" || true)" ] || fail "an invalid file built namespaces"

"$labgate" lab up --name "$name" --no-apply >/dev/null || fail "lab up --no-apply"
status=0
"$labgate" lab exec --name "$name" nosuchnode -- true 2>"$tmp/err.txt" || status=$?
[ "$status" -eq 1 ] && grep -q "no node 'nosuchnode'" "$tmp/err.txt" || fail "lab exec of an unknown node"
# Lab namespaces are never connected to the machine's: no veth of the lab outside them.
# (Outputs go to files first: `producer | grep -q` can kill the producer with SIGPIPE under pipefail.)
"$labgate" lab exec --name "$name" gateway -- ip -o link show type veth >"$tmp/links.txt"
grep -q veth1 "$tmp/links.txt" || fail "no veth1 in the gateway"
ip -o link show >"$tmp/root-links.txt"
grep -q "link-netns lg-$name-" "$tmp/root-links.txt" && fail "a link in the machine's namespace points into the lab"
# Without the datapath the cluster is unreachable from the LAN and verify says so.
status=0
"$labgate" verify --lab --name "$name" >"$tmp/v.txt" || status=$?
[ "$status" -eq 1 ] || fail "verify passed without a datapath"
grep -q "^ruleset/inet-labgate .* FAIL$" "$tmp/v.txt" || fail "verify without datapath: ruleset check did not fail"
echo "PASS"
