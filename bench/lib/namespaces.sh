# Shared set-up of the benchmarks that build their own network namespaces (sourced, not run).
#
# bench_namespaces NAME TAG: exits unless root; sets $tmp (a fresh directory), $p (a name prefix
# unique to this run: TAG, a random part and the PID, since benchmarks may run at the same time in
# other PID namespaces, where $$ alone repeats) and made=() (the namespaces this run made: append
# each one), and an EXIT trap that kills what runs in them, deletes them and removes $tmp. Only
# what this run made is touched.
bench_namespaces() {
  [ "$(id -u)" -eq 0 ] || { echo "$1: needs root (network namespaces)" >&2; exit 1; }
  tmp=$(mktemp -d "/tmp/labgate-$1.XXXXXX")
  p="$2$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')$$"
  made=()
  trap bench_namespaces_cleanup EXIT
}

# Kills what runs in the namespaces of `made`, deletes them (leaves made=()), and removes $tmp.
bench_namespaces_cleanup() {
  for n in "${made[@]}"; do ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null || true; done
  sleep 0.3
  for n in "${made[@]}"; do ip netns del "$n" 2>/dev/null || true; done
  made=()
  rm -rf "$tmp"
}

# median N...: the middle of the numbers (the lower middle of an even count).
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
