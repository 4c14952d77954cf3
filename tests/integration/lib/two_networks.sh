# Sourced by integration tests that run `labgate run` between the seed's two networks.
#
# two_networks_up TAG LAN_CIDR CLUSTER_CIDR [MORE_CLUSTER_CIDRS...] builds three namespaces:
#   $gw       the gateway: veths named as the seed's bridges, vmbr0 192.168.1.55/24 and
#             vmbr1 192.168.100.1/24
#   $lan      a client whose eth0 (LAN_CIDR) is vmbr0's peer
#   $cluster  a client or backend whose eth0 (CLUSTER_CIDR, MORE_CLUSTER_CIDRS) is vmbr1's peer
# and sets $tmp (a scratch directory) and $pid (empty: the caller stores the labgate it starts
# there). An EXIT trap stops $pid and everything in the namespaces, deletes them and $tmp.
# It fails loudly without root. Names carry TAG and the caller's PID, so concurrent tests never
# share a namespace.
#
# fail MESSAGE: unless the caller defined its own before sourcing this, prints FAIL: MESSAGE and
# labgate's log ($tmp/run.log, where the tests' `labgate run` writes), then exits 1.
declare -F fail >/dev/null ||
  fail() {
    echo "FAIL: $*" >&2
    [ -f "${tmp:-}/run.log" ] && sed 's/^/  labgate: /' "$tmp/run.log" >&2
    exit 1
  }

two_networks_cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  for ns in $gw $lan $cluster; do
    ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
    ip netns del $ns 2>/dev/null
  done
  rm -rf "$tmp"
}

two_networks_up() {
  local tag=$1$$ lan_cidr=$2 cluster_cidr=$3
  [ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
  shift 3
  gw=${tag}gw lan=${tag}lan cluster=${tag}cl
  tmp=$(mktemp -d)
  pid=
  trap two_networks_cleanup EXIT
  for ns in $gw $lan $cluster; do
    ip netns add $ns || fail "cannot create network namespace $ns"
    ip -n $ns link set lo up
  done
  ip -n $gw link add vmbr0 type veth peer name eth0 netns $lan || fail "cannot create veth"
  ip -n $gw link add vmbr1 type veth peer name eth0 netns $cluster || fail "cannot create veth"
  ip -n $gw addr add 192.168.1.55/24 dev vmbr0
  ip -n $gw addr add 192.168.100.1/24 dev vmbr1
  ip -n $lan addr add "$lan_cidr" dev eth0
  for cidr in "$cluster_cidr" "$@"; do ip -n $cluster addr add "$cidr" dev eth0; done
  ip -n $gw link set vmbr0 up
  ip -n $gw link set vmbr1 up
  ip -n $lan link set eth0 up
  ip -n $cluster link set eth0 up
}
