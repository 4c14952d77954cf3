#!/usr/bin/env bash
# Cost per new connection of the zone filter against the number of zones (2 -> 50) and of rules on
# the measured pair (1 -> 1000): labgate's verdict-map dispatch (a file from gen_zones.py, applied
# with `labgate apply`) beside the same policy in OpenWrt fw4's shape (one jump per zone, one per
# destination, one rule per rule; loaded with nft -f), same run, setups interleaved.
# Client ns -> router ns -> server ns over veths named like the zone interfaces (zi<i>); new
# connections/s by wrk (`Connection: close`) against nginx in the server ns; the measured pair is
# last in fw4's scans. Everything runs in namespaces this script creates.
# usage: bench/zones/zone_bench.sh LABGATE [RUNS] [SECONDS]   (root) — prints a Markdown table of
# the medians of RUNS runs. ZONE_CASES="2 1;50 1;200 1" measures other cells.
set -euo pipefail
labgate=$(realpath "$1")
runs=${2:-3}
secs=${3:-5}
here=$(dirname "$(realpath "$0")")
# shellcheck source=../lib/namespaces.sh
. "$here/../lib/namespaces.sh"
bench_namespaces zone-bench zb
c=${p}c g=${p}g s=${p}s

# wire Z: the three namespaces for Z zones (client on zi<Z-1>, server on zi<Z-2>).
wire() {
  local z=$1 a=$(($1 - 1)) b=$(($1 - 2))
  for n in "${made[@]}"; do ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
  for n in "${made[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  made=()
  for n in $c $g $s; do
    ip netns add "$n"
    made+=("$n")
    ip -n "$n" link set lo up
  done
  ip -n $c link add ${p}a type veth peer name zi$a netns $g
  ip -n $g link add zi$b type veth peer name ${p}b netns $s
  ip -n $c addr add 10.$a.0.100/24 dev ${p}a
  ip -n $g addr add 10.$a.0.1/24 dev zi$a
  ip -n $g addr add 10.$b.0.1/24 dev zi$b
  ip -n $s addr add 10.$b.0.100/24 dev ${p}b
  for l in "$c ${p}a" "$g zi$a" "$g zi$b" "$s ${p}b"; do
    set -- $l
    ip -n "$1" link set "$2" up
  done
  ip -n $c route add default via 10.$a.0.1
  ip -n $s route add default via 10.$b.0.1
  ip netns exec $g sysctl -qw net.ipv4.ip_forward=1
  cat >"$tmp/nginx.conf" <<NG
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 4096; }
http { access_log off; server { listen 10.$b.0.100:8080; location / { return 200 "ok\n"; } } }
NG
  ip netns exec $s nginx -c "$tmp/nginx.conf"
  sleep 0.5
}

load() {  # load SETUP CASE
  ip netns exec $g nft flush ruleset
  rm -rf "$tmp/state"
  case $1 in
    labgate) ip netns exec $g "$labgate" apply -c "$tmp/$2.yaml" --state-dir "$tmp/state" >/dev/null ;;
    fw4) ip netns exec $g nft -f "$tmp/$2.nft" ;;
  esac
}
crate() {  # crate Z
  ip netns exec $c wrk -t1 -c32 -d"${secs}s" -H 'Connection: close' "http://10.$(($1 - 2)).0.100:8080/" 2>/dev/null |
    awk '/Requests\/sec/{printf "%d\n", $2}'
}

# ZONE_CASES overrides the cells: "ZONES RULES;ZONES RULES;..."
cases=("2 1" "10 1" "50 1" "10 100" "10 1000")
if [ -n "${ZONE_CASES:-}" ]; then IFS=';' read -r -a cases <<<"$ZONE_CASES"; fi
setups=(labgate fw4)
declare -A cps
for zr in "${cases[@]}"; do
  set -- $zr
  z=$1 r=$2 key="z$1r$2"
  python3 "$here/gen_zones.py" "$z" "$r" "$tmp/$key.yaml" "$tmp/$key.nft"
  wire "$z"
  for _ in $(seq "$runs"); do
    for setup in "${setups[@]}"; do
      load "$setup" "$key"
      cps[$setup.$key]+="$(crate "$z") "
    done
  done
done

echo "| zones | rules on the pair | labgate conn/s | fw4-shaped conn/s |"
echo "|---:|---:|---:|---:|"
for zr in "${cases[@]}"; do
  set -- $zr
  key="z$1r$2"
  # shellcheck disable=SC2086 # the runs are space-separated on purpose
  echo "| $1 | $2 | $(median ${cps[labgate.$key]}) | $(median ${cps[fw4.$key]}) |"
done
