# Shared by the kernel datapath's integration tests: sourced, never run (not a *_test.sh).
# Usage: source kernel_common.sh LABGATE SOURCE_DIR
# Sets $labgate, $src, $tmp (a state/scratch directory) and a unique prefix $ns for namespace
# names; fails loudly without root or network namespaces; deletes every namespace named
# "$ns*" and $tmp on exit, success or failure. Nothing here touches the machine's own namespace:
# every nft, sysctl and labgate call runs through `inns NS ...` (ip netns exec).
set -euo pipefail
labgate=$(realpath "$1")
src=$(realpath "$2")
ns="lgk$$"
tmp=$(mktemp -d /tmp/labgate-kernel-test.XXXXXX)

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cleanup() {
  local n
  for n in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$ns" || true); do
    # Stop anything still running in it (servers, confirm timers) before deleting it.
    for pid in $(ip netns pids "$n" 2>/dev/null || true); do kill "$pid" 2>/dev/null || true; done
    ip netns del "$n" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || fail "integration tests need root (they build network namespaces)"
ip netns add "${ns}probe" || fail "cannot create network namespaces on this machine"
ip netns del "${ns}probe"

inns() {
  local n=$1
  shift
  ip netns exec "$n" "$@"
}

# A gateway namespace "$1" with bridges vmbr0/vmbr1 (as on Proxmox; no ports yet) carrying the seed's addresses.
make_gateway() {
  local g=$1
  ip netns add "$g"
  inns "$g" ip link set lo up
  inns "$g" ip link add vmbr0 type bridge
  inns "$g" ip link add vmbr1 type bridge
  inns "$g" ip addr add 192.168.1.55/24 dev vmbr0
  inns "$g" ip addr add 192.168.100.1/24 dev vmbr1
  inns "$g" ip link set vmbr0 up
  inns "$g" ip link set vmbr1 up
}

# Tables labgate must never touch: an iptables-nft style `table ip filter` and a pve-firewall
# lookalike with a set, a map-free chain, counters and comments.
add_foreign_tables() {
  inns "$1" nft -f - <<'NFT'
table ip filter {
	chain INPUT {
		type filter hook input priority filter; policy accept;
		iifname "vmbr0" tcp dport 8006 counter accept comment "proxmox web ui"
	}
	chain FORWARD {
		type filter hook forward priority filter; policy accept;
		ip saddr 10.9.9.9 drop
	}
}
table inet pve-firewall {
	set blocked {
		type ipv4_addr
		elements = { 198.51.100.7, 198.51.100.8 }
	}
	chain pve-in {
		type filter hook input priority filter + 10; policy accept;
		ip saddr @blocked drop
		ct state established,related accept
	}
}
NFT
}

# The foreign tables as the kernel lists them (byte-for-byte comparison material).
foreign_tables() {
  inns "$1" nft list table ip filter
  inns "$1" nft list table inet pve-firewall
}
