#!/usr/bin/env bash
# `make deploy` onto the cluster of `make cluster-up`: the images (built when missing, scripts/images/build.sh)
# imported into the node's containerd, a MovieLens mirror in the namespace serving $ML100K as ml-100k.zip +
# ml-100k.zip.md5, the chart installed as README's "In a cluster" says with movieLens.baseUrl pointing at that
# mirror, and examples/recmodel.yaml applied in the chart's namespace. The operator then trains, gates, promotes and
# serves; `kubectl get recmodels -n $NAMESPACE -w` follows it.
#   NAMESPACE (recsys), RELEASE (recsys), ML100K (a MovieLens 100K directory), IMAGE_PREFIX, IMAGE_TAG
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$CLUSTER_ROOT/scripts/node-env.sh"
NAMESPACE="${NAMESPACE:-recsys}"
RELEASE="${RELEASE:-recsys}"
IMAGE_PREFIX="${IMAGE_PREFIX:-ghcr.io/recsys-dev}"
IMAGE_TAG="${IMAGE_TAG:-0.1.0}"
ML100K="${ML100K:-$CLUSTER_ROOT/../shared/data/ml-100k}"
log() { echo "deploy: $*" >&2; }
# shown COMMAND...: prints the command as README's "In a cluster" writes it (program name, repository-relative paths)
# and runs it; the e2e tier compares the two.
shown() {
  local words=("$(basename "$1")" "${@:2}")
  echo "+ ${words[*]//$CLUSTER_ROOT\//}"
  "$@"
}
die() { log "$*"; exit 1; }
started=$(date +%s)

pid_alive kube-apiserver && pid_alive kubelet || die "no cluster is running in $CLUSTER_DIR: run make cluster-up first"
[ -f "$ML100K/u.data" ] || die "$ML100K has no u.data; pass ML100K=<an unpacked MovieLens 100K directory>"
"$CLUSTER_ROOT/scripts/install.sh"
BIN="$("$CLUSTER_ROOT/scripts/kube-bins.sh" all)"
KUBECTL="$(command -v kubectl || echo "$BIN/kubectl")"
export KUBECONFIG="$KUBECONFIG_FILE"

archive="$("$CLUSTER_ROOT/scripts/images/build.sh")"
if [ "$(cat "$CLUSTER_DIR/images.loaded" 2>/dev/null)" != "$archive" ]; then
  log "importing $(du -h "$archive" | cut -f1) of images into the node's containerd"
  "$BIN/ctr" --address "$CONTAINERD_SOCKET" --namespace k8s.io images import --local "$archive" >/dev/null
  echo "$archive" >"$CLUSTER_DIR/images.loaded"
fi

node "$CLUSTER_ROOT/scripts/cluster/movielens-archive.ts" "$ML100K" ml-100k "$CLUSTER_DIR/movielens" >/dev/null
chmod -R a+rX "$CLUSTER_DIR/movielens"

# As README's "In a cluster" tells a user, with the mirror as the MovieLens source.
shown "$BIN/helm" upgrade --install "$RELEASE" "$CLUSTER_ROOT/charts/recsys" --namespace "$NAMESPACE" --create-namespace \
  --set movieLens.baseUrl="http://movielens.$NAMESPACE.svc" --wait
sed -e "s|@DATA_DIR@|$CLUSTER_DIR/movielens|" -e "s|@IMAGE@|$IMAGE_PREFIX/trainer:$IMAGE_TAG|" \
  "$CLUSTER_ROOT/scripts/cluster/movielens-mirror.yaml" | "$KUBECTL" --namespace "$NAMESPACE" apply -f - >/dev/null
"$KUBECTL" --namespace "$NAMESPACE" rollout status deployment/movielens --timeout=120s >/dev/null
shown "$KUBECTL" --namespace "$NAMESPACE" apply -f "$CLUSTER_ROOT/examples/recmodel.yaml"
log "deployed in $(($(date +%s) - started)) s; follow it with: kubectl --kubeconfig $KUBECONFIG_FILE -n $NAMESPACE get recmodels -w"
