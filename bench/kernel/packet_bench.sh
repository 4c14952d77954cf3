#!/usr/bin/env bash
# Per-packet cost of the kernel datapath against rule count, beside the seed's way of forwarding:
#   labgate    N forwards compiled by labgate and applied with `labgate apply` (one dnat map lookup)
#   iptables   the same N forwards as one iptables DNAT rule each in nat PREROUTING (linear scan)
# Measured through client ns -> gateway ns -> server ns (the approach of peers/l4-peers.sh): TCP
# throughput (iperf3, Gbit/s) and new connections per second (wrk, `Connection: close`, against
# nginx in the server ns). The measured forward is the LAST one, so the iptables scan is worst-case.
# Everything runs in namespaces this script creates; only their addresses are contacted.
# usage: bench/kernel/packet_bench.sh LABGATE [RUNS] [SECONDS]   (root) — prints a Markdown table
# of the medians of RUNS runs (setups interleaved within each run).
set -euo pipefail
labgate=$(realpath "$1")
runs=${2:-3}
secs=${3:-5}
here=$(dirname "$(realpath "$0")")
# shellcheck source=../lib/namespaces.sh
. "$here/../lib/namespaces.sh"
bench_namespaces packet-bench kp
c=${p}c g=${p}g s=${p}s

# The gateway's interfaces carry the names and addresses of gen_forwards.py's networks
# (lan: vmbr0 192.168.1.55/24, cluster: vmbr1 192.168.100.1/24); the server holds both service
# addresses the generated topologies use (.100 for forwards 0-499, .101 for 500-999).
for n in $c $g $s; do
  ip netns add "$n"
  made+=("$n")
  ip -n "$n" link set lo up
done
ip -n $c link add ${p}a type veth peer name vmbr0 netns $g
ip -n $g link add vmbr1 type veth peer name ${p}y netns $s
ip -n $c addr add 192.168.1.10/24 dev ${p}a
ip -n $g addr add 192.168.1.55/24 dev vmbr0
ip -n $g addr add 192.168.100.1/24 dev vmbr1
ip -n $s addr add 192.168.100.100/24 dev ${p}y
ip -n $s addr add 192.168.100.101/24 dev ${p}y
ip -n $c link set ${p}a up
ip -n $g link set vmbr0 up
ip -n $g link set vmbr1 up
ip -n $s link set ${p}y up
ip -n $c route add default via 192.168.1.55
ip -n $s route add default via 192.168.100.1
ip netns exec $g sysctl -qw net.ipv4.ip_forward=1


# load SETUP N: replaces the gateway's ruleset with N forwards written SETUP's way.
load() {
  ip netns exec $g nft flush ruleset
  rm -rf "$tmp/state"
  case $1 in
    labgate) ip netns exec $g "$labgate" apply -c "$tmp/t$2.yaml" --state-dir "$tmp/state" >/dev/null ;;
    iptables) ip netns exec $g iptables-restore "$tmp/t$2.ipt" ;;
  esac
}
tput() {
  ip netns exec $c iperf3 -c 192.168.1.55 -p "$1" -t "$secs" -J 2>/dev/null |
    python3 -c 'import json,sys;d=json.load(sys.stdin);print("%.2f"%(d["end"]["sum_received"]["bits_per_second"]/1e9))'
}
crate() {
  ip netns exec $c wrk -t1 -c32 -d"${secs}s" -H 'Connection: close' "http://192.168.1.55:$1/" 2>/dev/null |
    awk '/Requests\/sec/{printf "%d\n", $2}'
}

setups=(labgate iptables)
declare -A gbps cps
for n in 1 100 1000; do
  python3 "$here/gen_forwards.py" "$n" "$tmp/t$n.yaml" "$tmp/t$n.ipt"
  last=$((n - 1))
  listen=$((10000 + last))
  addr=192.168.100.$((100 + last / 500))
  port=$((20000 + last))

  ip netns exec $s iperf3 -s -B "$addr" -p "$port" -D --pidfile "$tmp/iperf3.pid" >/dev/null
  sleep 0.5
  for _ in $(seq "$runs"); do
    for setup in "${setups[@]}"; do
      load "$setup" "$n"
      gbps[$setup.$n]+="$(tput "$listen") "
    done
  done
  kill "$(cat "$tmp/iperf3.pid")"
  sleep 0.3

  cat >"$tmp/nginx.conf" <<NG
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 4096; }
http { access_log off; server { listen $addr:$port; location / { return 200 "ok\n"; } } }
NG
  ip netns exec $s nginx -c "$tmp/nginx.conf"
  sleep 0.5
  for _ in $(seq "$runs"); do
    for setup in "${setups[@]}"; do
      load "$setup" "$n"
      cps[$setup.$n]+="$(crate "$listen") "
    done
  done
  kill "$(cat "$tmp/nginx.pid")"
  sleep 0.5
done

echo "| setup | forwards | Gbit/s (iperf3) | conn/s (wrk, Connection: close) |"
echo "|---|---:|---:|---:|"
for setup in "${setups[@]}"; do
  for n in 1 100 1000; do
    # shellcheck disable=SC2086 # the runs are space-separated on purpose
    echo "| $setup | $n | $(median ${gbps[$setup.$n]}) | $(median ${cps[$setup.$n]}) |"
  done
done
