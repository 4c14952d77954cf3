#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a scratch copy of its seed corpus.
# Usage: run_fuzzer.sh FUZZER CORPUS_DIR SECONDS
# Fails if the fuzzer finds a crash, leak, timeout or out-of-memory, or if the corpus is missing.
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3
here=$(cd "$(dirname "$0")" && pwd)
[ -d "$corpus" ] && [ -n "$(ls -A "$corpus")" ] || { echo "no seed corpus in $corpus" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work/"
cd "$work"
# libfyaml's own leaks are suppressed (fuzz/lsan.supp says which); labgate's are not.
export LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$work" 2>&1 | tail -n 25
