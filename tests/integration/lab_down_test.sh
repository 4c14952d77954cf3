#!/usr/bin/env bash
# `lab up` killed half-way, at several points: `lab down` leaves no namespace, link, process or
# file of the lab, and a second `lab down` is fine.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" ld

links_before=$(ip -o link show | wc -l)
assert_clean() {
  local left
  left=$(ls /run/netns 2>/dev/null | grep "^lg-$name-" || true)
  [ -z "$left" ] || fail "namespaces left after lab down ($1): $left"
  [ ! -e "/run/labgate/lab-$name" ] || fail "state directory left after lab down ($1)"
  pgrep -f "lg-$name-" >/dev/null && fail "processes left after lab down ($1): $(pgrep -af "lg-$name-")"
  [ "$(ip -o link show | wc -l)" -eq "$links_before" ] || fail "links changed in the machine's namespace ($1)"
  true
}

for delay in 0.01 0.03 0.06 0.1 0.2 0.3; do
  "$labgate" lab up --name "$name" >/dev/null 2>&1 &
  up=$!
  sleep "$delay"
  kill -9 "$up" 2>/dev/null || true
  wait "$up" 2>/dev/null || true
  "$labgate" lab down --name "$name" >"$tmp/down.txt" || fail "lab down failed after a kill at ${delay}s"
  echo "killed at ${delay}s: $(cat "$tmp/down.txt")"
  assert_clean "killed at ${delay}s"
done

# A complete lab, then down twice.
"$labgate" lab up --name "$name" >/dev/null || fail "lab up failed"
"$labgate" lab up --name "$name" >/dev/null 2>"$tmp/again.txt" && fail "a second lab up with the same name succeeded"
grep -q "already exists" "$tmp/again.txt" || fail "second lab up: $(cat "$tmp/again.txt")"
"$labgate" lab down --name "$name" >"$tmp/down.txt" || fail "lab down failed"
# Five lab servers (four `lab serve`, `labgate run`) and the upstream's Unbound.
grep -q "removed 8 namespace(s), 6 process(es)" "$tmp/down.txt" || fail "lab down: $(cat "$tmp/down.txt")"
assert_clean "after a full lab"
"$labgate" lab down --name "$name" >"$tmp/down.txt" || fail "second lab down failed"
grep -q "nothing to remove" "$tmp/down.txt" || fail "second lab down: $(cat "$tmp/down.txt")"
echo "PASS"
