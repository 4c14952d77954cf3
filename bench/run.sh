#!/usr/bin/env bash
# `make bench`: every benchmark of bench/, labgate beside its peers in the same run.
# Usage: bench/run.sh BUILD_DIR. Needs root (the kernel and DNS benchmarks run in namespaces they
# create). Figures go to stdout; record them, with the command and the date, in docs/BENCHMARKS.md.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
"$here/../scripts/install-deps.sh" --bench
echo "== labgate check (seed, 5,000 hosts)"; "$here/check_bench.sh" "$build/labgate"
echo "== kernel apply time";                 "$here/kernel/apply_bench.sh" "$build/labgate"
echo "== kernel per-packet cost";            "$here/kernel/packet_bench.sh" "$build/labgate"
echo "== DNS local-zone and cached forwarded answers"; "$here/dns/dns_bench.sh" "$build/labgate"
echo "== userspace proxy (TCP)";            "$here/proxy/proxy_bench.sh" "$build/labgate"
