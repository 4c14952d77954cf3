#!/usr/bin/env bash
# The status page in a real browser: `labgate run` in namespaces with the seed plus a `via: proxy`
# forward to two backends (health-checked every 200 ms); headless Chromium, run inside the
# gateway's namespace so it reaches only that namespace's loopback, loads http://127.0.0.1:9153/
# and runs its script (virtual time, so the fetches of /api/status complete). Proves: the DOM
# lists every forward of the Plan, every backend with its health, and holds the topology's <svg>;
# a screenshot is saved as build/test-artifacts/status.png; after a backend is stopped, the next
# refresh shows it down (red) and the other still up.
# Usage: status_page_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
lib=$(dirname "$0")/lib

# shellcheck source=lib/two_networks.sh
. "$lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$lib/labgate_run.sh"
python=$(command -v python3) || fail "python3 is missing"
chromium=$(command -v chromium) || fail "chromium is missing (Debian package chromium; scripts/install-deps.sh)"
artifacts=$(cd "$(dirname "$labgate")" && pwd)/test-artifacts
mkdir -p "$artifacts" || fail "cannot create $artifacts"
two_networks_up lgsp 192.168.1.10/24 192.168.100.80/24 192.168.100.82/24

sed -e 's|^  sftp: .*$|&\n  ingress-b:      { address: 192.168.100.82, ports: { http: 80 } }|' \
  -e 's|^  - { listen: lan:2222, to: sftp:ssh }$|&\n  - { listen: lan:9000, to: [ingress:http, ingress-b:http], via: proxy, health_check: { interval: 200ms, timeout: 100ms } }|' \
  "$src/examples/homelab.yaml" >"$tmp/labgate.yaml"
grep -q 'ingress-b:http' "$tmp/labgate.yaml" || fail "could not add the forward to the seed"
"$labgate" check -c "$tmp/labgate.yaml" >"$tmp/check.out" 2>&1 || fail "labgate check: $(cat "$tmp/check.out")"

start_backend() { # NAME ADDRESS
  ip netns exec $cluster "$python" "$lib/pool_backend.py" "$2:80:$1" &
  eval "${1}_pid=$!"
  listening $cluster tcp "$2:80"
}
start_backend a 192.168.100.80
start_backend b 192.168.100.82

# DNS on a high port: the page needs no DNS traffic, only the daemon's status.
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 1 --listen 127.0.0.1:5353 \
  2>"$tmp/run.log" &
pid=$!
labgate_ready "proxying lan:9000"
listening $gw tcp 127.0.0.1:9153

# browse OUT [--screenshot]: the page's DOM after its script ran, in $tmp/OUT.html.
browse() {
  local out=$1
  shift
  rm -rf "$tmp/chrome"
  ip netns exec $gw timeout 90 "$chromium" --headless --no-sandbox --disable-gpu \
    --disable-dev-shm-usage --no-first-run --user-data-dir="$tmp/chrome" \
    --virtual-time-budget=5000 "$@" http://127.0.0.1:9153/ >"$tmp/$out.html" 2>"$tmp/$out.err" ||
    fail "chromium failed: $(tail -5 "$tmp/$out.err")"
}

# 1. Every forward of the Plan, every backend with its health, and the picture.
browse page1 --dump-dom
grep -q '<svg' "$tmp/page1.html" || fail "no <svg> in the page: $(head -c 2000 "$tmp/page1.html")"
grep -q 'id="lg-net-cluster"' "$tmp/page1.html" || fail "the picture lacks the cluster network"
for f in "lan:80 -&gt; ingress:http" "lan:443 -&gt; ingress:https" \
  "lan:6443 -&gt; kubernetes-api:api" "lan:2222 -&gt; sftp:ssh" "lan:9000 -&gt; ingress:http"; do
  grep -qF "class=\"forward\" data-forward=\"$f\"" "$tmp/page1.html" || fail "forward $f is not on the page"
done
health() { # PAGE BACKEND: the health the page shows for BACKEND of the proxy forward
  grep -oE "data-forward=\"lan:9000 -&gt; ingress:http\" data-backend=\"$2\" data-health=\"[a-z]+\"" \
    "$tmp/$1.html" | sed 's/.*data-health="\([a-z]*\)"/\1/'
}
[ "$(health page1 192.168.100.80:80)" = up ] || fail "backend a is not shown up: '$(health page1 192.168.100.80:80)'"
[ "$(health page1 192.168.100.82:80)" = up ] || fail "backend b is not shown up: '$(health page1 192.168.100.82:80)'"
# The kernel forwards' backends are listed as unchecked (no health check watches them).
grep -qF 'data-forward="lan:2222 -&gt; sftp:ssh" data-backend="192.168.100.81:22" data-health="unchecked"' \
  "$tmp/page1.html" || fail "the kernel forward's backend is not listed"
grep -q 'class="health up"' "$tmp/page1.html" || fail "no green health badge"
echo "ok: the page lists 5 forwards, their backends (both pool members up) and the topology SVG"

browse shot --screenshot="$artifacts/status.png" --window-size=1280,1400
[ -s "$artifacts/status.png" ] || fail "no screenshot at $artifacts/status.png"
echo "ok: screenshot saved as $artifacts/status.png ($(stat -c %s "$artifacts/status.png") bytes)"

# 2. Stop b: within a few health intervals the proxy marks it down, and the page's next refresh
# shows it red while a stays green.
kill "$b_pid"
wait "$b_pid" 2>/dev/null
for _ in $(seq 50); do
  grep -q "backend 192.168.100.82:80 of lan:9000 -> ingress:http is down" "$tmp/run.log" && break
  sleep 0.1
done
grep -q "backend 192.168.100.82:80 of lan:9000 -> ingress:http is down" "$tmp/run.log" ||
  fail "the proxy did not mark b down"
browse page2 --dump-dom
[ "$(health page2 192.168.100.82:80)" = down ] || fail "b is not shown down: '$(health page2 192.168.100.82:80)'"
[ "$(health page2 192.168.100.80:80)" = up ] || fail "a is not shown up after b stopped"
grep -q 'class="health down"' "$tmp/page2.html" || fail "no red health badge"
echo "ok: after backend b stopped, the page shows it down (red) and a up"

labgate_stop
echo "PASS: status page"
