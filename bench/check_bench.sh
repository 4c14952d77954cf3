#!/usr/bin/env bash
# Measures `labgate check` on the seed topology and on a generated large topology (5,000 hosts,
# 2,000 forwards; bench/gen_topology.py) with hyperfine, and prints the mean times.
# Usage: bench/check_bench.sh [LABGATE_BINARY] [RUNS]
# Goals (issue 11): at most 5 ms on the seed, at most 40 ms on the large topology. On a loaded
# machine the wall time is inflated by waiting for a core: compare user + system with the goal.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
labgate=${1:-$here/../build/labgate}
runs=${2:-20}
command -v hyperfine >/dev/null || { echo "check_bench: hyperfine is missing (scripts/install-deps.sh)" >&2; exit 1; }
[ -x "$labgate" ] || { echo "check_bench: no labgate binary at $labgate" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seed=$here/../examples/homelab.yaml
big=$work/large.yaml
python3 "$here/gen_topology.py" --hosts 5000 --forwards 2000 >"$big"

# Both must check cleanly, or the figures measure an error path.
"$labgate" check -c "$seed" >/dev/null
"$labgate" check -c "$big" >/dev/null

hyperfine --shell=none --warmup 3 --runs "$runs" --export-json "$work/results.json" \
  -n seed "$labgate check -c $seed" \
  -n large-5000-hosts-2000-forwards "$labgate check -c $big" >&2

python3 - "$work/results.json" <<'PY'
import json, sys
goals = {"seed": 5.0, "large-5000-hosts-2000-forwards": 40.0}
for r in json.load(open(sys.argv[1]))["results"]:
    name = r["command"]
    mean, sd = r["mean"] * 1000, r["stddev"] * 1000
    user, system = r["user"] * 1000, r["system"] * 1000
    goal = goals.get(name)
    cpu = user + system
    verdict = "" if goal is None else ("  (goal <= %.0f ms: wall %s, CPU %s)" % (
        goal, "met" if mean <= goal else "NOT met", "met" if cpu <= goal else "NOT met"))
    print("%-32s mean %7.1f ms ± %5.1f  (user %6.1f ms, system %5.1f ms)%s"
          % (name, mean, sd, user, system, verdict))
PY
