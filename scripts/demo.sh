#!/usr/bin/env bash
# `make demo`: labgate's main job on the built-in seed topology. Validates it, prints its plan,
# builds it as a lab of network namespaces with labgate's datapath applied in the lab's gateway,
# runs every check from the lab's nodes, prints the table, and always takes the lab down.
# Exits with verify's status. Needs root (the lab creates network namespaces; nothing is changed
# in the machine's own namespace).
set -euo pipefail
labgate=${1:-build/labgate}
name=demo

if [ "$(id -u)" -ne 0 ]; then
  echo "demo: must run as root: the lab builds network namespaces (try: sudo make demo)" >&2
  exit 1
fi

echo "== labgate check (built-in seed topology)"
"$labgate" check
echo
echo "== labgate show"
"$labgate" show
echo

# A lab left by an interrupted demo is removed first; this one is removed however we leave.
"$labgate" lab down --name "$name" >/dev/null
take_down() {
  echo
  echo "== labgate lab down --name $name"
  "$labgate" lab down --name "$name" || true
}
trap take_down EXIT
trap 'exit 130' INT TERM

echo "== labgate lab up --name $name"
"$labgate" lab up --name "$name"
echo
echo "== labgate verify --lab --name $name"
status=0
"$labgate" verify --lab --name "$name" || status=$?
exit "$status"
