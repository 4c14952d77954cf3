# Shared by the lab and verify integration tests: sourced, never run (it is not a *_test.sh).
# Usage: source lab_common.sh LABGATE SOURCE_DIR NAME_PREFIX
# Sets $labgate, $src and a unique lab $name, fails loudly without root or network namespaces,
# and removes the lab on exit, success or failure.
set -euo pipefail
labgate=$(realpath "$1")
src=$(realpath "$2")
# Lab names are [a-z0-9]{1,12}: a short prefix plus this shell's pid.
name="$3$$"
name=${name:0:12}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "integration tests need root (they build network namespaces)"
probe_ns="lgprobe$$"
ip netns add "$probe_ns" || fail "cannot create network namespaces on this machine"
ip netns del "$probe_ns"

lab_cleanup() {
  "$labgate" lab down --name "$name" >/dev/null 2>&1 || true
  rm -rf "${tmp:-/nonexistent-labgate-tmp}"
}
trap lab_cleanup EXIT
tmp=$(mktemp -d)

# The names of the failing checks of a `verify --json` output on stdin, sorted, one a line.
failing_checks() {
  python3 -c '
import json, sys
doc = json.load(sys.stdin)
print("\n".join(sorted(c["check"] for c in doc["checks"] if c["result"] == "FAIL")))'
}

# Asserts that `verify --lab` fails and that exactly the given checks fail.
expect_failing() {
  local out status=0
  out=$("$labgate" verify --lab --name "$name" --json) || status=$?
  [ "$status" -eq 1 ] || fail "verify exited $status, want 1"
  local got want
  got=$(printf '%s' "$out" | failing_checks)
  want=$(printf '%s\n' "$@" | sort)
  if [ "$got" != "$want" ]; then
    "$labgate" verify --lab --name "$name" >&2 || true
    fail "failing checks: got [$(echo $got)], want [$(echo $want)]"
  fi
}

# The recorded pid of a node's server (from the lab's nodes.json).
server_pid() {
  python3 -c '
import json, sys
for n in json.load(open(sys.argv[1]))["nodes"]:
    if n["name"] == sys.argv[2]:
        print(n["pid"])' "/run/labgate/lab-$name/nodes.json" "$1"
}
