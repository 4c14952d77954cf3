#!/usr/bin/env bash
# TCP DNS under one abusive client (issue 12, item 4): `labgate run` (one loop, 1,024 TCP
# connections) between the seed's two networks.
#   - A cluster client opens 2,000 TCP connections and sends nothing. While it holds them, 16 TCP
#     queries from the LAN and 16 from the same client are all answered (before the fix: 0/16, the
#     loop was full and closed every new connection), and the server keeps at most 64 of the
#     abuser's connections (the per-client bound; the rest were evicted, idlest first).
#   - A client that sends the length prefix of a 65,535-byte message, then one byte every 3 s, is
#     closed within 8 s (a message must arrive whole within 5 s, checked each second; before the
#     fix it stayed open past 30 s).
# Usage: dns_tcp_overload_test.sh LABGATE_BINARY SOURCE_DIR   (root; fails if it cannot run)
set -uo pipefail
labgate=$1 src=$2
abuse=$(dirname "$0")/lib/tcp_dns_abuse.py

# shellcheck source=lib/two_networks.sh
. "$(dirname "$0")/lib/two_networks.sh"
# shellcheck source=lib/labgate_run.sh
. "$(dirname "$0")/lib/labgate_run.sh"
command -v dig >/dev/null || fail "dig is missing (Debian package dnsutils; scripts/install-deps.sh)"
command -v python3 >/dev/null || fail "python3 is missing (scripts/install-deps.sh)"
two_networks_up lgtcp 192.168.1.10/24 192.168.100.60/24 192.168.100.61/24

cp "$src/examples/homelab.yaml" "$tmp/labgate.yaml"
# labgate needs a descriptor per connection: 2,000 held and the ones being answered.
ulimit -n 8192 || fail "cannot raise the descriptor limit to 8192"
ip netns exec $gw "$labgate" run -c "$tmp/labgate.yaml" --threads 1 2>"$tmp/run.log" &
pid=$!
labgate_ready "serving DNS"
listening $gw tcp 192.168.100.1:53

# answered NS SERVER SOURCE: how many of 16 TCP queries from SOURCE get argocd.cluster's address.
answered() {
  local n=0
  for _ in $(seq 16); do
    out=$(ip netns exec "$1" dig @"$2" -b "$3" +tcp +time=2 +tries=1 +short argocd.cluster 2>&1)
    [[ "$out" =~ ^192\.168\. ]] && n=$((n + 1))
  done
  echo $n
}

# The abuser: 2,000 idle connections from 192.168.100.60, held open until its stdin closes.
coproc HOLD { ip netns exec $cluster python3 "$abuse" hold 192.168.100.1 53 192.168.100.60 2000; }
hold_pid=$HOLD_PID # bash unsets HOLD_PID when the coprocess ends
read -r -t 60 opened <&"${HOLD[0]}" || fail "the abuser did not finish connecting within 60 s"
[ "$opened" = "opened 2000" ] || fail "the abuser: '$opened'"

lan_ok=$(answered $lan 192.168.1.55 192.168.1.10)
other_ok=$(answered $cluster 192.168.100.1 192.168.100.61)
self_ok=$(answered $cluster 192.168.100.1 192.168.100.60)
held=$(ip netns exec $gw ss -Htn state established "( sport = :53 and dst 192.168.100.60 )" | wc -l)
echo "while 2,000 idle connections were opened by one client: LAN $lan_ok/16, another cluster" \
  "client $other_ok/16, the abuser itself $self_ok/16; the server holds $held of the abuser's"
echo >&"${HOLD[1]}"
read -r -t 10 still <&"${HOLD[0]}" || fail "the abuser did not report"
echo "the abuser sees: $still"
[ "$lan_ok" = 16 ] || fail "TCP queries from the LAN answered: $lan_ok/16"
[ "$other_ok" = 16 ] || fail "TCP queries from another cluster client answered: $other_ok/16"
[ "$self_ok" = 16 ] || fail "TCP queries from the abuser's own address answered: $self_ok/16"
[ "$held" -le 64 ] || fail "the server holds $held connections of one client (bound: 64 per loop)"
eval "exec ${HOLD[1]}>&-"
kill "$hold_pid" 2>/dev/null
wait "$hold_pid" 2>/dev/null

# The trickler: no slot for a message that makes no progress.
closed=$(ip netns exec $cluster python3 "$abuse" trickle 192.168.100.1 53 192.168.100.60)
echo "trickler closed after: $closed s"
[ "$closed" != open ] || fail "a 65,535-byte message trickled 1 byte per 3 s stayed open past 40 s"
awk -v t="$closed" 'BEGIN { exit !(t <= 8) }' || fail "the trickler was closed after $closed s (bound: 8)"
# And TCP still answers.
[ "$(answered $lan 192.168.1.55 192.168.1.10)" = 16 ] || fail "TCP from the LAN after the trickler"

labgate_stop
# The daemon accounts for what it did: evictions (the abuser's) and the stalled message.
grep -qE "a DNS loop stops: [0-9]*[1-9][0-9]* TCP connections evicted for room, 1 closed mid-message" "$tmp/run.log" ||
  fail "the loop's stop line does not count the evictions and the stalled message: $(tail -2 "$tmp/run.log")"
echo "PASS"
