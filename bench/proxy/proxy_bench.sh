#!/usr/bin/env bash
# The userspace proxy beside the L4 peers on the same work (the set-up of peers/l4-peers.sh):
# client ns -> gateway ns -> server ns, every path listening on the gateway's client-side address:
#   direct        the client talks to the server, routed by the gateway (no NAT, no proxy)
#   kernel-dnat   nftables DNAT (+ SNAT) in the gateway
#   haproxy       HAProxy, mode tcp, one thread (nbthread 1)
#   socat         socat, fork per connection
#   labgate-1     `labgate run --threads 1` with `via: proxy` forwards
#   labgate-1-nomet  the same without metrics (`http: { enabled: false }`); labgate-1 and -2 have
#                 them, with /metrics scraped every second (issue 14: what metrics cost)
#   labgate-2     `labgate run --threads 2`
# Measures TCP throughput (iperf3, one stream, Gbit/s) and new connections per second (wrk -c32,
# `Connection: close`, against nginx in the server ns), and for the proxies that run as one
# process (haproxy, labgate) their CPU time (utime + stime of /proc/PID/stat, before and after)
# per GB relayed and per connection. Prints a Markdown table of the medians of RUNS runs (paths
# interleaved within each run).
# Every daemon runs in a namespace this script creates, detached (setsid) with its stdin, stdout
# and stderr on files or /dev/null, so nothing holds the caller's pipe; the cleanup kills only the
# processes in those namespaces and deletes them.
# usage: bench/proxy/proxy_bench.sh LABGATE [RUNS] [SECONDS]   (root)
set -Eeuo pipefail
labgate=$(realpath "$1")
runs=${2:-3}
secs=${3:-5}
[ "$(id -u)" -eq 0 ] || { echo "proxy_bench: needs root (network namespaces)" >&2; exit 1; }
for tool in iperf3 wrk haproxy socat nginx nft python3 curl; do
  command -v $tool >/dev/null || { echo "proxy_bench: $tool is missing (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/labgate-proxy-bench.XXXXXX)
p="pb$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')$$"
c=${p}c g=${p}g s=${p}s
made=()
cleanup() {
  for n in "${made[@]}"; do ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
  sleep 0.3
  for n in "${made[@]}"; do ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; done
  for n in "${made[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP PIPE  # so that the EXIT trap cleans up then too
trap 'echo "proxy_bench: failed (status $?) at line $LINENO: $BASH_COMMAND" >&2' ERR

for n in $c $g $s; do
  ip netns add "$n"
  made+=("$n")
  ip -n "$n" link set lo up
done
ip -n $c link add ${p}a type veth peer name ${p}b netns $g
ip -n $g link add ${p}x type veth peer name ${p}y netns $s
ip -n $c addr add 10.98.0.2/24 dev ${p}a
ip -n $g addr add 10.98.0.1/24 dev ${p}b
ip -n $g addr add 10.97.0.1/24 dev ${p}x
ip -n $s addr add 10.97.0.2/24 dev ${p}y
ip -n $c link set ${p}a up
ip -n $g link set ${p}b up
ip -n $g link set ${p}x up
ip -n $s link set ${p}y up
ip -n $c route add default via 10.98.0.1
ip -n $s route add default via 10.97.0.1
ip netns exec $g sysctl -qw net.ipv4.ip_forward=1
# The client's and the gateway's connect() may reuse a port whose last connection to the same
# destination is in TIME_WAIT (tcp_tw_reuse=1, timestamps make it safe; the default, 2, allows
# it on loopback only), as load generators and proxies are set up. Otherwise the port search of
# whichever side closed first grows with the ~30,000 TIME_WAIT sockets 5 s of short connections
# leave: after one or two runs every proxied path fell to ~600 conn/s with 20-60 ms per connect
# while the proxies' CPU stayed idle, so the figure measured wrk's port allocator, not the path.
for n in $c $g; do ip netns exec "$n" sysctl -qw net.ipv4.tcp_tw_reuse=1; done

# Ports on the gateway: throughput 70xx -> server 5201, connections 71xx -> server 808x.
#   kernel-dnat 7000/7100->8081, haproxy 7001/7101->8082, socat 7002/7102->8083,
#   labgate-1 7003/7103->8084, labgate-2 7003/7104->8085 (direct: 8080).
# Each path has its own server port for the connection work, so no path meets the TIME_WAIT
# sockets another left in the server namespace: a SYN that hits one whose timestamps came from
# another sender (kernel DNAT passes the client's, a proxy sends its own) is dropped by PAWS and
# retried a second later, which made every path measured after kernel DNAT look 5-20x slower
# (nstat in the server namespace: TcpExtPAWSTimewait in the thousands).
ip netns exec $g nft -f - <<NFT
table ip proxybench {
  chain pre {
    type nat hook prerouting priority dstnat;
    tcp dport 7000 dnat to 10.97.0.2:5201
    tcp dport 7100 dnat to 10.97.0.2:8081
  }
  chain post {
    type nat hook postrouting priority srcnat;
    ip daddr 10.97.0.2 tcp dport { 5201, 8081 } snat to 10.97.0.1
  }
}
NFT
cat >"$tmp/haproxy.cfg" <<HA
global
  maxconn 4000
  nbthread 1
  pidfile $tmp/haproxy.pid
defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend f1
  bind 10.98.0.1:7001
  default_backend b1
backend b1
  server s1 10.97.0.2:5201
frontend f2
  bind 10.98.0.1:7101
  default_backend b2
backend b2
  server s2 10.97.0.2:8082
HA
cat >"$tmp/nginx.conf" <<NG
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 8192; }
http {
  access_log off;
  server {
    listen 10.97.0.2:8080; listen 10.97.0.2:8081; listen 10.97.0.2:8082;
    listen 10.97.0.2:8083; listen 10.97.0.2:8084; listen 10.97.0.2:8085;
    location / { return 200 "ok\n"; }
  }
}
NG
cat >"$tmp/labgate.yaml" <<YAML
version: 1
networks:
  client: { interface: ${p}b, subnet: 10.98.0.0/24, address: 10.98.0.1, router: 10.98.0.254, uplink: true }
  server: { interface: ${p}x, subnet: 10.97.0.0/24, address: 10.97.0.1 }
services:
  bench: { address: 10.97.0.2, ports: { iperf: 5201, http1: 8084, http2: 8085 } }
forwards:
  - { listen: client:7003, to: bench:iperf, via: proxy }
  - { listen: client:7103, to: bench:http1, via: proxy, max_connections: 100000 }
  - { listen: client:7104, to: bench:http2, via: proxy, max_connections: 100000 }
YAML
# Without metrics (issue 14): no HTTP endpoint. With them (the file above), /metrics on the
# gateway's loopback is scraped every second while labgate runs, as Prometheus would.
cp "$tmp/labgate.yaml" "$tmp/labgate-nomet.yaml"
printf 'http: { enabled: false }\n' >>"$tmp/labgate-nomet.yaml"

# daemon NS LOG COMMAND...: detached from this script's terminal and pipes.
daemon() {
  local ns=$1 log=$2
  shift 2
  setsid ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
}
daemon $s /dev/null iperf3 -s -B 10.97.0.2 -p 5201
ip netns exec $s nginx -c "$tmp/nginx.conf" </dev/null >"$tmp/nginx.out" 2>&1 || { cat "$tmp/nginx.out" >&2; exit 1; }
ip netns exec $g haproxy -D -f "$tmp/haproxy.cfg" </dev/null >"$tmp/haproxy.out" 2>&1 || { cat "$tmp/haproxy.out" >&2; exit 1; }
daemon $g /dev/null socat TCP-LISTEN:7002,bind=10.98.0.1,fork,reuseaddr TCP:10.97.0.2:5201
daemon $g /dev/null socat TCP-LISTEN:7102,bind=10.98.0.1,fork,reuseaddr TCP:10.97.0.2:8083
sleep 1

labgate_pid=
# start_labgate THREADS [FILE]: one labgate at a time on 7003 and 7103/7104, so the CPU it uses is only this work.
# The PID of the labgate in the gateway namespace, or nothing.
find_labgate() {
  local q
  for q in $(ip netns pids $g); do
    if [ "$(readlink "/proc/$q/exe" 2>/dev/null)" = "$labgate" ]; then
      echo "$q"
      return 0
    fi
  done
}
start_labgate() {  # THREADS [FILE]
  stop_labgate
  rm -f "$tmp/labgate.log"
  daemon $g "$tmp/labgate.log" "$labgate" run -c "${2:-$tmp/labgate.yaml}" --threads "$1"
  for _ in $(seq 100); do
    labgate_pid=$(find_labgate)
    [ -n "$labgate_pid" ] && grep -q "proxying client:7104" "$tmp/labgate.log" 2>/dev/null && return
    sleep 0.1
  done
  echo "proxy_bench: labgate did not start; its log:" >&2
  cat "$tmp/labgate.log" >&2
  exit 1
}
stop_labgate() {
  [ -n "$labgate_pid" ] || return 0
  kill "$labgate_pid" 2>/dev/null || true
  while kill -0 "$labgate_pid" 2>/dev/null; do sleep 0.05; done
  labgate_pid=
}
# CPU seconds (utime + stime) the process has used so far; fails if it is gone (a crash).
cpu_seconds() {
  [ -r "/proc/$1/stat" ] || {
    echo "proxy_bench: process $1 is gone; labgate's log:" >&2
    cat "$tmp/labgate.log" >&2
    exit 1
  }
  awk -v hz="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); print ($12 + $13) / hz}' "/proc/$1/stat"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

paths=(direct kernel-dnat haproxy socat labgate-1 labgate-1-nomet labgate-2)
# The scrapes of /metrics (a no-op while no labgate with an endpoint runs).
daemon $g /dev/null sh -c 'while sleep 1; do curl -s -o /dev/null http://127.0.0.1:9153/metrics 2>/dev/null || true; done' 
declare -A gbps cps errs cpu_gb cpu_conn
haproxy_pid=$(cat "$tmp/haproxy.pid")
for _ in $(seq "$runs"); do
  for path in "${paths[@]}"; do
    pid=
    case $path in
      direct) tp=5201 cp=8080 ;;
      kernel-dnat) tp=7000 cp=7100 ;;
      haproxy) tp=7001 cp=7101 pid=$haproxy_pid ;;
      socat) tp=7002 cp=7102 ;;
      labgate-1 | labgate-1-nomet) tp=7003 cp=7103 ;;
      labgate-2) tp=7003 cp=7104 ;;
    esac
    case $path in
      labgate-1-nomet) start_labgate 1 "$tmp/labgate-nomet.yaml" ;;
      labgate-*) start_labgate "${path#labgate-}" ;;
    esac
    [[ $path == labgate-* ]] && pid=$labgate_pid
    [ "$path" = direct ] && target=10.97.0.2 || target=10.98.0.1
    [ -n "$pid" ] && before=$(cpu_seconds "$pid")
    read -r gb bytes < <(ip netns exec $c iperf3 -c $target -p "$tp" -t "$secs" -J 2>/dev/null </dev/null |
      python3 -c 'import json,sys;d=json.load(sys.stdin)["end"]["sum_received"];print("%.2f %d"%(d["bits_per_second"]/1e9,d["bytes"]))')
    [ -n "$pid" ] && mid=$(cpu_seconds "$pid")
    read -r r n e < <(ip netns exec $c wrk -t1 -c32 -d"${secs}s" -H 'Connection: close' "http://$target:$cp/" 2>/dev/null </dev/null |
      awk '/requests in/{n=$1} /Socket errors/{e=$0} /Requests\/sec/{r=$2}
           END{gsub(/[^0-9 ]/,"",e); split(e,a," "); printf "%d %d %d\n", r, n, a[1]+a[2]+a[3]+a[4]}')
    gbps[$path]+="$gb "
    cps[$path]+="$r "
    errs[$path]+="$e "
    if [ -n "$pid" ]; then
      after=$(cpu_seconds "$pid")
      cpu_gb[$path]+="$(awk -v a="$before" -v b="$mid" -v n="$bytes" 'BEGIN{printf "%.3f", (b-a)/(n/1e9)}') "
      cpu_conn[$path]+="$(awk -v a="$mid" -v b="$after" -v n="$n" 'BEGIN{printf "%.1f", n ? (b-a)*1e6/n : 0}') "
    fi
  done
done
stop_labgate

echo "| path | Gbit/s (iperf3) | conn/s (wrk -c32, Connection: close) | wrk socket errors | proxy CPU s/GB | proxy CPU µs/conn |"
echo "|---|---:|---:|---:|---:|---:|"
for path in "${paths[@]}"; do
  # shellcheck disable=SC2086 # the runs are space-separated on purpose
  echo "| $path | $(median ${gbps[$path]}) | $(median ${cps[$path]}) | $(median ${errs[$path]}) |" \
    "${cpu_gb[$path]:+$(median ${cpu_gb[$path]})} | ${cpu_conn[$path]:+$(median ${cpu_conn[$path]})} |"
done
echo
echo "runs per figure: $runs; seconds per measurement: $secs; raw (per run):"
for path in "${paths[@]}"; do echo "  $path: Gbit/s ${gbps[$path]}| conn/s ${cps[$path]}"; done
