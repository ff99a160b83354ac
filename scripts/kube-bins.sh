#!/usr/bin/env bash
# Builds Kubernetes binaries from the Go module proxy (no other download is possible here) into
#   ${RECSYS_CACHE:-$XDG_CACHE_HOME/recsys}/kube/<k8s version>/bin/
# Usage: scripts/kube-bins.sh [control-plane|node|all]   (default control-plane)
#   control-plane  kube-apiserver, etcd, helm, and kubectl when no kubectl on PATH is within the supported
#                  one-minor skew of the API server (the cluster test tier)
#   node           kubelet, kube-controller-manager, kube-scheduler, kube-proxy, containerd (+ its runc shim and
#                  ctr) and CoreDNS (the single-node cluster of `make cluster-up`)
# Idempotent: a binary whose wrapper module (scripts/kube/<name>/) is unchanged since it was built is skipped, and
# two runs at once build each binary once (a lock per binary). Prints the bin dir on stdout.
# The first (cold) build takes many minutes; it runs niced with one package at a time to share the machine.
#   RECSYS_KUBE_BUILD_P  packages built in parallel (default 1)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WRAPPERS="$ROOT/scripts/kube"
HELM_VERSION="v3.22.0"
CONTAINERD_VERSION="v2.4.2"
CACHE="${RECSYS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}"
BUILD_P="${RECSYS_KUBE_BUILD_P:-1}"
SET="${1:-control-plane}"
case "$SET" in control-plane | node | all) ;; *) echo "kube-bins: unknown set '$SET'; expected control-plane, node or all" >&2; exit 2 ;; esac

log() { echo "kube-bins: $*" >&2; }
die() { log "$*"; exit 1; }

command -v go >/dev/null 2>&1 || die "no 'go' on PATH: install Go >= 1.26 (the wrappers under scripts/kube/ need it), then rerun."

# The Kubernetes version is the one the kube-apiserver wrapper requires; everything else is pinned beside it.
K8S_VERSION="$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' "$WRAPPERS/kube-apiserver/go.mod")"
[ -n "$K8S_VERSION" ] || die "could not read the k8s.io/kubernetes version from $WRAPPERS/kube-apiserver/go.mod"
K8S_MINOR="$(echo "$K8S_VERSION" | cut -d. -f2)"
BIN="$CACHE/kube/$K8S_VERSION/bin"
LOGS="$CACHE/kube/$K8S_VERSION/logs"
mkdir -p "$BIN" "$LOGS"

# Reproducible module builds: go.sum must already be complete, the machine's own Go, no VCS stamping.
export GOFLAGS="-mod=readonly -buildvcs=false -trimpath"
export GOTOOLCHAIN=local
export CGO_ENABLED=0

# Identifies what a binary was built from, so an edited wrapper or another Go rebuilds it.
fingerprint() {
  {
    go version
    echo "$2"
    if [ -n "$1" ]; then cat "$1"/go.mod "$1"/go.sum "$1"/*.go; fi
  } | sha256sum | cut -d' ' -f1
}

up_to_date() {
  [ -x "$BIN/$1" ] && [ "$(cat "$BIN/.$1.fingerprint" 2>/dev/null)" = "$2" ]
}

# Holds this binary's lock on fd 9 until the next call or exit; true when another run built it meanwhile.
lock_for() {
  exec 9>"$BIN/.$1.lock"
  flock 9
  up_to_date "$1" "$2"
}

# Runs one build niced, its output in a log; on failure shows the go command's own error text.
run_build() {
  local name="$1"; shift
  local logfile="$LOGS/$name.log" start
  start=$(date +%s)
  log "building $name (cold builds take many minutes; log: $logfile)"
  if ! nice -n 19 "$@" >"$logfile" 2>&1; then
    log "building $name failed. The go command said:"
    tail -n 30 "$logfile" >&2
    die "could not build $name. If the error names a module or version the proxy refused ('not found', '410 Gone', 'reading ... 404'), that version is not served: pin another in $WRAPPERS/$name/go.mod (see the versions the module proxy serves) and run 'go mod tidy' there."
  fi
  log "built $name in $(($(date +%s) - start)) s ($(du -h "$BIN/$name" | cut -f1))"
}

build_wrapper() {
  local name="$1" ldflags="${2:-}" dir="$WRAPPERS/$1" fp
  fp="$(fingerprint "$dir" "$ldflags")"
  if up_to_date "$name" "$fp" || lock_for "$name" "$fp"; then return 0; fi
  run_build "$name" sh -c 'cd "$1" && go build -p "$2" -ldflags "$3" -o "$4.tmp" . && mv "$4.tmp" "$4"' \
    sh "$dir" "$BUILD_P" "-s -w $ldflags" "$BIN/$name"
  echo "$fp" >"$BIN/.$name.fingerprint"
}

# The version the API server and kubectl report (/version, helm's kubeVersion checks), as upstream's build stamps it.
version_ldflags() {
  local pkg flags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$K8S_MINOR -X $pkg.gitTreeState=clean"
  done
  echo "$flags"
}

# kubectl supports an API server one minor version older or newer than itself.
system_kubectl_fits() {
  command -v kubectl >/dev/null 2>&1 || return 1
  local minor
  minor="$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n1)"
  [ -n "$minor" ] && [ $((minor - K8S_MINOR)) -ge -1 ] && [ $((minor - K8S_MINOR)) -le 1 ]
}

control_plane_set() {
  build_wrapper etcd
  build_wrapper kube-apiserver "$(version_ldflags)"
  if system_kubectl_fits; then
    rm -f "$BIN/kubectl" "$BIN/.kubectl.fingerprint"
  else
    build_wrapper kubectl "$(version_ldflags)"
  fi

  # Stamped as helm's Makefile does: its version, and the Kubernetes version 'helm template' and 'helm lint' assume
  # (the minor of the client-go it is built with; unstamped it would assume v1.20).
  helm_client_go="$(cd "$WRAPPERS" && go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' | xargs awk '$1 == "k8s.io/client-go" { print $2 }')"
  [ -n "$helm_client_go" ] || die "could not read the k8s.io/client-go version of helm $HELM_VERSION from the module proxy"
  helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    helm_ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$(echo "$helm_client_go" | cut -d. -f2)"
  done
  helm_fp="$(fingerprint "" "helm $HELM_VERSION $helm_ldflags")"
  if ! up_to_date helm "$helm_fp" && ! lock_for helm "$helm_fp"; then
    run_build helm env GOBIN="$BIN" GOFLAGS="-buildvcs=false -trimpath" \
      go install -p "$BUILD_P" -ldflags "$helm_ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
    echo "$helm_fp" >"$BIN/.helm.fingerprint"
  fi
}

# containerd 2 (kubelet 1.36+ refuses Debian's 1.6), its runc shim and ctr, from one module at one version.
containerd_bins() {
  local ldflags="-s -w -X github.com/containerd/containerd/v2/version.Version=$CONTAINERD_VERSION" fp name
  fp="$(fingerprint "" "containerd $CONTAINERD_VERSION $ldflags")"
  if up_to_date containerd "$fp" || lock_for containerd "$fp"; then return 0; fi
  local pkgs=()
  for name in containerd containerd-shim-runc-v2 ctr; do pkgs+=("github.com/containerd/containerd/v2/cmd/$name@$CONTAINERD_VERSION"); done
  # Without cgo: no btrfs, devmapper or zfs snapshotters (overlayfs is the one the kubelet uses).
  # Installed into a temporary dir and moved into place, so a running containerd's binary is replaced, not rewritten.
  run_build containerd env GOFLAGS="-buildvcs=false -trimpath" sh -c 'dir="$1" p="$2" ldflags="$3"; shift 3
    rm -rf "$dir" && GOBIN="$dir" go install -p "$p" -tags "no_btrfs no_devmapper no_zfs" -ldflags "$ldflags" "$@" \
      && for b in containerd containerd-shim-runc-v2 ctr; do mv "$dir/$b" "$dir/../$b"; done && rmdir "$dir"' \
    sh "$BIN/.containerd.tmp" "$BUILD_P" "$ldflags" "${pkgs[@]}"
  echo "$fp" >"$BIN/.containerd.fingerprint"
}

node_set() {
  local name
  for name in kubelet kube-controller-manager kube-scheduler kube-proxy; do build_wrapper "$name" "$(version_ldflags)"; done
  containerd_bins
  build_wrapper coredns
}

case "$SET" in
  control-plane) control_plane_set ;;
  node) node_set ;;
  all) control_plane_set && node_set ;;
esac
echo "$BIN"
