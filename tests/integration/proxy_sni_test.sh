#!/usr/bin/env bash
# SNI routing in namespaces: one `via: proxy` forward with `sni: true` on 192.168.1.55:9443, two
# TLS backends (`openssl s_server`, self-signed certificates made here) that DNS names of the file
# point at: argocd.cluster -> ingress (192.168.100.80:443), pve.cluster -> pve (.90:443).
# `openssl s_client -servername` for each name reaches its own backend (the certificate's subject
# says which); a name the file does not know goes to the forward's target; plain HTTP is closed.
# Usage: proxy_sni_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
command -v openssl >/dev/null || fail "openssl is missing (Debian package openssl; scripts/install-deps.sh)"
two_networks_up lgsni 192.168.1.10/24 192.168.100.80/24 192.168.100.90/24

# The seed, plus a pve service with an https port, its DNS name, and the SNI forward.
sed -e 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:9443, to: ingress:https, via: proxy, sni: true }|' \
    -e 's|^services:$|&\n  pve: { address: 192.168.100.90, ports: { https: 443 } }|' \
    -e 's|^  zone: cluster$|&\n  names:\n    pve: pve|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
[ "$(grep -c 'sni: true\|pve: pve\|pve: { address' "$tmp/labgate.yaml")" = 3 ] || fail "could not edit the seed"

for name in ingress pve; do
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$name-backend" \
    -keyout "$tmp/$name.key" -out "$tmp/$name.crt" 2>/dev/null || fail "openssl req"
done
ip netns exec $cluster openssl s_server -quiet -accept 192.168.100.80:443 -cert "$tmp/ingress.crt" -key "$tmp/ingress.key" -www >/dev/null 2>&1 &
ip netns exec $cluster openssl s_server -quiet -accept 192.168.100.90:443 -cert "$tmp/pve.crt" -key "$tmp/pve.key" -www >/dev/null 2>&1 &

ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
for _ in $(seq 50); do
  grep -q "proxying lan:9443 -> ingress:https on 192.168.1.55:9443" "$tmp/run.log" 2>/dev/null &&
    grep -q 192.168.100.90:443 <(ip netns exec $cluster ss -ltn) && break
  kill -0 $pid 2>/dev/null || fail "labgate run exited early"
  sleep 0.1
done

# The subject of the certificate the client got for NAME.
subject() {
  ip netns exec $lan timeout 10 openssl s_client -connect 192.168.1.55:9443 -servername "$1" \
    </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null | sed 's/.*CN *= *//'
}
[ "$(subject pve.cluster)" = pve-backend ] || fail "pve.cluster reached '$(subject pve.cluster)'"
[ "$(subject argocd.cluster)" = ingress-backend ] || fail "argocd.cluster reached '$(subject argocd.cluster)'"
[ "$(subject PVE.Cluster)" = pve-backend ] || fail "names are not case-insensitive"
[ "$(subject unknown.example)" = ingress-backend ] || fail "an unknown name did not go to the target"
echo "ok: openssl s_client -servername pve.cluster / argocd.cluster reach two backends behind one port"

# Plain HTTP on the TLS port: closed without an answer, and the listener keeps serving.
out=$(ip netns exec $lan timeout 5 bash -c 'exec 3<>/dev/tcp/192.168.1.55/9443; printf "GET / HTTP/1.0\r\n\r\n" >&3; cat <&3') ||
  fail "plain HTTP was not closed promptly"
[ -z "$out" ] || fail "plain HTTP got an answer: $out"
[ "$(subject pve.cluster)" = pve-backend ] || fail "the listener stopped serving after garbage"
echo "ok: non-TLS bytes are closed at once"

kill -TERM $pid
wait $pid
status=$?
pid=
[ $status = 0 ] || fail "labgate run exited $status on SIGTERM"
echo "PASS: proxy SNI routing"
