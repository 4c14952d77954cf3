#!/usr/bin/env bash
# labgate's DNS beside its peers (dnsmasq, unbound) in one run, on the same work, inside a private
# network namespace (nothing leaves this machine). Same set-up as ../shared/peers/dns-peers.sh.
# Usage: bench/dns/dns_bench.sh LABGATE_BINARY [seconds]     (root; Debian: dnsperf unbound dnsmasq-base)
#
# Work: local-zone A queries for the seed's names (*.cluster -> 192.168.1.55), dnsperf with 4
# clients and no rate limit. For each server: qps, and the server's CPU time per answered query
# (utime+stime of its process / queries completed) -- dnsperf shares the cores, so CPU per answer
# is the steadier figure. labgate runs with 1 thread (as the peers) and with 2; its RSS is printed.
# Cached forwarded answers are not measured: labgate has no forwarder yet.
set -euo pipefail
labgate=$(realpath "$1")
secs=${2:-10}
for tool in dnsperf unbound dnsmasq; do
  command -v $tool >/dev/null || { echo "missing $tool (apt-get install dnsperf unbound dnsmasq-base)" >&2; exit 1; }
done
ns=lgbench-dns-$$
ip netns add $ns
work=$(mktemp -d)
trap 'ip netns pids $ns | xargs -r kill 2>/dev/null; sleep 0.3; ip netns del $ns; rm -rf $work' EXIT
ip -n $ns link set lo up
names="argocd longhorn navidrome grafana prometheus sftp k8s"
for n in $names; do echo "$n.cluster A"; done >$work/local.q

{ echo "no-resolv"; echo "no-hosts"; echo "listen-address=127.0.0.1"; echo "port=5301"; echo "bind-interfaces"; echo "cache-size=10000";
  for n in $names; do echo "address=/$n.cluster/192.168.1.55"; done; } >$work/dnsmasq.conf
{ echo "server:"; echo "  interface: 127.0.0.1@5302"; echo "  num-threads: 1"; echo "  do-daemonize: no"; echo '  username: ""'; echo '  chroot: ""';
  echo "  access-control: 127.0.0.0/8 allow"; echo "  use-syslog: no"; echo '  pidfile: ""'; echo '  local-zone: "cluster." static';
  for n in $names; do echo "  local-data: \"$n.cluster. 300 IN A 192.168.1.55\""; done; } >$work/unbound.conf
# labgate: the seed with the same seven names; loopback clients get the LAN's view (the gateway).
sed '/^  names:$/,/^  upstreams:/{/^    /d}' "$(dirname "$0")/../../examples/homelab.yaml" |
  awk -v names="$names" '{print} /^  names:$/{n=split(names,a," "); for(i=1;i<=n;i++) print "    " a[i] ": ingress"}' >$work/labgate.yaml

ip netns exec $ns dnsmasq -k -C $work/dnsmasq.conf >/dev/null 2>&1 &
ip netns exec $ns unbound -c $work/unbound.conf >/dev/null 2>&1 &
ip netns exec $ns "$labgate" run -c $work/labgate.yaml --listen 127.0.0.1:5303 --threads 1 --view-for-loopback lan 2>$work/lg1.log &
ip netns exec $ns "$labgate" run -c $work/labgate.yaml --listen 127.0.0.1:5304 --threads 2 --view-for-loopback lan 2>$work/lg2.log &
sleep 1

pid_on_port() { ip netns exec $ns ss -lunp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
cpu_ticks() { awk '{print $14 + $15}' /proc/$1/stat; }
hz=$(getconf CLK_TCK)

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, ${secs}s each, dnsperf -c 4, local-zone A"
printf "%-12s %8s %10s %14s\n" server threads qps cpu_us/answer
for entry in dnsmasq:5301:1 unbound:5302:1 labgate:5303:1 labgate:5304:2; do
  IFS=: read -r server port threads <<<"$entry"
  pid=$(pid_on_port $port)
  answer=$(ip netns exec $ns dig @127.0.0.1 -p $port +short argocd.cluster)
  [ "$answer" = 192.168.1.55 ] || { echo "$server on $port answers '$answer'" >&2; exit 1; }
  before=$(cpu_ticks $pid)
  out=$(ip netns exec $ns dnsperf -s 127.0.0.1 -p $port -d $work/local.q -l $secs -c 4 -Q 1000000 2>/dev/null)
  after=$(cpu_ticks $pid)
  qps=$(awk '/Queries per second/{print $4}' <<<"$out")
  done_q=$(awk '/Queries completed/{print $3}' <<<"$out")
  cpu=$(awk -v t=$((after - before)) -v hz=$hz -v n=$done_q 'BEGIN{printf "%.2f", t / hz * 1e6 / n}')
  printf "%-12s %8s %10s %14s\n" $server $threads $qps $cpu
  [ $server = labgate ] && echo "labgate RSS ($threads thread(s)): $(awk '/VmRSS/{print $2, $3}' /proc/$pid/status)"
done
# labgate's own count: answers and recvmmsg batches (answers per batch shows how much batching the
# load allowed).
for port in 5303 5304; do kill -TERM "$(pid_on_port $port)"; done
sleep 1
for log in $work/lg1.log $work/lg2.log; do grep -h "stopped after" $log; done
