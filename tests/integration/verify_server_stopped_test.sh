#!/usr/bin/env bash
# A service node's server stopped: verify fails, and names exactly the forwards to that service.
source "$(dirname "$0")/lab_common.sh" "$1" "$2" vk
"$labgate" lab up --name "$name" >/dev/null || fail "lab up failed"
pid=$(server_pid sftp)
[ -n "$pid" ] || fail "no recorded pid for sftp"
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
"$labgate" lab status --name "$name" >"$tmp/status.txt"
grep -q "^sftp .*NOT RUNNING" "$tmp/status.txt" || fail "lab status does not show sftp stopped"
# The isolation check on sftp:22 still passes: the port stays closed to the LAN.
expect_failing forward/lan:2222/tcp hairpin/lan:2222/tcp
echo "PASS"
