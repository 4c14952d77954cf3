#!/usr/bin/env bash
# Apply time of the kernel datapath against rule count, beside its peers on the same work:
#   labgate apply        parse + validate + compile + dry-run check + one transaction (+ listings)
#   labgate apply again  the no-op re-apply (reads the live table, compares, changes nothing)
#   nft -f               the same ruleset (labgate plan's output) loaded by the nft binary
#   iptables-restore     the same forwards written the seed's way: one DNAT rule each
#   labgate check        parse + validate only, to show where labgate's time goes
# Every load runs in a fresh network namespace made for it (never in the machine's own).
# usage: bench/kernel/apply_bench.sh LABGATE [RUNS]   (root) — prints a Markdown table.
set -euo pipefail
labgate=$(realpath "$1")
runs=${2:-3}
here=$(dirname "$(realpath "$0")")
tmp=$(mktemp -d /tmp/labgate-apply-bench.XXXXXX)
ns="lgb$$"
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] || { echo "apply_bench: needs root (network namespaces)" >&2; exit 1; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# median of the arguments
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# time_in_fresh_ns SETUP_CMD MEASURED_CMD...: ms of MEASURED_CMD in a new namespace, after SETUP.
time_in_fresh_ns() {
  local setup=$1
  shift
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  rm -rf "$tmp/state"
  [ "$setup" = none ] || eval "$setup" >/dev/null 2>&1
  local t0 t1
  t0=$(now_ms)
  ip netns exec "$ns" "$@" >/dev/null 2>&1
  t1=$(now_ms)
  echo $((t1 - t0))
}

echo "| forwards | labgate apply (ms) | labgate re-apply, no-op (ms) | nft -f same ruleset (ms) | iptables-restore, 1 rule per forward (ms) | labgate check (ms) |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in 10 1000 10000; do
  python3 "$here/gen_forwards.py" "$n" "$tmp/t.yaml" "$tmp/t.ipt"
  "$labgate" plan -c "$tmp/t.yaml" --state-dir "$tmp/none" 2>/dev/null | grep -v '^# live' >"$tmp/t.nft"
  a=() r=() f=() i=() c=()
  for _ in $(seq "$runs"); do
    a+=("$(time_in_fresh_ns none "$labgate" apply -c "$tmp/t.yaml" --state-dir "$tmp/state")")
    r+=("$(time_in_fresh_ns "ip netns exec $ns $labgate apply -c $tmp/t.yaml --state-dir $tmp/state" \
      "$labgate" apply -c "$tmp/t.yaml" --state-dir "$tmp/state")")
    f+=("$(time_in_fresh_ns none nft -f "$tmp/t.nft")")
    i+=("$(time_in_fresh_ns none iptables-restore --noflush "$tmp/t.ipt")")
    t0=$(now_ms)
    "$labgate" check -c "$tmp/t.yaml" >/dev/null 2>&1
    c+=($(($(now_ms) - t0)))
  done
  echo "| $n | $(median "${a[@]}") | $(median "${r[@]}") | $(median "${f[@]}") | $(median "${i[@]}") | $(median "${c[@]}") |"
done
