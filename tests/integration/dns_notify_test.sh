#!/usr/bin/env bash
# `labgate run` talks to systemd: READY=1 (with STATUS) once every socket is bound, RELOADING=1
# (with MONOTONIC_USEC) then READY=1 around a SIGHUP reload, STOPPING=1 on SIGTERM. A Python
# datagram socket stands in for systemd's NOTIFY_SOCKET; labgate runs in a private namespace on
# its loopback, and under JOURNAL_STREAM its log lines carry syslog priorities.
# Usage: dns_notify_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
fail() { echo "FAIL: $*" >&2; [ -f "${tmp:-}/run.log" ] && sed 's/^/  labgate: /' "$tmp/run.log" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
command -v python3 >/dev/null || fail "python3 is missing"
ns=lgdnsnotify$$
tmp=$(mktemp -d)
pid= listener=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  [ -n "$listener" ] && kill "$listener" 2>/dev/null
  ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
  ip netns del $ns 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add $ns || fail "cannot create network namespace $ns"
ip -n $ns link set lo up

# Each datagram on the socket becomes one line of notify.txt (newlines inside shown as '|').
python3 - "$tmp/notify.sock" "$tmp/notify.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
PY
listener=$!
for _ in $(seq 50); do [ -S "$tmp/notify.sock" ] && break; sleep 0.1; done
[ -S "$tmp/notify.sock" ] || fail "the stand-in notify socket did not appear"

wait_for() {  # wait_for FILE PATTERN: up to 5 s
  for _ in $(seq 50); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
cp "$src/examples/homelab.yaml" "$tmp/topology.yaml"
NOTIFY_SOCKET=$tmp/notify.sock JOURNAL_STREAM=8:1234 ip netns exec $ns "$labgate" run \
  -c "$tmp/topology.yaml" --listen 127.0.0.1:5353 --threads 1 2>"$tmp/run.log" &
pid=$!
wait_for "$tmp/notify.txt" "^READY=1|STATUS=serving DNS for zone 'cluster' on udp+tcp 127.0.0.1:5353 with 1 thread; http on 127.0.0.1:9153$" ||
  fail "no READY=1 with STATUS: $(cat "$tmp/notify.txt" 2>/dev/null)"
grep -q "^<6>serving DNS for zone 'cluster'" "$tmp/run.log" || fail "no <6> priority prefix under journald"

# A reload of a changed zone: READY=1 again, with the STATUS of what is served now.
sed -i 's/^  zone: cluster$/  zone: lab/' "$tmp/topology.yaml"
kill -HUP $pid
wait_for "$tmp/notify.txt" "^RELOADING=1|MONOTONIC_USEC=[0-9][0-9]*$" || fail "no RELOADING=1 on SIGHUP"
for _ in $(seq 50); do [ "$(grep -c '^READY=1' "$tmp/notify.txt")" = 2 ] && break; sleep 0.1; done
[ "$(grep -c '^READY=1' "$tmp/notify.txt")" = 2 ] || fail "no READY=1 after the reload"
grep -q "^READY=1|STATUS=serving DNS for zone 'lab' on" "$tmp/notify.txt" ||
  fail "the STATUS after the reload does not name the new zone: $(cat "$tmp/notify.txt")"

kill -TERM $pid
wait_for "$tmp/notify.txt" "^STOPPING=1$" || fail "no STOPPING=1 on SIGTERM"
wait $pid
status=$?
pid=
[ $status = 0 ] || fail "exit status $status after SIGTERM"
[ "$(cat "$tmp/notify.txt" | cut -d'|' -f1 | tr '\n' ' ')" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ] ||
  fail "unexpected notifications: $(cat "$tmp/notify.txt")"
echo "PASS: sd_notify READY/RELOADING/READY/STOPPING, journald priorities"
