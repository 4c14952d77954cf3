#!/usr/bin/env bash
# iperf3 through the TCP proxy, in namespaces (the seed's two networks, a LAN client at
# 192.168.1.10, `iperf3 -s` at 192.168.100.80:5201 behind
# `{ listen: lan:5201, to: ingress:iperf, via: proxy }`). Proves: iperf3's control connection and
# data streams work through the proxy, one stream upload, download (-R) and four parallel streams
# (-P 4), each for 3 s, with no iperf3 error and at least 100 Mbit/s received. (Byte-for-byte
# transfers are proxy_relay_test.sh's.)
# Usage: proxy_iperf_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
command -v iperf3 >/dev/null || fail "iperf3 is missing (Debian package iperf3; scripts/install-deps.sh)"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgpi 192.168.1.10/24 192.168.100.80/24

sed -e 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:5201, to: ingress:iperf, via: proxy }|' \
    -e 's|^  ingress: *{ address: 192.168.100.80, ports: { http: 80, https: 443 } }$|  ingress: { address: 192.168.100.80, ports: { http: 80, https: 443, iperf: 5201 } }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
[ "$(grep -c 'iperf' "$tmp/labgate.yaml")" = 2 ] || fail "could not edit the seed"

ip netns exec $cluster iperf3 -s -B 192.168.100.80 -p 5201 </dev/null >"$tmp/iperf3-server.log" 2>&1 &
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:5201"
listening $cluster tcp 192.168.100.80:5201

for args in "" "-R" "-P 4"; do
  # shellcheck disable=SC2086 # the iperf3 options are words on purpose
  ip netns exec $lan timeout 30 iperf3 -c 192.168.1.55 -p 5201 -t 3 $args -J >"$tmp/out.json" 2>&1 ||
    fail "iperf3 $args: $(head -c 2000 "$tmp/out.json")"
  result=$("$python" -c '
import json, sys
d = json.load(open(sys.argv[1]))
if "error" in d: print("error", d["error"]); sys.exit()
r = d["end"]["sum_received"]
print("ok %.0f %d" % (r["bits_per_second"] / 1e6, r["bytes"]))' "$tmp/out.json")
  read -r verdict mbps bytes <<<"$result"
  [ "$verdict" = ok ] || fail "iperf3 $args: $result"
  [ "$mbps" -ge 100 ] || fail "iperf3 $args: only $mbps Mbit/s through the proxy"
  echo "ok: iperf3 ${args:-(upload)} through the proxy: $mbps Mbit/s, $bytes bytes received"
done

labgate_stop
echo "PASS: proxy iperf3"
