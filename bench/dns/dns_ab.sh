#!/usr/bin/env bash
# Two labgate builds on the same local-zone work, interleaved, to tell whether a change to the UDP
# path helps: A, B, A, B, ... in one private network namespace (nothing leaves this machine).
# Usage: bench/dns/dns_ab.sh LABGATE_A LABGATE_B [seconds] [rounds]   (root; Debian: dnsperf dig)
#
# Both run `labgate run --threads 1` on the seed (loopback clients get the LAN's view), as in
# dns_bench.sh. Either may instead be a floor of dns_bench.sh (BUILD/bench/udp_reflector*), to
# compare labgate with the floor in the same minutes. Each round measures A then B with dnsperf (4 clients, no rate limit) and prints,
# per build: qps, the share of NOERROR answers, CPU per answer (utime+stime / queries completed, in
# us: the figure to compare on a shared machine) and VmRSS at start and after the round.
set -euo pipefail
a=$(realpath "$1")
b=$(realpath "$2")
secs=${3:-10}
rounds=${4:-3}
for tool in dnsperf dig; do
  command -v $tool >/dev/null || { echo "missing $tool (scripts/install-deps.sh --bench)" >&2; exit 1; }
done
source "$(dirname "$0")/lib.sh"
bench_namespace ab
for n in argocd longhorn navidrome; do echo "$n.cluster A"; done >$work/local.q
seed="$(dirname "$0")/../../examples/homelab.yaml"
is_floor() { [[ $(basename "$1") == udp_reflector* ]]; }
start() { # binary port log
  if is_floor "$1"; then
    ip netns exec $ns "$1" 127.0.0.1:$2 >$3 2>&1 &
  else
    # Each its own metrics port (two builds with the default 127.0.0.1:9153 would clash); a build
    # from before the `http:` section (issue 14) refuses the key and runs the seed as it is.
    local config=$3.yaml
    { cat "$seed"; printf 'http:\n  listen: 127.0.0.1:%s\n' $((9100 + $2 % 100)); } >"$config"
    "$1" check -c "$config" >/dev/null 2>&1 || cp "$seed" "$config"
    ip netns exec $ns "$1" run -c "$config" --listen 127.0.0.1:$2 --threads 1 --view-for-loopback lan >$3 2>&1 &
  fi
}
start "$a" 5311 $work/a.log
start "$b" 5312 $work/b.log
for port in 5311 5312; do
  for _ in $(seq 1 50); do [ -n "$(pid_on_port $port)" ] && break; sleep 0.1; done
  [ -n "$(pid_on_port $port)" ] || { echo "nothing listens on $port" >&2; cat $work/*.log >&2; exit 1; }
  binary=$a
  [ $port = 5312 ] && binary=$b
  is_floor "$binary" && continue  # a floor answers NOERROR with no records (dnsperf's NOERROR %)
  answer=$(ip netns exec $ns dig @127.0.0.1 -p $port +short +tries=1 +time=1 argocd.cluster A)
  [ "$answer" = 192.168.1.55 ] || { echo "port $port answers '$answer'" >&2; exit 1; }
done
rss() { awk '/VmRSS/{print $2}' /proc/$1/status; }
declare -A rss_start
for port in 5311 5312; do rss_start[$port]=$(rss "$(pid_on_port $port)"); done
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ${secs}s each"
echo "# A = $a"
echo "# B = $b"
printf "%-5s %-5s %10s %8s %14s %13s %13s\n" round build qps noerror cpu_us/answer rss_start_kB rss_after_kB
for round in $(seq 1 "$rounds"); do
  for entry in A:5311 B:5312; do
    IFS=: read -r build port <<<"$entry"
    measure $port $work/local.q $secs
    printf "%-5s %-5s %10s %8s %14s %13s %13s\n" $round $build $m_qps $m_noerror $m_cpu ${rss_start[$port]} "$(rss $m_pid)"
  done
done
