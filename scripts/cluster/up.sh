#!/usr/bin/env bash
# `make cluster-up`: a real single-node Kubernetes on this machine, from binaries the Go module proxy builds
# (scripts/kube-bins.sh all) and Debian's runc and CNI plugins: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, containerd 2, kubelet, kube-proxy (iptables) and CoreDNS, each a process started here whose PID
# is in $CLUSTER_DIR/pids. Writes the admin kubeconfig to $CLUSTER_DIR/kubeconfig (var/cluster/kubeconfig) and
# offers hostPath PersistentVolumes under $CLUSTER_DIR/volumes for claims without a storage class.
# Idempotent: a running cluster is left as it is. On any failure everything started is torn down (down.sh).
# The host quirks each setting below works around are in docs/cluster.md.
set -euo pipefail
. "$(dirname "$0")/env.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
log() { echo "cluster-up: $*" >&2; }
die() { log "$*"; exit 1; }
started=$(date +%s)

[ "$(id -u)" -eq 0 ] || die "a node needs root (bridges, iptables, mounts, cgroups); run as root, or use kind (CLUSTER=kind)"
if pid_alive kubelet && pid_alive kube-apiserver; then
  log "already running ($CLUSTER_DIR); make cluster-down stops it"
  exit 0
fi
# One cluster per machine (the node bridge, its address and ports). Another checkout's with a live process (a CI
# run's) goes first: wait for it, bounded. One whose processes are all dead is leftovers: tear them down here.
owner="$("$HERE/owner.sh")"
if [ "${owner%% *}" = live ]; then
  log "another checkout's cluster (${owner#live }) holds this machine's node; waiting up to 20 minutes for it to go"
  for ((i = 0; i < 240; i++)); do owner="$("$HERE/owner.sh")"; [ "${owner%% *}" = live ] || break; sleep 5; done
  [ "${owner%% *}" = live ] && die "another checkout's cluster (${owner#live }) is still running; run make cluster-down there first"
fi
if [ "${owner%% *}" = stale ]; then
  log "another checkout's cluster (${owner#stale }) left bridges, mounts or chains behind but no running process; tearing it down"
  RECSYS_CLUSTER_DIR="${owner#stale }" "$HERE/down.sh" || die "could not tear down ${owner#stale } (see above); run make cluster-down there"
fi
# Leftovers of a cluster that did not stop cleanly go first.
[ -d "$CLUSTER_DIR" ] && "$HERE/down.sh"

"$CLUSTER_ROOT/scripts/system-deps.sh" runc containernetworking-plugins iptables conntrack
BIN="$("$CLUSTER_ROOT/scripts/kube-bins.sh" all)"
PAUSE_ARCHIVE="$("$HERE/pause-image.sh")"
KUBECTL="$(command -v kubectl || echo "$BIN/kubectl")"
export PATH="$BIN:$PATH"
kubectl() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" "$@"; }

mkdir -p "$PIDS" "$LOGS" "$CLUSTER_DIR/run" "$CLUSTER_DIR/config"
echo $$ >"$PIDS/cluster-up.pid" # so another checkout sees a bring-up in progress as live (owner.sh)
echo "$CLUSTER_DIR" >"$OWNER_FILE"
trap 'status=$?; if [ $status -ne 0 ]; then log "failed; the logs are in $LOGS (tearing down)"; tail -n 5 "$LOGS"/*.log >&2 || true; "$HERE/down.sh" >&2 || true; fi' EXIT

# start NAME ARGS...: one component in its own session, its output in logs/NAME.log, its PID in pids/NAME.pid.
start() {
  local name="$1"; shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}
# wait_for WHAT SECONDS COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local what="$1" seconds="$2" i; shift 2
  for ((i = 0; i < seconds * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "$what not ready within $seconds s"
}

# Host settings: recorded first, so down.sh puts each back.
for key in "${SYSCTLS[@]}"; do
  [ -e "/proc/sys/${key//.//}" ] && echo "$key=$(sysctl -n "$key")"
done >"$CLUSTER_DIR/sysctl.orig"
sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1

ip link add "$NODE_BRIDGE" type bridge
ip addr add "$NODE_CIDR" dev "$NODE_BRIDGE"
ip link set "$NODE_BRIDGE" up

"$HERE/certs.sh"
C="$CLUSTER_DIR/config"

# --- control plane ----------------------------------------------------------------------------------------------
start etcd "$BIN/etcd" --name=default --data-dir="$CLUSTER_DIR/etcd" \
  --listen-client-urls="http://$NODE_IP:2379" --advertise-client-urls="http://$NODE_IP:2379" \
  --listen-peer-urls="http://$NODE_IP:2380" --initial-advertise-peer-urls="http://$NODE_IP:2380" \
  --initial-cluster="default=http://$NODE_IP:2380" --listen-metrics-urls="http://$NODE_IP:2381" \
  --unsafe-no-fsync=true --log-level=warn
wait_for etcd 60 curl -sf "http://$NODE_IP:2379/health"

start kube-apiserver "$BIN/kube-apiserver" --etcd-servers="http://$NODE_IP:2379" \
  --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port=6443 \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" --client-ca-file="$PKI/ca.crt" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$PKI/ca.crt" \
  --kubelet-preferred-address-types=InternalIP,Hostname \
  --service-account-issuer="https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" --authorization-mode=Node,RBAC \
  --enable-admission-plugins=NodeRestriction --allow-privileged=true --profiling=false
wait_for "kube-apiserver (/readyz)" 120 kubectl get --raw /readyz

start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$PKI/kube-controller-manager.kubeconfig" \
  --bind-address="$NODE_IP" --cert-dir="$PKI/kube-controller-manager" --leader-elect=false \
  --use-service-account-credentials --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --allocate-node-cidrs --cluster-cidr="$POD_CIDR" --node-cidr-mask-size=24 --service-cluster-ip-range="$SERVICE_CIDR" \
  --profiling=false
start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$PKI/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$PKI/kube-scheduler.kubeconfig" --authorization-kubeconfig="$PKI/kube-scheduler.kubeconfig" \
  --bind-address="$NODE_IP" --cert-dir="$PKI/kube-scheduler" --leader-elect=false --profiling=false

# --- node: containerd, CNI, kubelet, kube-proxy -------------------------------------------------------------------
mkdir -p "$CLUSTER_DIR/cni/net.d"
# bridge then firewall (Docker, when running, sets the FORWARD policy to DROP) then portmap; no loopback plugin.
cat >"$CLUSTER_DIR/cni/net.d/10-recsys.conflist" <<CNI
{
  "cniVersion": "1.0.0",
  "name": "recsys",
  "plugins": [
    { "type": "bridge", "bridge": "$CNI_BRIDGE", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]], "routes": [{ "dst": "0.0.0.0/0" }],
                "dataDir": "$CLUSTER_DIR/cni/ipam" } },
    { "type": "firewall" },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
CNI
cat >"$C/containerd.toml" <<TOML
version = 3
root = "$CONTAINERD_ROOT"
state = "$CONTAINERD_STATE"
temp = "$CLUSTER_DIR/containerd/tmp"

[grpc]
  address = "$CONTAINERD_SOCKET"

[ttrpc]
  address = "$CLUSTER_DIR/run/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CLUSTER_DIR/containerd/opt"

[plugins."io.containerd.nri.v1.nri"]
  disable = true

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "$PAUSE_IMAGE"

[plugins."io.containerd.cri.v1.runtime"]
  # No CAP_SYS_RESOURCE here: runc cannot lower a container's oom_score_adj below its parent's.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "$CLUSTER_DIR/cni/net.d"
  [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
      BinaryName = "$(command -v runc)"
      Root = "$CLUSTER_DIR/run/runc"
      SystemdCgroup = false
TOML
mkdir -p "$CLUSTER_DIR/containerd/tmp" "$CONTAINERD_ROOT/$SNAPSHOTS"
# Unpacked image layers in memory (about 600 MB for the four images): on a busy shared disk, deleting their
# 28,000 files took 40 s of cluster-down; unmounting takes none.
mount -t tmpfs -o size=8g,mode=0700 recsys-snapshots "$CONTAINERD_ROOT/$SNAPSHOTS"
start containerd "$BIN/containerd" --config "$C/containerd.toml"
ctr() { "$BIN/ctr" --address "$CONTAINERD_SOCKET" --namespace k8s.io "$@"; }
wait_for containerd 60 ctr version
ctr images import --local "$PAUSE_ARCHIVE" >/dev/null

cat >"$C/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: $NODE_IP
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $PKI/ca.crt }
authorization: { mode: Webhook }
containerRuntimeEndpoint: unix://$CONTAINERD_SOCKET
# cgroup v1 (hybrid) host: kubelet 1.37 refuses it unless told otherwise.
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
clusterDNS: [$DNS_SERVICE_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: /etc/resolv.conf
podLogsDir: $CLUSTER_DIR/logs/pods
serializeImagePulls: false
# A shared development disk: evict only when it is really full.
evictionHard: { memory.available: 200Mi, nodefs.available: 3%, imagefs.available: 3% }
imageGCHighThresholdPercent: 97
imageGCLowThresholdPercent: 95
YAML
start kubelet "$BIN/kubelet" --config="$C/kubelet.yaml" --kubeconfig="$PKI/kubelet.kubeconfig" \
  --root-dir="$CLUSTER_DIR/kubelet" --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --v=1

cat >"$C/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: { kubeconfig: $PKI/kube-proxy.kubeconfig }
hostnameOverride: $NODE_NAME
mode: iptables
clusterCIDR: $POD_CIDR
bindAddress: $NODE_IP
metricsBindAddress: $NODE_IP:10249
healthzBindAddress: $NODE_IP:10256
nodePortAddresses: [$NODE_IP/32]
# Zero leaves the host's conntrack sysctls alone.
conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s }
iptables: { localhostNodePorts: false, syncPeriod: 30s, minSyncPeriod: 1s }
YAML
start kube-proxy "$BIN/kube-proxy" --config="$C/kube-proxy.yaml"

# --- cluster DNS: CoreDNS on the node address behind the kube-dns Service's fixed ClusterIP -----------------------
kubectl apply -f - >/dev/null <<YAML
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: "system:coredns" }
rules:
  - apiGroups: [""]
    resources: [services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: "system:coredns" }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns" }
subjects: [{ kind: User, name: "system:coredns", apiGroup: rbac.authorization.k8s.io }]
---
apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system, labels: { k8s-app: kube-dns } }
spec:
  clusterIP: $DNS_SERVICE_IP
  ports: [{ name: dns, port: 53, protocol: UDP }, { name: dns-tcp, port: 53, protocol: TCP }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: kube-dns-node
  namespace: kube-system
  labels: { kubernetes.io/service-name: kube-dns, endpointslice.kubernetes.io/managed-by: recsys-cluster-up }
addressType: IPv4
endpoints: [{ addresses: [$NODE_IP], conditions: { ready: true } }]
ports: [{ name: dns, port: 53, protocol: UDP }, { name: dns-tcp, port: 53, protocol: TCP }]
YAML
cat >"$C/Corefile" <<COREFILE
.:53 {
    bind $NODE_IP
    errors
    health $NODE_IP:8080
    ready $NODE_IP:8181
    kubernetes $CLUSTER_DOMAIN in-addr.arpa ip6.arpa {
        kubeconfig $PKI/coredns.kubeconfig recsys
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
    loop
    reload
    loadbalance
}
COREFILE
start coredns "$BIN/coredns" -conf "$C/Corefile"

# --- storage: hostPath volumes for claims with no storage class, writable by the images' uid -----------------------
for n in 1 2 3; do
  mkdir -p "$CLUSTER_DIR/volumes/pv$n"
  chown 10001:10001 "$CLUSTER_DIR/volumes/pv$n"
  kubectl apply -f - >/dev/null <<YAML
apiVersion: v1
kind: PersistentVolume
metadata: { name: recsys-local-pv$n, labels: { recsys.dev/cluster-up: "true" } }
spec:
  capacity: { storage: 20Gi }
  accessModes: [ReadWriteOnce, ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  hostPath: { path: $CLUSTER_DIR/volumes/pv$n, type: Directory }
YAML
done

node_ready() { [ "$(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = True ]; }
wait_for "node $NODE_NAME Ready" 120 node_ready
wait_for "CoreDNS (/ready)" 60 curl -sf "http://$NODE_IP:8181/ready"
trap - EXIT
log "up in $(($(date +%s) - started)) s: node $NODE_NAME Ready ($NODE_IP); export KUBECONFIG=$KUBECONFIG_FILE"
