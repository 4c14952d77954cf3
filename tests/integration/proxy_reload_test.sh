#!/usr/bin/env bash
# SIGHUP reload of the proxy's forwards under load, in namespaces. Two files alternate:
#   v1: lan:9100 -> ingress (a), lan:9101 -> ingress (a)
#   v2: lan:9100 -> ingress-b (b), lan:9102 -> ingress (a); 9101 removed
# While four clients make short connections to 9100 without pause and a 50 MB transfer runs on
# 9100, the file is switched and SIGHUP sent five times. Proves: no client connection fails (the
# listener of 9100 is never closed); the long transfer arrives whole (sha256); new connections
# follow the file (9100 to b, 9102 served); the removed forward stops listening, and its open
# connection is closed after the drain bound (--proxy-drain 1); a bad file changes nothing.
# Usage: proxy_reload_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
lib=$(dirname "$0")/lib

# shellcheck source=lib/two_networks.sh
. "$lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgpr 192.168.1.10/24 192.168.100.80/24 192.168.100.82/24

with_forwards() { # FORWARD_LINES -> a seed with the second ingress and these proxy forwards
  sed -e 's|^  sftp: .*$|&\n  ingress-b:      { address: 192.168.100.82, ports: { http: 80 } }|' \
    -e "s|^  - { listen: lan:2222, to: sftp:ssh }\$|&\\n$1|" "$src/examples/homelab.yaml"
}
with_forwards '  - { listen: lan:9100, to: ingress:http, via: proxy }\n  - { listen: lan:9101, to: ingress:http, via: proxy }' >"$tmp/v1.yaml"
with_forwards '  - { listen: lan:9100, to: ingress-b:http, via: proxy }\n  - { listen: lan:9102, to: ingress:http, via: proxy }' >"$tmp/v2.yaml"
for v in v1 v2; do
  "$labgate" check -c "$tmp/$v.yaml" >"$tmp/check.out" 2>&1 || fail "labgate check $v: $(cat "$tmp/check.out")"
done
cp "$tmp/v1.yaml" "$tmp/labgate.yaml"

ip netns exec $cluster "$python" "$lib/pool_backend.py" 192.168.100.80:80:a 192.168.100.82:80:b &
listening $cluster tcp 192.168.100.80:80
listening $cluster tcp 192.168.100.82:80

ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 --proxy-drain 1 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:9101"
grep -q "proxying lan:9101" "$tmp/run.log" || fail "no readiness line"

client() { ip netns exec $lan timeout 60 "$python" "$lib/pool_client.py" "$@"; }
# The inodes of 9100's listening sockets (one per thread): a reload must keep these very sockets.
listeners() { ip netns exec $gw ss -ltne 'sport = :9100' | grep -o 'ino:[0-9]*' | sort | tr '\n' ' '; }
[ "$(client ping 192.168.1.55 9100)" = "a -" ] || fail "v1: 9100 does not reach a"
before=$(listeners)
[ "$(wc -w <<<"$before")" = 2 ] || fail "not two listening sockets on 9100: $before"

client stream 192.168.1.55 9100 50000000 10 >"$tmp/long" 2>"$tmp/long.err" &
long=$!
client stream 192.168.1.55 9101 50000000 30 >"$tmp/drained" 2>"$tmp/drained.err" &
drained=$!
# Both transfers must be flowing before the first reload removes 9101: on a loaded machine the
# clients' start can take longer than any fixed pause (a 9101 client that connects after the
# reload is refused and proves nothing).
for f in long drained; do
  for _ in $(seq 200); do
    grep -qx receiving "$tmp/$f.err" && break
    sleep 0.1
  done
  grep -qx receiving "$tmp/$f.err" || fail "the $f transfer did not start within 20 s: $(cat "$tmp/$f.err")"
done
client loop 192.168.1.55 9100 10 4 >"$tmp/loop" &
loop=$!
sleep 1
# Each SIGHUP waits for the reload it asked for: two signals sent while labgate is still busy
# would merge into one.
n=0
for v in v2 v1 v2 v1 v2; do
  cp "$tmp/$v.yaml" "$tmp/labgate.yaml"
  kill -HUP $pid
  n=$((n + 1))
  for _ in $(seq 100); do
    [ "$(grep -c 'reloaded the proxy' "$tmp/run.log")" -ge $n ] && break
    sleep 0.1
  done
  [ "$(grep -c 'reloaded the proxy' "$tmp/run.log")" = $n ] || fail "reload $n was not logged within 10 s"
  sleep 1
done
wait $loop
read -r _ ok _ errors <"$tmp/loop"
[ "$errors" = 0 ] || fail "client connections failed during the reloads: $(cat "$tmp/loop")"
[ "$ok" -gt 100 ] || fail "too few client connections during the reloads: $(cat "$tmp/loop")"
echo "ok: 5 reloads under load: $ok short connections, 0 errors"
[ "$(listeners)" = "$before" ] || fail "9100's listening sockets changed: $before -> $(listeners)"
echo "ok: 9100 kept its listening sockets ($before) through the reloads"
[ "$(grep -c 'reloaded the proxy' "$tmp/run.log")" = 5 ] || fail "not 5 proxy reloads in the log"

wait $long
[ "$(cat "$tmp/long")" = "08e07ce1d1b6b1480dddbdbf2d6082dc5ec239b2e0db246da97a5e40296d562c 50000000" ] ||
  fail "the long transfer across the reloads: $(cat "$tmp/long")"
echo "ok: a 50 MB transfer kept flowing across the reloads, sha256 equal"

# 9101 was removed by the first reload: its slow transfer was cut after the 1 s drain bound.
wait $drained
read -r _ got <"$tmp/drained"
[ "$got" -lt 50000000 ] || fail "the removed forward's connection was not closed: got $got bytes"
echo "ok: the removed forward's open connection was closed after the drain bound ($got bytes arrived)"

# The file now is v2.
[ "$(client ping 192.168.1.55 9100)" = "b -" ] || fail "v2: 9100 does not reach b"
[ "$(client ping 192.168.1.55 9102)" = "a -" ] || fail "v2: 9102 is not served"
case "$(client ping 192.168.1.55 9101)" in
  *"refused"*) ;;
  *) fail "v2: the removed forward 9101 still accepts connections" ;;
esac
echo "ok: after the reloads, 9100 goes to b, 9102 is served, 9101 refuses connections"

# A bad file changes nothing.
echo "forwards: [ {listen: lan:9100" >"$tmp/labgate.yaml"
kill -HUP $pid
for _ in $(seq 100); do
  grep -q "reload failed" "$tmp/run.log" && break
  sleep 0.1
done
grep -q "reload failed" "$tmp/run.log" || fail "a bad file was not reported"
[ "$(client ping 192.168.1.55 9100)" = "b -" ] || fail "after a bad file, 9100 changed"
[ "$(client ping 192.168.1.55 9102)" = "a -" ] || fail "after a bad file, 9102 changed"
echo "ok: a bad file was reported and changed nothing"

labgate_stop
echo "PASS: proxy reload"
