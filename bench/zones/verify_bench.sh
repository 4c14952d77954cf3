#!/usr/bin/env bash
# Time of `labgate verify --lab` on a 6-zone, 30-service lab (bench/zones/gen_matrix.py): the
# whole policy matrix, several hundred cells, probed in parallel. Goal: under 10 s.
# usage: bench/zones/verify_bench.sh LABGATE [RUNS]   (root) — prints each run's wall time, the
# number of checks and matrix cells, and the median.
set -euo pipefail
labgate=$(realpath "$1")
runs=${2:-3}
here=$(dirname "$(realpath "$0")")
[ "$(id -u)" -eq 0 ] || { echo "verify_bench: needs root (network namespaces)" >&2; exit 1; }
name="vb$$"
name=${name:0:12}
tmp=$(mktemp -d /tmp/labgate-verify-bench.XXXXXX)
trap '"$labgate" lab down --name "$name" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
python3 "$here/gen_matrix.py" "$tmp/six.yaml"
"$labgate" lab up --name "$name" -c "$tmp/six.yaml" >/dev/null
times=()
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  "$labgate" verify --lab --name "$name" >"$tmp/out.txt" || { cat "$tmp/out.txt" >&2; echo "verify failed" >&2; exit 1; }
  t=$(python3 -c "print(round($(date +%s.%N) - $start, 2))")
  times+=("$t")
  echo "run $i: ${t}s; $(grep -E '^[0-9]+ checks:' "$tmp/out.txt"); $(grep -E '^[0-9]+ cells:' "$tmp/out.txt")"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " s"}'
