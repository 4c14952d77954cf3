#!/usr/bin/env bash
# labgate's DNS beside its peers (dnsmasq, Unbound) in one run, on the same work, inside a private
# network namespace (nothing leaves this machine). Same set-up as ../shared/peers/dns-peers.sh.
# Usage: bench/dns/dns_bench.sh LABGATE_BINARY [seconds]     (root; Debian: dnsperf unbound dnsmasq-base)
#
# Two kinds of work, each server asked the same queries by dnsperf (4 clients, no rate limit):
#   local:  A queries for the seed's names (*.cluster -> 192.168.1.55), answered from local data;
#   cached: A queries for 1,000 names of example.test that every server forwards to an upstream
#           (a second Unbound on 127.0.0.2:53 holding that zone) and, after a warm-up pass over
#           every name, answers from its cache.
# For each server and work: qps, dnsperf's average latency, the share of NOERROR answers, and the
# server's CPU time per answered query (utime+stime of its process / queries completed) --
# dnsperf shares the cores, so CPU per answer is the steadier figure. labgate runs with 1 thread
# (as the peers) and with 2; its RSS and its mean recvmmsg batch are printed. The ratio lines
# compare labgate (1 and 2 threads) with Unbound and dnsmasq on each work.
#
# The floors (local work only): UDP reflectors that answer each query with its own bytes, QR set
# (bench/dns/udp_reflector*.cc, built with LABGATE_BENCH into BUILD/bench/ next to BUILD/labgate):
# floor-mmsg with recvmmsg/sendmmsg, floor-uring with io_uring. No server using the same system
# calls can spend less CPU per answer than its floor; the floor / Unbound ratio says how close to
# the goal (labgate <= 0.5x Unbound) any such server could get on this kernel.
set -euo pipefail
labgate=$(realpath "$1")
secs=${2:-10}
for tool in dnsperf unbound dnsmasq dig; do
  command -v $tool >/dev/null || { echo "missing $tool (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
source "$(dirname "$0")/lib.sh"
bench_namespace dns

names="argocd longhorn navidrome grafana prometheus sftp k8s"
for n in $names; do echo "$n.cluster A"; done >$work/local.q
for i in $(seq 1 1000); do echo "n$i.example.test A"; done >$work/cached.q

# The upstream: Unbound holding example.test on 127.0.0.2:53, the forwarders' only upstream.
{ echo "server:"; echo "  interface: 127.0.0.2@53"; echo "  num-threads: 1"; echo "  do-daemonize: no"; echo '  username: ""'; echo '  chroot: ""';
  echo "  access-control: 127.0.0.0/8 allow"; echo "  use-syslog: no"; echo '  pidfile: ""'; echo '  local-zone: "example.test." static';
  for i in $(seq 1 1000); do echo "  local-data: \"n$i.example.test. 3600 IN A 198.51.100.$((i % 250 + 1))\""; done; } >$work/upstream.conf
{ echo "no-resolv"; echo "no-hosts"; echo "listen-address=127.0.0.1"; echo "port=5301"; echo "bind-interfaces"; echo "cache-size=10000";
  echo "server=127.0.0.2"; for n in $names; do echo "address=/$n.cluster/192.168.1.55"; done; } >$work/dnsmasq.conf
{ echo "server:"; echo "  interface: 127.0.0.1@5302"; echo "  num-threads: 1"; echo "  do-daemonize: no"; echo '  username: ""'; echo '  chroot: ""';
  echo "  access-control: 127.0.0.0/8 allow"; echo "  use-syslog: no"; echo '  pidfile: ""'; echo '  local-zone: "cluster." static';
  echo "  do-not-query-localhost: no"; echo "  msg-cache-size: 16m"; echo "  rrset-cache-size: 32m";
  echo '  local-zone: "test." nodefault';  # else Unbound answers *.test NXDOMAIN itself (RFC 6761)
  for n in $names; do echo "  local-data: \"$n.cluster. 300 IN A 192.168.1.55\""; done;
  echo "forward-zone:"; echo '  name: "."'; echo "  forward-addr: 127.0.0.2"; } >$work/unbound.conf
# labgate: the seed with the same seven names and the upstream above; loopback clients get the
# LAN's view (the gateway's address). The seed's apps (argocd, longhorn, navidrome) are in the zone
# by themselves; the other four join it under `dns.names`. The file must name all seven: a check
# after start-up refuses to measure a server that answers fewer than all of them.
seed_apps=$(awk '/^apps:$/{a=1; next} a && /^[^ #]/{a=0} a && /^  [a-z0-9-]+:$/{sub(":", ""); print $1}' \
  "$(dirname "$0")/../../examples/homelab.yaml")
sed '/^  names:$/,/^  upstreams:/{/^    /d}' "$(dirname "$0")/../../examples/homelab.yaml" |
  awk -v names="$names" -v apps="$seed_apps" '
    BEGIN { split(apps, b, "\n"); for (i in b) app[b[i]] = 1 }
    /^  names:$/ { next }
    { print }
    /^  zone: cluster$/ { print "  names:"; n = split(names, a, " ")
                          for (i = 1; i <= n; i++) if (!(a[i] in app)) print "    " a[i] ": ingress" }' |
  sed 's/^  upstreams: .*/  upstreams: [127.0.0.2]/' >$work/labgate.yaml
# Metrics on (issue 14): each instance its own HTTP endpoint; and one instance without (`http:
# enabled: false`, so its loops do not count either), to measure what counting costs.
cp $work/labgate.yaml $work/labgate-off.yaml
printf 'http:\n  listen: 127.0.0.1:9154\n' >>$work/labgate.yaml
printf 'http:\n  listen: 127.0.0.1:9155\n' >>$work/labgate-off.yaml
sed -i 's/^  listen: 127.0.0.1:9155$/  enabled: false/' $work/labgate-off.yaml
cp $work/labgate-off.yaml $work/labgate2.yaml
sed -i 's/^  enabled: false$/  listen: 127.0.0.1:9156/' $work/labgate2.yaml

ip netns exec $ns unbound -c $work/upstream.conf >$work/upstream.log 2>&1 &
ip netns exec $ns dnsmasq -k -C $work/dnsmasq.conf >$work/dnsmasq.log 2>&1 &
ip netns exec $ns unbound -c $work/unbound.conf >$work/unbound.log 2>&1 &
ip netns exec $ns "$labgate" run -c $work/labgate.yaml --listen 127.0.0.1:5303 --threads 1 --view-for-loopback lan >$work/lg1.log 2>&1 &
ip netns exec $ns "$labgate" run -c $work/labgate2.yaml --listen 127.0.0.1:5304 --threads 2 --view-for-loopback lan >$work/lg2.log 2>&1 &
ip netns exec $ns "$labgate" run -c $work/labgate-off.yaml --listen 127.0.0.1:5307 --threads 1 --view-for-loopback lan >$work/lgoff.log 2>&1 &
ports="5301 5302 5303 5304 5307"
floors=""
for entry in udp_reflector:floor-mmsg:5305 udp_reflector_uring:floor-uring:5306; do
  IFS=: read -r program name port <<<"$entry"
  if [ -x "$(dirname "$labgate")/bench/$program" ]; then
    ip netns exec $ns "$(dirname "$labgate")/bench/$program" 127.0.0.1:$port >$work/$name.log 2>&1 &
    ports="$ports $port"
    floors="$floors $name:$port:1"
  else
    echo "# $name: $(dirname "$labgate")/bench/$program not built (LABGATE_BENCH=ON; liburing-dev for io_uring)"
  fi
done

# Prometheus' part: /metrics of the instances with metrics scraped every second throughout (its CPU
# is the labgate process's, so it is in their CPU per answer).
( while sleep 1; do for p in 9154 9156; do ip netns exec $ns curl -s -o /dev/null http://127.0.0.1:$p/metrics || true; done; done ) >/dev/null 2>&1 &
scraper=$!
trap 'kill $scraper 2>/dev/null; bench_cleanup' EXIT
ask() { ip netns exec $ns dig @127.0.0.1 -p $1 +short +tries=1 +time=1 "$2" A 2>/dev/null | tail -1; }
for port in $ports; do
  for _ in $(seq 1 50); do [ -n "$(pid_on_port $port)" ] && break; sleep 0.1; done
  [ -n "$(pid_on_port $port)" ] || { echo "nothing listens on $port" >&2; cat $work/*.log >&2; exit 1; }
done
for _ in $(seq 1 50); do [ "$(ask 53 n1.example.test)" = 198.51.100.2 ] && break; sleep 0.1; done
# The local work is the same for every server only if each answers all seven names (a file whose
# names fell out of the zone once made labgate's NOERROR share 3 of 7 without anyone noticing).
for port in 5301 5302 5303 5304 5307; do
  for n in $names; do
    [ "$(ask $port $n.cluster)" = 192.168.1.55 ] || {
      echo "the server on $port does not answer $n.cluster with 192.168.1.55" >&2; cat $work/*.log >&2; exit 1; }
  done
done

# lg-nomet: labgate, 1 thread, without metrics (no http endpoint, no counting), right after
# labgate 1 thread with them, so the two are measured under the same load.
servers="dnsmasq:5301:1 unbound:5302:1 labgate:5303:1 lg-nomet:5307:1 labgate:5304:2$floors"

# Which servers can do each work: every server answers the local names; the cached work needs a
# forwarder, which labgate has only once its forwarder is built (issue 5).
can_do() { # server port work
  local want=192.168.1.55 name=argocd.cluster
  [ "$3" = cached ] && want=198.51.100.2 name=n1.example.test
  # A forwarder's first answer may wait for the upstream: give it a few tries.
  for _ in 1 2 3; do [ "$(ask $2 $name)" = $want ] && return 0; sleep 0.5; done
  return 1
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${secs}s each, dnsperf -c 4 -Q 1000000, A queries"
printf "%-8s %-8s %7s %10s %11s %8s %14s\n" work server threads qps latency_us noerror cpu_us/answer
declare -A qps cpu
for w in local cached; do
  for entry in $servers; do
    IFS=: read -r server port threads <<<"$entry"
    key=$server$threads
    if [[ $server = floor-* ]]; then
      # A reflector answers every query NOERROR with no records (checked by dnsperf's NOERROR %);
      # it is a floor for answering, not a forwarder.
      [ $w = local ] || continue
    elif ! can_do $server $port $w; then
      if [[ $server = labgate || $server = lg-nomet ]] && [ $w = cached ]; then
        echo "labgate: forwarder not available (n1.example.test: '$(ask $port n1.example.test)')"
        continue
      fi
      echo "$server on $port does not answer the $w work: argocd.cluster '$(ask $port argocd.cluster)'," \
        "n1.example.test '$(ask $port n1.example.test)'" >&2
      exit 1
    fi
    # Warm the cache: one pass over every name, then measure.
    [ $w = cached ] && ip netns exec $ns dnsperf -s 127.0.0.1 -p $port -d $work/cached.q -n 1 -c 1 >/dev/null 2>&1
    measure $port $work/$w.q $secs
    qps[$w.$key]=$m_qps
    cpu[$w.$key]=$m_cpu
    printf "%-8s %-8s %7s %10s %11s %8s %14s\n" $w $server $threads $m_qps $m_latency_us $m_noerror $m_cpu
    if [ $server != dnsmasq ] && [ $server != unbound ]; then echo "$server RSS ($threads thread(s)): $(awk '/VmRSS/{print $2, $3}' /proc/$m_pid/status)"; fi
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }
echo "# ratios (labgate / peer): qps (goal >= 1.5x unbound, >= 2x dnsmasq), CPU per answer (goal <= 0.5x unbound)"
for w in local cached; do
  for t in 1 2; do
    [ -n "${qps[$w.labgate$t]:-}" ] || continue
    echo "$w labgate ${t}t: qps/unbound $(ratio ${qps[$w.labgate$t]} ${qps[$w.unbound1]})" \
      "qps/dnsmasq $(ratio ${qps[$w.labgate$t]} ${qps[$w.dnsmasq1]})" \
      "cpu/unbound $(ratio ${cpu[$w.labgate$t]} ${cpu[$w.unbound1]})" \
      "cpu/dnsmasq $(ratio ${cpu[$w.labgate$t]} ${cpu[$w.dnsmasq1]})"
  done
  if [ -n "${qps[$w.labgate2]:-}" ]; then
    echo "$w labgate 2t / 1t qps: $(ratio ${qps[$w.labgate2]} ${qps[$w.labgate1]})"
  fi
done
for w in local cached; do
  [ -n "${cpu[$w.lg-nomet1]:-}" ] || continue
  echo "$w metrics cost: labgate 1t cpu with/without metrics $(ratio ${cpu[$w.labgate1]} ${cpu[$w.lg-nomet1]})" \
    "(cpu_us/answer ${cpu[$w.labgate1]} vs ${cpu[$w.lg-nomet1]}), qps $(ratio ${qps[$w.labgate1]} ${qps[$w.lg-nomet1]})"
done
for f in floor-mmsg floor-uring; do
  [ -n "${cpu[local.${f}1]:-}" ] || continue
  echo "local $f: cpu/unbound $(ratio ${cpu[local.${f}1]} ${cpu[local.unbound1]})" \
    "(a server on these calls can reach at best this ratio; goal for labgate <= 0.5)" \
    "cpu/dnsmasq $(ratio ${cpu[local.${f}1]} ${cpu[local.dnsmasq1]})" \
    "labgate 1t cpu/$f $(ratio ${cpu[local.labgate1]} ${cpu[local.${f}1]})"
done
# labgate's own count: answers and recvmmsg batches (answers per batch shows how much batching the
# load allowed).
for port in 5303 5304 5307; do kill -TERM "$(pid_on_port $port)"; done
sleep 1
for log in $work/lg1.log $work/lg2.log $work/lgoff.log; do
  line=$(grep -h "stopped after" $log || true)
  echo "$line"
  read -r answers batches < <(sed -nE 's/.*\(([0-9]+) over UDP in ([0-9]+) batches.*/\1 \2/p' <<<"$line") || true
  if [ -n "${batches:-}" ]; then echo "  mean UDP batch: $(ratio $answers $batches) answers per recvmmsg"; fi
done
