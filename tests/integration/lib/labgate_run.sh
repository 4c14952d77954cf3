# shellcheck shell=bash
# Sourced by integration tests that start `labgate run` with its log in $tmp/run.log and its PID
# in $pid (as lib/two_networks.sh sets them up); fail() comes from lib/two_networks.sh (or the caller).

# labgate_ready LINE: waits up to 5 s for LINE in the log; fails if labgate exits first.
labgate_ready() {
  for _ in $(seq 50); do
    grep -q "$1" "$tmp/run.log" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || fail "labgate run exited early"
    sleep 0.1
  done
  fail "labgate run did not say '$1' within 5 s"
}

# listening NS tcp|udp ADDRESS:PORT: waits up to 5 s for a socket bound there in NS.
listening() {
  local flag=t
  [ "$2" = udp ] && flag=u
  for _ in $(seq 50); do
    grep -q " $3 " <(ip netns exec "$1" ss -ln$flag) && return 0
    sleep 0.1
  done
  fail "nothing listens on $2 $3 in $1"
}

# labgate_stop: labgate must still run, and exit 0 on SIGTERM.
labgate_stop() {
  kill -0 "$pid" 2>/dev/null || fail "labgate run died"
  kill -TERM "$pid"
  wait "$pid"
  local status=$?
  pid=
  [ $status = 0 ] || fail "labgate run exited $status on SIGTERM"
}
