#!/usr/bin/env bash
# `make cluster-down`: stops what scripts/cluster/up.sh started, by the PIDs it recorded, and removes what the node
# made: container processes (by containerd's shim and init PID files, then whatever is left in the pods' cgroups),
# kube-proxy's and the CNI plugins' iptables and ip6tables chains, the mounts under $CLUSTER_DIR (overlay root
# filesystems, volumes, network namespaces), the two bridges, the pods' cgroups, the recorded sysctls, and
# $CLUSTER_DIR itself (PV data included). Safe to run twice, and after a bring-up that failed halfway.
set -uo pipefail
. "$(dirname "$0")/env.sh"
log() { echo "cluster-down: $*" >&2; }
started=$(date +%s)
BIN="$(ls -d "${RECSYS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}"/kube/*/bin 2>/dev/null | tail -n1)"

# stop NAME: SIGTERM, up to 10 s, then SIGKILL.
stop() {
  local file="$PIDS/$1.pid" pid i
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { log "$1 ($pid) ignored SIGTERM; killing it"; kill -KILL "$pid"; }
  fi
  rm -f "$file"
}

# kill_pids PID...: SIGKILL, then wait until each has gone.
kill_pids() {
  local pid i
  for pid in "$@"; do kill -KILL "$pid" 2>/dev/null; done
  for pid in "$@"; do
    for ((i = 0; i < 20; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  done
}

# The kubelet first, so nothing restarts what goes next.
stop kubelet

# Containers: their init processes and shims by the PID files containerd keeps, then any process still in a pod cgroup.
if [ -d "$CONTAINERD_STATE" ]; then
  mapfile -t task_pids < <(cat "$CONTAINERD_STATE"/io.containerd.runtime.v2.task/*/*/init.pid 2>/dev/null)
  kill_pids "${task_pids[@]}"
fi
mapfile -t pod_pids < <(find /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/memory/kubepods -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
kill_pids "${pod_pids[@]}"
if [ -d "$CONTAINERD_STATE" ]; then
  mapfile -t shim_pids < <(cat "$CONTAINERD_STATE"/io.containerd.runtime.v2.task/*/*/shim.pid 2>/dev/null)
  kill_pids "${shim_pids[@]}"
fi

for ((n = ${#COMPONENTS[@]} - 1; n >= 0; n--)); do
  [ "${COMPONENTS[n]}" = kubelet ] || stop "${COMPONENTS[n]}"
done

# kube-proxy's own cleanup of its rules, then every KUBE-* and CNI-* chain that is left, in both families.
if [ -n "$BIN" ] && [ -x "$BIN/kube-proxy" ] && [ -f "$CLUSTER_DIR/config/kube-proxy.yaml" ]; then
  "$BIN/kube-proxy" --cleanup --config="$CLUSTER_DIR/config/kube-proxy.yaml" >/dev/null 2>&1
fi
for iptables in iptables ip6tables; do
  command -v "$iptables" >/dev/null || continue
  for table in filter nat mangle raw; do
    rules="$("$iptables" -t "$table" -S 2>/dev/null)" || continue
    # Jumps into our chains from any chain that stays (built-in or someone else's), then our chains themselves.
    grep -E -- '^-A .* -j (KUBE-|CNI-)' <<<"$rules" | grep -vE -- '^-A (KUBE-|CNI-)' | while read -r -a rule; do
      rule[0]=-D
      "$iptables" -t "$table" "${rule[@]}" 2>/dev/null
    done
    chains="$(grep -oE -- '^-N (KUBE-|CNI-)[^ ]*' <<<"$rules" | cut -d' ' -f2)"
    for chain in $chains; do "$iptables" -t "$table" -F "$chain" 2>/dev/null; done
    for chain in $chains; do "$iptables" -t "$table" -X "$chain" 2>/dev/null; done
  done
done

# Mounts under the cluster's directory, deepest first (overlay root filesystems, tmpfs volumes, netns bind mounts).
if [ -d "$CLUSTER_DIR" ]; then
  for ((i = 0; i < 5; i++)); do
    mapfile -t mounts < <(awk -v dir="$CLUSTER_DIR/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    [ ${#mounts[@]} -eq 0 ] && break
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
  done
fi
# Network namespaces the CRI may have made in the host's default place.
for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^cni-/ { print $1 }'); do
  [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || ip netns delete "$ns"
done

for bridge in "$CNI_BRIDGE" "$NODE_BRIDGE"; do
  ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge"
done
# Veth ends of pods whose namespaces were never torn down by CNI go with those namespaces; none should be left.

# The pods' cgroups in every hierarchy, leaves first.
for hierarchy in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
  [ -d "$hierarchy/kubepods" ] && find "$hierarchy/kubepods" -depth -type d -exec rmdir {} + 2>/dev/null
done

if [ -f "$CLUSTER_DIR/sysctl.orig" ]; then
  while IFS= read -r setting; do sysctl -qw "$setting" 2>/dev/null; done <"$CLUSTER_DIR/sysctl.orig"
fi

if [ -d "$CLUSTER_DIR" ]; then
  left="$(awk -v dir="$CLUSTER_DIR/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo)"
  if [ -n "$left" ]; then
    log "still mounted, so $CLUSTER_DIR stays: $left"
    exit 1
  fi
  rm -rf "$CLUSTER_DIR"
fi
[ "$(cat "$OWNER_FILE" 2>/dev/null)" = "$CLUSTER_DIR" ] && rm -f "$OWNER_FILE"
log "down in $(($(date +%s) - started)) s"
exit 0
