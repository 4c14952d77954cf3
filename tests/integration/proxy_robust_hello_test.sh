#!/usr/bin/env bash
# SNI routing of a ClientHello split into single-byte writes, in namespaces: one `via: proxy`
# forward with `sni: true` on 192.168.1.55:9443 and two TLS backends (`openssl s_server`,
# self-signed certificates made here): argocd.cluster -> ingress (192.168.100.80:443), pve.cluster
# -> pve (192.168.100.90:443). The client (python3 ssl over memory BIOs) writes every byte of its
# ClientHello in its own TCP segment (TCP_NODELAY, 2 ms apart), then finishes the handshake
# normally. Proves: each name reaches its own backend (the certificate the client got says which)
# and the TLS session works end to end (an HTTP answer from s_server -www).
# Usage: proxy_robust_hello_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
command -v openssl >/dev/null || fail "openssl is missing (Debian package openssl; scripts/install-deps.sh)"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgph 192.168.1.10/24 192.168.100.80/24 192.168.100.90/24

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

# split_hello.py NAME: prints "SEGMENTS CN-OF-THE-CERTIFICATE STATUS-LINE".
cat >"$tmp/split_hello.py" <<'PY'
import socket, ssl, subprocess, sys, time
name = sys.argv[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname=name)
s = socket.create_connection(('192.168.1.55', 9443), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
segments = 0
first = True
while True:
    try:
        tls.do_handshake(); done = True
    except ssl.SSLWantReadError:
        done = False
    data = outgoing.read()
    if first:  # the ClientHello: one byte per write
        for b in data:
            s.sendall(bytes([b])); segments += 1; time.sleep(0.002)
        first = False
    elif data:
        s.sendall(data)
    if done: break
    d = s.recv(65536)
    if not d: sys.exit('closed during the handshake')
    incoming.write(d)
der = tls.getpeercert(binary_form=True)
cn = subprocess.run(['openssl', 'x509', '-inform', 'DER', '-noout', '-subject'], input=der,
                    capture_output=True).stdout.decode().split('CN')[-1].strip(' =\n')
tls.write(b'GET / HTTP/1.0\r\n\r\n'); s.sendall(outgoing.read())
reply = b''
while b'\r\n' not in reply:
    try:
        reply += tls.read(4096)
    except ssl.SSLWantReadError:
        d = s.recv(65536)
        if not d: break
        incoming.write(d)
print(segments, cn, reply.split(b'\r\n')[0].decode())
PY

ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:9443 -> ingress:https on 192.168.1.55:9443"
listening $cluster tcp 192.168.100.80:443
listening $cluster tcp 192.168.100.90:443

for pair in pve.cluster:pve-backend argocd.cluster:ingress-backend; do
  name=${pair%%:*} want=${pair#*:}
  out=$(ip netns exec $lan timeout 30 "$python" "$tmp/split_hello.py" "$name" 2>&1) || fail "$name: $out"
  read -r segments cn status <<<"$out"
  [ "$cn" = "$want" ] || fail "$name, hello in single bytes, reached '$cn' (wanted $want): $out"
  [ "$segments" -ge 200 ] || fail "$name: the hello was only $segments bytes?"
  case $status in "HTTP/1.0 200"*) ;; *) fail "$name: no HTTP answer over the relayed TLS: $out" ;; esac
  echo "ok: $name: a ClientHello written in $segments single bytes reached $cn; TLS works end to end ($status)"
done

labgate_stop
echo "PASS: proxy robust (ClientHello in single bytes)"
