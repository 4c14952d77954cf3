# What the DNS benchmarks (dns_bench.sh, dns_ab.sh) share; sourced, needs root.
#   bench_namespace NAME   a private network namespace lgbench-NAME-PID ($ns, loopback up) and a
#                          scratch directory ($work); both removed on exit, with every process
#                          still running in the namespace
#   pid_on_port PORT       the pid of the process listening on UDP PORT in $ns
#   measure PORT QUERIES SECONDS
#                          dnsperf (4 clients, no rate limit) against 127.0.0.1:PORT in $ns; sets
#                          m_pid, m_qps, m_latency_us, m_noerror (share of NOERROR answers) and
#                          m_cpu (µs of the listener's utime+stime per completed query -- dnsperf
#                          shares the cores, so this is the steadier figure)
# Daemons started in $ns must write to files in $work, never to the script's stdout: a daemon
# holding the pipe open would keep a caller that reads our output (e.g. `| tee`) waiting after
# the script exits.

bench_namespace() {
  ns=lgbench-$1-$$
  work=$(mktemp -d)
  ip netns add $ns
  trap bench_cleanup EXIT
  ip -n $ns link set lo up
}

bench_cleanup() {
  ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null || true
  sleep 0.3
  ip netns pids $ns 2>/dev/null | xargs -r kill -9 2>/dev/null || true
  ip netns del $ns 2>/dev/null || true
  rm -rf "$work"
}

pid_on_port() { ip netns exec $ns ss -lunp "sport = :$1" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }

measure() {
  local port=$1 queries=$2 secs=$3 before after out completed
  m_pid=$(pid_on_port $port)
  before=$(awk '{print $14 + $15}' /proc/$m_pid/stat)
  out=$(ip netns exec $ns dnsperf -s 127.0.0.1 -p $port -d $queries -l $secs -c 4 -Q 1000000 2>/dev/null)
  after=$(awk '{print $14 + $15}' /proc/$m_pid/stat)
  m_qps=$(awk '/Queries per second/{printf "%.0f", $4}' <<<"$out")
  completed=$(awk '/Queries completed/{print $3}' <<<"$out")
  m_latency_us=$(awk '/Average Latency/{printf "%.0f", $4 * 1e6}' <<<"$out")
  m_noerror=$(awk '/Response codes/{for(i=3;i<=NF;i++) if($i=="NOERROR") {v=$(i+2); gsub(/[(),]/,"",v); print v}}' <<<"$out")
  m_noerror=${m_noerror:-?}
  m_cpu=$(awk -v t=$((after - before)) -v hz=$(getconf CLK_TCK) -v n=$completed \
    'BEGIN{printf "%.2f", n ? t / hz * 1e6 / n : 0}')
}
