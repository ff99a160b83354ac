# Sourced by scripts/cluster/*.sh: where the single-node cluster lives and the addresses it uses.
# Everything it writes is under CLUSTER_DIR (var/cluster); the only things outside it are what a cluster cannot
# avoid on a host — two bridges, iptables chains, cgroups, sysctls — and scripts/cluster/down.sh removes or restores each.
CLUSTER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CLUSTER_DIR="${RECSYS_CLUSTER_DIR:-$CLUSTER_ROOT/var/cluster}"
KUBECONFIG_FILE="$CLUSTER_DIR/kubeconfig"
PKI="$CLUSTER_DIR/pki"
PIDS="$CLUSTER_DIR/pids"
LOGS="$CLUSTER_DIR/logs"
CONTAINERD_SOCKET="$CLUSTER_DIR/run/containerd.sock"
CONTAINERD_ROOT="$CLUSTER_DIR/containerd/root"
CONTAINERD_STATE="$CLUSTER_DIR/containerd/state"
SNAPSHOTS=io.containerd.snapshotter.v1.overlayfs
# Marks which checkout's cluster owns the host's bridges and ports (one cluster per machine).
OWNER_FILE="${RECSYS_CLUSTER_OWNER_FILE:-/run/recsys-cluster.owner}"

NODE_NAME=recsys-node
# The node's address lives on a bridge of its own: pods cannot reach a loopback API server, and this kernel has no
# dummy links. Every component binds to it (or to a unix socket), never to 0.0.0.0.
NODE_BRIDGE=recsys-node0
NODE_IP=10.200.0.1
NODE_CIDR=10.200.0.1/24
CNI_BRIDGE=recsys-cni0
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/12
API_SERVICE_IP=10.96.0.1
DNS_SERVICE_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
API_URL="https://$NODE_IP:6443"
PAUSE_IMAGE=registry.k8s.io/pause:3.10.2
# The components up.sh starts, in order; down.sh stops the kubelet first and the others together.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kube-proxy coredns)
# Host settings a node needs or its components change; up.sh records their values and down.sh restores them.
SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet)

kube_bin_dir() { "$CLUSTER_ROOT/scripts/kube-bins.sh" all; }
pid_alive() { [ -f "$PIDS/$1.pid" ] && pid_running "$(cat "$PIDS/$1.pid")"; }
# pid_running PID: the process exists and is not a zombie (killed but not yet reaped counts as gone).
pid_running() { [ -e "/proc/$1" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
