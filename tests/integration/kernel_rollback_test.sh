#!/usr/bin/env bash
# Rollback like `commit confirmed`: `apply --confirm 2` without confirm restores the previous state
# by itself (from a detached timer that outlives the apply and its `ip netns exec`); `confirm`
# keeps the new state; `rollback` restores the previous state at once. Foreign tables survive all.
source "$(dirname "$0")/kernel_common.sh" "$1" "$2"
g="${ns}gw"
state="$tmp/state"
make_gateway "$g"
add_foreign_tables "$g"
seed="$src/examples/homelab.yaml"
sed 's/lan:2222/lan:2223/' "$seed" >"$tmp/changed.yaml"

ruleset() { inns "$g" nft list ruleset; }
ip_forward() { inns "$g" cat /proc/sys/net/ipv4/ip_forward; }

# Waits up to $2 seconds for the live ruleset to equal file $1.
wait_for_ruleset() {
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -le $deadline ]; do
    ruleset | cmp -s - "$1" && return 0
    sleep 0.2
  done
  return 1
}

ruleset >"$tmp/empty"  # only the foreign tables
# 1. First apply with --confirm, not confirmed: back to no labgate table and ip_forward 0.
inns "$g" "$labgate" apply -c "$seed" --state-dir "$state" --confirm 2 >"$tmp/a1.txt"
grep -q "will roll back in 2 s" "$tmp/a1.txt" || fail "apply --confirm did not announce the timer: $(cat "$tmp/a1.txt")"
grep -q "^table inet labgate" <(ruleset) || fail "apply --confirm did not apply"
[ "$(ip_forward)" = 1 ] || fail "apply --confirm did not set ip_forward"
[ -f "$state/confirm-pending.json" ] || fail "no pending confirm recorded"
wait_for_ruleset "$tmp/empty" 6 || fail "not rolled back within 6 s of a 2 s window"
[ "$(ip_forward)" = 0 ] || fail "rollback did not restore ip_forward"
grep -q "not confirmed in time: rollback ok" "$state/confirm.log" || fail "timer did not log its rollback"
[ ! -f "$state/confirm-pending.json" ] || fail "pending confirm left behind"

# 2. Apply, then apply a change with --confirm and confirm it: the change stays.
inns "$g" "$labgate" apply -c "$seed" --state-dir "$state" >/dev/null
ruleset >"$tmp/seed"
inns "$g" "$labgate" apply -c "$tmp/changed.yaml" --state-dir "$state" --confirm 2 >/dev/null
ruleset >"$tmp/changed"
cmp -s "$tmp/seed" "$tmp/changed" && fail "the changed file did not change the ruleset"
# Another apply must wait for the decision.
status=0
inns "$g" "$labgate" apply -c "$seed" --state-dir "$state" >/dev/null 2>"$tmp/err" || status=$?
[ "$status" = 1 ] && grep -q "waiting for confirmation" "$tmp/err" || fail "apply during a pending confirm"
grep -q "confirmed" <(inns "$g" "$labgate" confirm --state-dir "$state") || fail "confirm did not confirm"
sleep 3
ruleset | cmp -s - "$tmp/changed" || fail "a confirmed apply was rolled back"
grep -q "nothing to confirm" <(inns "$g" "$labgate" confirm --state-dir "$state") || fail "second confirm"

# 3. Rollback at once: back to the seed's ruleset.
inns "$g" "$labgate" rollback --state-dir "$state" >"$tmp/rb.txt"
grep -q "table inet labgate: restored" "$tmp/rb.txt" || fail "rollback did not restore: $(cat "$tmp/rb.txt")"
ruleset | cmp -s - "$tmp/seed" || fail "rollback did not restore the previous ruleset exactly"
status=0
inns "$g" "$labgate" rollback --state-dir "$state" >/dev/null 2>"$tmp/err" || status=$?
[ "$status" = 1 ] && grep -q "nothing to roll back" "$tmp/err" || fail "second rollback: $(cat "$tmp/err")"

# 4. A timer survives the terminal: started from a subshell that exits at once, then rolls back.
inns "$g" "$labgate" apply -c "$tmp/changed.yaml" --state-dir "$state" --confirm 1 </dev/null >/dev/null 2>&1 &
wait $!
wait_for_ruleset "$tmp/seed" 6 || fail "a timer whose terminal is gone did not roll back"

# 5. rollback during a pending confirm stops the timer and restores at once.
inns "$g" "$labgate" apply -c "$tmp/changed.yaml" --state-dir "$state" --confirm 30 >/dev/null
pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$state/confirm-pending.json")
[ -n "$pid" ] && kill -0 "$pid" || fail "no live timer process"
grep -q "stopped the confirm timer" <(inns "$g" "$labgate" rollback --state-dir "$state") ||
  fail "rollback kept the timer"
sleep 0.5
# Gone, or a zombie waiting for an init that does not reap (as in some containers).
state_of_pid=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
[ "$state_of_pid" = gone ] || [ "$state_of_pid" = Z ] || fail "the timer still runs after rollback ($state_of_pid)"
ruleset | cmp -s - "$tmp/seed" || fail "rollback during a pending confirm"

# 6. Issue 12 item 7: a damaged previous.json no longer disarms --confirm silently. The timer
# cannot know what to restore: it leaves the table, logs an error line in confirm.log and to the
# system log, and exits 1; `labgate rollback` fails the same way, with what to do.
inns "$g" "$labgate" apply -c "$tmp/changed.yaml" --state-dir "$state" --confirm 2 >/dev/null
pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$state/confirm-pending.json")
[ -n "$pid" ] || fail "no timer pid recorded"
printf '{"table": "table inet labgate {' >"$state/previous.json"  # cut short, as by a full disk
for _ in $(seq 60); do
  s=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
  [ "$s" = gone ] || [ "$s" = Z ] && break
  sleep 0.1
done
[ "$s" = gone ] || [ "$s" = Z ] || fail "the timer did not end"
if [ "$s" = Z ]; then  # not reaped here: its exit status is still readable (field 52)
  code=$(awk '{print $52}' "/proc/$pid/stat")
  [ $((code >> 8)) = 1 ] || fail "the timer exited with status $((code >> 8)), want 1"
fi
grep -q "error: not confirmed in time: rollback .*previous.json is damaged" "$state/confirm.log" ||
  fail "confirm.log lacks the error: $(cat "$state/confirm.log")"
status=0
inns "$g" "$labgate" rollback --state-dir "$state" >/dev/null 2>"$tmp/err" || status=$?
[ "$status" = 1 ] || fail "rollback with a damaged previous.json: exit $status, want 1"
grep -q "^labgate: error: the state file .*previous.json is damaged: .*(hint: .*delete" "$tmp/err" ||
  fail "rollback with a damaged previous.json: $(cat "$tmp/err")"
rm "$state/previous.json"

# 7. Issue 12 item 6: a damaged sysctls-original.json makes remove fail loudly (exit 1, what to
# do), instead of exiting 0 with forwarding left on.
printf '{"net.ipv4.ip_forward": "0", "checksum": "0000000000000000"}\n' >"$state/sysctls-original.json"
status=0
inns "$g" "$labgate" remove --state-dir "$state" >/dev/null 2>"$tmp/err" || status=$?
[ "$status" = 1 ] || fail "remove with a damaged sysctls-original.json: exit $status, want 1"
grep -q "sysctls-original.json is damaged: its checksum does not match.*sysctl -w net.ipv4.ip_forward=0" "$tmp/err" ||
  fail "remove with a damaged sysctls-original.json: $(cat "$tmp/err")"
rm "$state/sysctls-original.json"
inns "$g" sysctl -qw net.ipv4.ip_forward=0
inns "$g" "$labgate" remove --state-dir "$state" >/dev/null || fail "remove after the cleanup"
[ "$(inns "$g" cat /proc/sys/net/ipv4/ip_forward)" = 0 ] || fail "forwarding on after remove"

# Foreign tables are untouched by all of the above.
foreign_tables "$g" | cmp -s - "$tmp/empty" || fail "a foreign table changed"
echo "PASS"
