#!/usr/bin/env bash
# `make demo`: labgate's main job on the built-in seed topology.
# Until the lab exists, this validates the seed and prints its plan.
set -euo pipefail
labgate=${1:-build/labgate}
echo "== labgate check (built-in seed topology)"
"$labgate" check
echo
echo "== labgate show"
"$labgate" show
