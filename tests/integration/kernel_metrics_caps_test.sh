#!/usr/bin/env bash
# What the packaged daemon may read of the kernel datapath: `labgate run` as an unprivileged user
# holding exactly the capabilities of packaging/labgate-run.service (its AmbientCapabilities=), and
# then those plus the opt-in drop-in's (packaging/labgate-run-kernel-counters.conf), in the
# seed's gateway namespace after `labgate apply` (lib/two_networks.sh):
#   - the unit's own (CAP_NET_BIND_SERVICE): DNS is served, /metrics says
#     labgate_kernel_counters_readable 0 and has no kernel forward series;
#   - with the drop-in (+ CAP_NET_ADMIN): readable 1, and the lan:80 forward's packets and bytes,
#     after HTTP requests through it.
# The capability sets are read from the two files, so the test follows what is shipped. systemd's
# other fences (RestrictAddressFamilies=, the system call filter) need systemd as PID 1 and are not
# exercised here; tests/deb/install_test.sh verifies the unit with the drop-in.
# Usage: kernel_metrics_caps_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
for tool in setpriv curl nft; do
  command -v $tool >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done
two_networks_up lgcaps 192.168.1.10/24 192.168.100.80/24
ip -n $lan route add default via 192.168.1.55 || fail "lan route"
ip -n $cluster route add default via 192.168.100.1 || fail "cluster route"

# AmbientCapabilities= of a unit file, lower case without CAP_, comma-separated (setpriv's form).
caps_of() {
  sed -n 's/^AmbientCapabilities=//p' "$1" | tr ' ' '\n' | sed -n 's/^CAP_//p' |
    tr 'A-Z' 'a-z' | paste -sd,
}
unit_caps=$(caps_of "$src/packaging/labgate-run.service")
dropin_caps=$(caps_of "$src/packaging/labgate-run-kernel-counters.conf")
[ "$unit_caps" = net_bind_service ] || fail "the unit's capabilities changed: '$unit_caps' (update this test)"
[ "$dropin_caps" = net_admin ] || fail "the drop-in's capabilities changed: '$dropin_caps' (update this test)"
grep -qx 'RestrictAddressFamilies=AF_NETLINK' "$src/packaging/labgate-run-kernel-counters.conf" ||
  fail "the drop-in does not allow AF_NETLINK (libnftables needs a netlink socket)"

# The binary and the file where an unprivileged user can read them ($tmp is the caller's only).
chmod 0755 "$tmp"
install -m 0755 "$labgate" "$tmp/labgate"
printf 'http:\n  listen: 127.0.0.1:9153\n' | cat "$src/examples/homelab.yaml" - >"$tmp/labgate.yaml"
chmod 0644 "$tmp/labgate.yaml"
ip netns exec $gw "$labgate" apply -c "$tmp/labgate.yaml" --state-dir "$tmp/state" >"$tmp/apply.log" 2>&1 ||
  fail "labgate apply in the gateway: $(cat "$tmp/apply.log")"
grep -q 'counter fwd_lan_80_tcp' <(ip netns exec $gw nft list counters table inet labgate) ||
  fail "the applied table has no counter for lan:80"

# run_as CAPS: `labgate run` as nobody with exactly CAPS (ambient, as systemd gives them), in $pid.
run_as() {
  ip netns exec $gw setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
    --inh-caps=-all,+"${1//,/,+}" --ambient-caps=-all,+"${1//,/,+}" --bounding-set=-all,+"${1//,/,+}" \
    -- "$tmp/labgate" run -c "$tmp/labgate.yaml" 2>"$tmp/run.log" &
  pid=$!
  labgate_ready "serving DNS"
  listening $gw tcp 127.0.0.1:9153
}
scrape() { ip netns exec $gw curl -sf http://127.0.0.1:9153/metrics || fail "GET /metrics"; }

# cap_effective EXPECTED_HEX: `labgate run` ($pid: ip netns exec and setpriv exec, never fork)
# holds exactly these capabilities.
cap_effective() {
  grep -qx "CapEff:[[:space:]]*$1" "/proc/$pid/status" ||
    fail "labgate run holds $(grep CapEff "/proc/$pid/status"), expected $1"
}

run_as "$unit_caps"
cap_effective 0000000000000400  # CAP_NET_BIND_SERVICE (10)
scrape >"$tmp/unit.txt"
grep -qx 'labgate_kernel_counters_readable 0' "$tmp/unit.txt" ||
  fail "with the unit's capabilities: $(grep -E '^labgate_kernel' "$tmp/unit.txt"), expected readable 0"
! grep -q '^labgate_kernel_forward_packets_total' "$tmp/unit.txt" ||
  fail "kernel series without CAP_NET_ADMIN: $(grep -E '^labgate_kernel' "$tmp/unit.txt")"
grep -q '^labgate_dns_cache_capacity_entries' "$tmp/unit.txt" || fail "no DNS series in the scrape"
labgate_stop

run_as "$unit_caps,$dropin_caps"
cap_effective 0000000000001400  # + CAP_NET_ADMIN (12)
# Nothing listens on the backend's port 80: each try is a SYN through the DNAT and its RST back.
for _ in $(seq 5); do
  ip netns exec $lan curl -s --max-time 5 http://192.168.1.55/ >/dev/null 2>&1
done
scrape >"$tmp/dropin.txt"
grep -qx 'labgate_kernel_counters_readable 1' "$tmp/dropin.txt" ||
  fail "with the drop-in's capabilities: $(grep -E '^labgate_kernel' "$tmp/dropin.txt"), expected readable 1"
packets=$(sed -n 's/^labgate_kernel_forward_packets_total{forward="lan:80 -> ingress:http"} //p' "$tmp/dropin.txt")
[ -n "$packets" ] && [ "$packets" -ge 5 ] ||
  fail "lan:80's packets with the drop-in: '$packets', expected at least the 5 SYNs sent through it"
labgate_stop
echo "PASS: the unit's capabilities read no kernel counters (readable 0); with the drop-in's, readable 1 and lan:80 counted $packets packets"
