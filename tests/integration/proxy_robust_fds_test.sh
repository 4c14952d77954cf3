#!/usr/bin/env bash
# The TCP proxy out of file descriptors, in namespaces (the seed's two networks, a LAN client at
# 192.168.1.10, an echo backend at 192.168.100.80:80 behind
# `{ listen: lan:8080, to: ingress:http, via: proxy }`). labgate runs with `ulimit -n 64`, so only
# a handful of relayed connections (six descriptors each) fit. Proves: opening 60 connections at
# once, every one either gets its line echoed or is closed (EOF or reset) within a few seconds —
# none hangs; the connections that were admitted keep working while the rest are turned away;
# after they all close, new connections are all served again (it recovers by itself).
# Usage: proxy_robust_fds_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
two_networks_up lgpf 192.168.1.10/24 192.168.100.80/24

sed 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:8080, to: ingress:http, via: proxy }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'via: proxy' "$tmp/labgate.yaml" || fail "could not add the proxy forward to the seed"

cat >"$tmp/echo.py" <<'PY'
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('192.168.100.80', 80)); s.listen(256)
def serve(c):
    with c:
        try:
            while True:
                d = c.recv(4096)
                if not d: break
                c.sendall(d)
        except OSError:
            pass
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
# Opens N connections at once and sends a line on each; each is then "echoed" or "closed" (EOF
# or reset) or "hung" (nothing within 5 s). Then the echoed ones must echo a second line while
# all are still open. Prints "echoed E closed C hung H again A".
cat >"$tmp/burst.py" <<'PY'
import socket, sys
n = int(sys.argv[1])
conns = []
for i in range(n):
    c = socket.socket(); c.settimeout(5)
    try:
        c.connect(('192.168.1.55', 8080))
    except OSError:
        pass  # a connection refused outright also counts as closed, below
    conns.append(c)
def exchange(c, line):
    try:
        c.sendall(line)
        got = b''
        while len(got) < len(line):
            d = c.recv(len(line) - len(got))
            if not d: return 'eof'
            got += d
        return 'echoed' if got == line else 'wrong'
    except socket.timeout:
        return 'hung'
    except OSError:
        return 'reset'
results = [exchange(c, b'first %d\n' % i) for i, c in enumerate(conns)]
again = sum(exchange(c, b'second\n') == 'echoed' for c, r in zip(conns, results) if r == 'echoed')
print('echoed %d eof %d reset %d hung %d wrong %d again %d' % (results.count('echoed'),
      results.count('eof'), results.count('reset'), results.count('hung'), results.count('wrong'), again))
for c in conns: c.close()
PY

ip netns exec $cluster "$python" "$tmp/echo.py" &
listening $cluster tcp 192.168.100.80:80
ip netns exec $gw bash -c "ulimit -n 64; exec $labgate run -c $tmp/labgate.yaml --threads 1" 2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:8080"
[ "$(awk '/Max open files/{print $4}' /proc/$pid/limits)" = 64 ] || fail "the descriptor limit is not 64"

out=$(ip netns exec $lan timeout 120 "$python" "$tmp/burst.py" 60) || fail "burst client: $out"
read -r _ echoed _ eof _ reset _ hung _ wrong _ again <<<"$out"
closed=$((eof + reset))
[ "$hung" = 0 ] && [ "$wrong" = 0 ] || fail "out of descriptors, connections hung or got wrong bytes: $out"
[ "$echoed" -ge 1 ] || fail "no connection was served at all: $out"
[ "$closed" -ge 1 ] || fail "60 connections fit in 64 descriptors? the test proves nothing: $out"
[ "$again" = "$echoed" ] || fail "admitted connections stopped working while others were turned away: $out"
echo "ok: 60 connections against 64 descriptors: $echoed served (and still working), $closed closed ($eof by EOF, $reset by reset), none hung"

kill -0 $pid 2>/dev/null || fail "labgate run died out of descriptors"
sleep 0.5
out=$(ip netns exec $lan timeout 60 "$python" "$tmp/burst.py" 5) || fail "after the burst: $out"
[ "$out" = "echoed 5 eof 0 reset 0 hung 0 wrong 0 again 5" ] || fail "did not recover after the burst: $out"
echo "ok: recovered: 5 new connections all served"

labgate_stop
echo "PASS: proxy robust (descriptor exhaustion)"
