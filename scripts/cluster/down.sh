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
# One node per machine: the steps below are host-wide (pod cgroups, KUBE-*/CNI-* chains, the bridges), so never
# run them while another checkout's cluster is running on it.
owner="$("$(dirname "$0")/owner.sh")"
if [ "${owner%% *}" = live ]; then
  log "the node belongs to the cluster of ${owner#live }, which is running; run make cluster-down there"
  exit 1
fi
BIN="$(ls -d "${RECSYS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}"/kube/*/bin 2>/dev/null | tail -n1)"


# wait_gone SECONDS PID...: true once none is alive; false when some still are after SECONDS.
wait_gone() {
  local seconds="$1" pid i left; shift
  for ((i = 0; i <= seconds * 4; i++)); do
    left=""
    for pid in "$@"; do pid_running "$pid" && { left=1; break; }; done
    [ -z "$left" ] && return 0
    sleep 0.25
  done
  return 1
}

# kill_pids PID...: SIGKILL, then wait until each has gone.
kill_pids() {
  [ $# -gt 0 ] || return 0
  kill -KILL "$@" 2>/dev/null
  wait_gone 10 "$@" || log "still alive after SIGKILL: $*"
}

# stop NAME...: SIGTERM to each by its recorded PID, up to 10 s for all of them together, then SIGKILL.
stop() {
  local name pid pids=() left=()
  for name in "$@"; do
    [ -f "$PIDS/$name.pid" ] || continue
    pid="$(cat "$PIDS/$name.pid")"
    pid_running "$pid" && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$PIDS/$name.pid"
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  wait_gone 10 "${pids[@]}" && return 0
  for pid in "${pids[@]}"; do
    pid_running "$pid" || continue
    log "$(basename "$(readlink "/proc/$pid/exe")") ($pid) did not stop within 10 s of SIGTERM; killing it"
    left+=("$pid")
  done
  kill_pids "${left[@]}"
}

# The kubelet first, so nothing restarts what goes next.
stop kubelet

# Containers: the shims containerd started for this node (their command line names its socket) and every process
# in the pods' cgroups, by PID; the shims last, so none restarts a container.
shim_pids=()
for cmdline in /proc/[0-9]*/cmdline; do
  argv="$({ tr '\0' ' ' <"$cmdline"; } 2>/dev/null)" || continue
  case "$argv" in *containerd-shim-runc-v2\ *"-address $CONTAINERD_SOCKET"*) pid="${cmdline#/proc/}"; shim_pids+=("${pid%/cmdline}") ;; esac
done
TASKS="$CONTAINERD_STATE/io.containerd.runtime.v2.task"
mapfile -t pod_pids < <({ cat "$TASKS"/*/*/init.pid; find /sys/fs/cgroup/pids/kubepods /sys/fs/cgroup/memory/kubepods \
  -name cgroup.procs -exec cat {} +; } 2>/dev/null | sort -u)
kill_pids "${pod_pids[@]}"
kill_pids "${shim_pids[@]}"
# The shims' sockets live where containerd 2 puts them whatever its state dir (/run/containerd/s).
for bootstrap in "$TASKS"/*/*/bootstrap.json; do
  [ -f "$bootstrap" ] || continue
  socket="$(sed -n 's|.*"address":"unix://\([^"]*\)".*|\1|p' "$bootstrap")"
  case "$socket" in /run/containerd/s/*) rm -f "$socket" ;; esac
done

# The rest together (with the kubelet and the containers gone, nothing restarts anything), etcd last: the API
# server's shutdown removes its address from the kubernetes Service, which takes etcd.
stop "${COMPONENTS[@]/etcd/}"
stop etcd

# kube-proxy's own cleanup of its rules, then every KUBE-* and CNI-* chain that is left, in both families.
if [ -n "$BIN" ] && [ -x "$BIN/kube-proxy" ] && [ -f "$CLUSTER_DIR/config/kube-proxy.yaml" ]; then
  "$BIN/kube-proxy" --cleanup --config="$CLUSTER_DIR/config/kube-proxy.yaml" >/dev/null 2>&1
fi
for family in iptables ip6tables; do
  command -v "$family-restore" >/dev/null || continue
  for table in filter nat mangle raw; do
    rules="$("$family" -t "$table" -S 2>/dev/null)" || continue
    chains="$(grep -oE -- '^-N (KUBE-|CNI-)[^ ]*' <<<"$rules" | cut -d' ' -f2)"
    [ -n "$chains" ] || continue
    # One restore per table (it parses the rules' quoted comments): the jumps into our chains from chains that
    # stay, then our chains flushed, then deleted.
    {
      echo "*$table"
      grep -E -- '^-A .* -j (KUBE-|CNI-)' <<<"$rules" | grep -vE -- '^-A (KUBE-|CNI-)' | sed 's/^-A /-D /'
      for chain in $chains; do echo "-F $chain"; done
      for chain in $chains; do echo "-X $chain"; done
      echo COMMIT
    } | "$family-restore" --noflush || log "$family: could not remove every chain from the $table table"
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

# What the kubelet and the CNI library write in fixed places whatever the node's directories: the kubelet's
# device-plugin socket, its /var/log/containers links into our pod logs, the CNI result cache of our sandboxes.
rm -f /var/lib/kubelet/device-plugins/kubelet.sock
for link in /var/log/containers/*.log; do
  case "$(readlink "$link" 2>/dev/null)" in "$CLUSTER_DIR"/*) rm -f "$link" ;; esac
done
for sandbox in "$CONTAINERD_ROOT"/io.containerd.grpc.v1.cri/sandboxes/*; do
  [ -d "$sandbox" ] && rm -f /var/lib/cni/results/*-"$(basename "$sandbox")"-*
done
# Their directories go only when nothing else is left in them.
rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet /var/log/containers /var/lib/cni/results /var/lib/cni \
  /run/containerd/s /run/containerd 2>/dev/null

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
