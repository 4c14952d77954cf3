#!/usr/bin/env bash
# `labgate run` serving a `via: proxy` forward in namespaces: a gateway namespace with the seed's
# two networks, a LAN client namespace and a backend namespace (the seed's ingress, 192.168.100.80)
# on the cluster network; python3 on both ends. Proves: 50 MB up and 50 MB down through the proxy,
# byte for byte (sha256); half-close (the client shuts its write side and still reads the reply,
# which the backend only sends after it saw EOF); the backend sees the gateway as the client; a
# backend that is not listening is a clean close for the client; a second forward with
# `proxy_protocol: v1` and `max_connections: 2`: the backend reads the real client's address in the
# PROXY header, a third connection is accepted and closed at once, and one is admitted again after
# another one closed.
# Usage: proxy_relay_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgpx 192.168.1.10/24 192.168.100.80/24

# The seed, plus one forward served by the proxy: 192.168.1.55:8443 -> ingress:https.
sed 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:8443, to: ingress:https, via: proxy }\n  - { listen: lan:8080, to: ingress:http, via: proxy, proxy_protocol: v1, max_connections: 2 }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'via: proxy' "$tmp/labgate.yaml" || fail "could not add the proxy forward to the seed"

head -c 50000000 /dev/urandom >"$tmp/blob"
blob_sha=$(sha256sum "$tmp/blob" | cut -d' ' -f1)

# The backend: per connection, one command byte. 'U': read to EOF, answer the sha256 of what came
# and the peer's address (only possible after the client's half-close reached it). 'D': send the
# blob, then close.
cat >"$tmp/backend.py" <<'PY'
import hashlib, socket, sys, threading
blob = open(sys.argv[1], 'rb').read()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('192.168.100.80', 443)); s.listen(64)
def serve(c, peer):
    with c:
        cmd = c.recv(1)
        if cmd == b'U':
            h = hashlib.sha256()
            while True:
                d = c.recv(1 << 20)
                if not d: break
                h.update(d)
            c.sendall(f'{h.hexdigest()} {peer[0]}\n'.encode())
        elif cmd == b'D':
            c.sendall(blob)
while True:
    c, peer = s.accept()
    threading.Thread(target=serve, args=(c, peer), daemon=True).start()
PY
# The client: upload or download through 192.168.1.55:8443.
cat >"$tmp/client.py" <<'PY'
import hashlib, socket, sys
mode, path = sys.argv[1], sys.argv[2]
c = socket.create_connection(('192.168.1.55', 8443), timeout=30)
if mode == 'U':
    c.sendall(b'U')
    with open(path, 'rb') as f:
        while True:
            d = f.read(1 << 20)
            if not d: break
            c.sendall(d)
    c.shutdown(socket.SHUT_WR)  # half-close: the reply must still arrive
    reply = b''
    while True:
        d = c.recv(4096)
        if not d: break
        reply += d
    print(reply.decode().strip())
else:
    c.sendall(b'D')
    h = hashlib.sha256(); n = 0
    while True:
        d = c.recv(1 << 20)
        if not d: break
        h.update(d); n += len(d)
    print(h.hexdigest(), n)
PY

ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 2 2>"$tmp/run.log" &
pid=$!
for _ in $(seq 50); do
  grep -q "proxying lan:8443 -> ingress:https on 192.168.1.55:8443" "$tmp/run.log" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || fail "labgate run exited early"
  sleep 0.1
done
grep -q "proxying lan:8443 -> ingress:https on 192.168.1.55:8443" "$tmp/run.log" || fail "no readiness line"

# No backend yet: the client's connection is accepted, then closed cleanly (EOF, no hang).
out=$(ip netns exec $lan timeout 10 "$python" "$tmp/client.py" D /dev/null) ||
  fail "without a backend the client got an error or hung: $out"
[ "$out" = "$(printf '' | sha256sum | cut -d' ' -f1) 0" ] || fail "without a backend: $out"

ip netns exec $cluster "$python" "$tmp/backend.py" "$tmp/blob" &
for _ in $(seq 50); do
  grep -q 192.168.100.80:443 <(ip netns exec $cluster ss -ltn) && break
  sleep 0.1
done

up=$(ip netns exec $lan timeout 60 "$python" "$tmp/client.py" U "$tmp/blob") || fail "upload failed: $up"
[ "$up" = "$blob_sha 192.168.100.1" ] ||
  fail "upload: backend saw '$up', wanted '$blob_sha 192.168.100.1' (sha256 and the gateway as peer)"
echo "ok: 50 MB upload through the proxy, sha256 equal, half-close delivered the reply"

down=$(ip netns exec $lan timeout 60 "$python" "$tmp/client.py" D -) || fail "download failed: $down"
[ "$down" = "$blob_sha 50000000" ] || fail "download: got '$down', wanted '$blob_sha 50000000'"
echo "ok: 50 MB download through the proxy, sha256 equal"

# Several at once, both ways.
clients=()
for i in 1 2 3 4; do
  ip netns exec $lan timeout 60 "$python" "$tmp/client.py" U "$tmp/blob" >"$tmp/up$i" &
  clients+=($!)
  ip netns exec $lan timeout 60 "$python" "$tmp/client.py" D - >"$tmp/down$i" &
  clients+=($!)
done
wait "${clients[@]}"
for i in 1 2 3 4; do
  [ "$(cat "$tmp/up$i")" = "$blob_sha 192.168.100.1" ] || fail "concurrent upload $i: $(cat "$tmp/up$i")"
  [ "$(cat "$tmp/down$i")" = "$blob_sha 50000000" ] || fail "concurrent download $i: $(cat "$tmp/down$i")"
done
echo "ok: 4 uploads and 4 downloads at once, all byte for byte"

# The PROXY header and the connection limit. The backend on :80 sends back the first line it got
# (the PROXY header) and keeps the connection open until the client closes it.
cat >"$tmp/header_backend.py" <<'PY'
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('192.168.100.80', 80)); s.listen(64)
def serve(c):
    with c:
        line = b''
        while not line.endswith(b'\r\n'):
            d = c.recv(1)
            if not d: return
            line += d
        c.sendall(line)
        while c.recv(4096): pass
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
cat >"$tmp/limit_client.py" <<'PY'
import socket, time
def open_one():
    c = socket.create_connection(('192.168.1.55', 8080), timeout=5)
    return c
def header_of(c):
    line = b''
    while not line.endswith(b'\r\n'):
        d = c.recv(1)
        if not d: return 'EOF'
        line += d
    want = 'PROXY TCP4 192.168.1.10 192.168.1.55 %d 8080\r\n' % c.getsockname()[1]
    return 'ok' if line.decode() == want else 'bad header ' + repr(line)
a = open_one(); print('a', header_of(a))
b = open_one(); print('b', header_of(b))
c = open_one()
t = time.time(); r = c.recv(10)
print('c', 'refused' if r == b'' and time.time() - t < 2 else 'not refused ' + repr(r))
a.close(); time.sleep(0.5)
d = open_one(); print('d', header_of(d))
PY
ip netns exec $cluster "$python" "$tmp/header_backend.py" &
for _ in $(seq 50); do
  grep -q 192.168.100.80:80 <(ip netns exec $cluster ss -ltn) && break
  sleep 0.1
done
limit=$(ip netns exec $lan timeout 20 "$python" "$tmp/limit_client.py" 2>&1 | tr '\n' ' ')
[ "$limit" = "a ok b ok c refused d ok " ] || fail "PROXY header / connection limit: $limit"
echo "ok: the backend read the client's address in the PROXY v1 header; the limit of 2 refused the third connection cleanly and admitted one again"

kill -0 $pid 2>/dev/null || fail "labgate run died"
kill -TERM $pid
wait $pid
status=$?
pid=
[ $status = 0 ] || fail "labgate run exited $status on SIGTERM"
echo "PASS: proxy relay"
