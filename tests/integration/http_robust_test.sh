#!/usr/bin/env bash
# The HTTP endpoint under abuse does not harm DNS (issue 14, part 4). In namespaces (the seed's two
# networks, lib/two_networks.sh), `labgate run` with `http: { listen: 192.168.1.55:9153 }`; from
# the LAN client:
#   1. DNS latency at 2,000 qps for 5 s (dnsperf), as the baseline;
#   2. garbage: 300 requests of random bytes, 20 with 1 MB of headers, a 100 MB body, 30 slowloris
#      clients (a header byte every 0.5 s), while DNS is measured again;
#   3. 1,000 idle TCP connections held open to the HTTP port while DNS is measured a third time;
#      labgate holds no more than a bounded number of them (its descriptors are counted);
# DNS must stay fast each time (average latency within 5x the baseline + 2 ms, < 0.1% lost), and
# once the idle connections close, /metrics answers again within 10 s. labgate must survive and
# exit 0 on SIGTERM.
# Usage: http_robust_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
for tool in dnsperf curl python3; do
  command -v $tool >/dev/null || fail "$tool is missing (scripts/install-deps.sh installs it)"
done
two_networks_up lghr 192.168.1.10/24 192.168.100.60/24

cp "$src/examples/homelab.yaml" "$tmp/labgate.yaml"
printf 'http:\n  listen: 192.168.1.55:9153\n' >>"$tmp/labgate.yaml"
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "serving DNS"
listening $gw tcp 192.168.1.55:9153
grep -q labgate_build_info <(ip netns exec $lan curl -sf --max-time 5 http://192.168.1.55:9153/metrics) ||
  fail "no /metrics before the abuse"

printf '%s\n' "argocd.cluster A" "longhorn.cluster A" "nosuch.cluster A" "cluster SOA" >"$tmp/queries"
# measure NAME: dnsperf at 2,000 qps for 5 s; prints the average latency in ms, fails on > 0.1% lost.
measure() {
  ip netns exec $lan dnsperf -s 192.168.1.55 -d "$tmp/queries" -c 2 -Q 2000 -l 5 >"$tmp/$1" 2>&1 ||
    fail "dnsperf ($1): $(cat "$tmp/$1")"
  local sent lost avg
  sent=$(awk '/Queries sent:/ {print $3}' "$tmp/$1")
  lost=$(awk '/Queries lost:/ {print $3}' "$tmp/$1")
  avg=$(awk '/Average Latency/ {print $4}' "$tmp/$1")
  [ -n "$sent" ] && [ -n "$lost" ] && [ -n "$avg" ] || fail "$1: no dnsperf summary: $(cat "$tmp/$1")"
  [ "$sent" -ge 9000 ] || fail "$1: dnsperf sent only $sent queries"
  [ "$lost" -le $((sent / 1000)) ] || fail "$1: $lost of $sent DNS queries lost"
  python3 -c "print(round($avg * 1000, 3))"
}
# within NAME MS: the latency MS is within 5x the baseline + 2 ms.
within() {
  python3 -c "import sys; sys.exit(0 if $2 <= 5 * $base + 2 else 1)" ||
    fail "$1: DNS average latency $2 ms, baseline $base ms"
}

base=$(measure baseline) || exit 1
echo "DNS average latency, baseline: $base ms"

cat >"$tmp/garbage.py" <<'PY'
import os, random, socket, sys, threading, time
host, port = '192.168.1.55', 9153
def conn():
    s = socket.create_connection((host, port), timeout=5)
    return s
def send_and_close(data):
    try:
        s = conn(); s.sendall(data)
        s.settimeout(3)
        try: s.recv(4096)
        except OSError: pass
        s.close()
    except OSError:
        pass  # refused or reset: fine, the server closed on us
rnd = random.Random(14)
def garbage():
    for _ in range(300):
        send_and_close(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 4096))))
def huge_headers():
    for _ in range(20):
        send_and_close(b'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ' + b'a' * (1 << 20) + b'\r\n\r\n')
def huge_body():
    send_and_close(b'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n' + b'b' * (1 << 22))
def slowloris():
    try:
        s = conn(); s.sendall(b'GET /metrics HTTP/1.1\r\n')
        for _ in range(12):
            s.sendall(b'X'); time.sleep(0.5)
    except OSError:
        pass  # closed by the server's read timeout
threads = [threading.Thread(target=f) for f in [garbage, huge_headers, huge_body]]
threads += [threading.Thread(target=slowloris) for _ in range(30)]
for t in threads: t.start()
for t in threads: t.join()
PY
ip netns exec $lan python3 "$tmp/garbage.py" &
garbage_pid=$!
during=$(measure garbage) || exit 1
echo "DNS average latency, during garbage requests: $during ms"
within garbage "$during"
wait $garbage_pid || fail "the garbage client failed"
kill -0 $pid 2>/dev/null || fail "labgate died from garbage requests"

# 1,000 idle connections, held until $tmp/release appears.
cat >"$tmp/idle.py" <<'PY'
import os, resource, socket, sys, time
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
held = []
for i in range(1000):
    s = socket.socket(); s.setblocking(False)
    try: s.connect(('192.168.1.55', 9153))
    except BlockingIOError: pass
    held.append(s)
open(sys.argv[1] + '.ready', 'w').close()
while not os.path.exists(sys.argv[1]): time.sleep(0.1)
for s in held: s.close()
PY
ip netns exec $lan python3 "$tmp/idle.py" "$tmp/release" &
idle_pid=$!
for _ in $(seq 100); do [ -e "$tmp/release.ready" ] && break; sleep 0.1; done
[ -e "$tmp/release.ready" ] || fail "the idle client did not open its connections"
sleep 1
fds=$(ls /proc/$pid/fd | wc -l)
echo "labgate's descriptors with 1,000 idle HTTP connections open: $fds"
[ "$fds" -lt 200 ] || fail "labgate holds $fds descriptors: the idle connections are not capped"
idle=$(measure idle) || exit 1
echo "DNS average latency, with 1,000 idle HTTP connections: $idle ms"
within idle "$idle"
touch "$tmp/release"
wait $idle_pid || fail "the idle client failed"

ip netns exec $lan curl -sf --max-time 10 http://192.168.1.55:9153/metrics >"$tmp/after" ||
  fail "/metrics did not answer within 10 s after the idle connections closed"
grep -q labgate_build_info "$tmp/after" || fail "/metrics after the abuse lacks labgate_build_info"
grep -q 'labgate_http_responses_total{code="200"}' "$tmp/after" || fail "no 200s counted"
labgate_stop
echo "PASS: DNS $base ms baseline, $during ms under garbage, $idle ms with 1,000 idle HTTP connections"
