#!/usr/bin/env bash
# Which checkout's cluster holds this machine's node (one cluster per machine: the node bridge, its address, ports).
# Prints `free` (no owner, this checkout, or an owner already torn down), `live DIR` (another checkout's cluster with
# a recorded process still running: a CI run's, or one left up on purpose) or `stale DIR` (another checkout's cluster
# whose recorded processes are all gone: what a killed run or a crashed node leaves, bridges and mounts included).
set -euo pipefail
. "$(dirname "$0")/env.sh"
owner="$(cat "$OWNER_FILE" 2>/dev/null || true)"
if [ -z "$owner" ] || [ "$owner" = "$CLUSTER_DIR" ] || [ ! -d "$owner/pids" ]; then
  echo free
  exit 0
fi
for file in "$owner"/pids/*.pid; do
  [ -f "$file" ] && pid_running "$(cat "$file")" && { echo "live $owner"; exit 0; }
done
echo "stale $owner"
