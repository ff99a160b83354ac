#!/usr/bin/env bash
# Builds the local base images into the project's Docker engine (scripts/images/dockerd.sh), with no registry:
#   recsys.local/node:<node version>        Debian bookworm minbase from the apt mirror (debootstrap), stripped of
#                                           docs, locales, man pages and apt lists, + Node from the npm registry
#   recsys.local/node-build:<node version>  + Node's headers, npm and this machine's CA bundle (build stages only)
# Idempotent: both images carry a label naming their inputs, and the stripped root filesystem is cached as a tar.
# Needs root (debootstrap, dockerd) and DOCKER_HOST from `scripts/images/dockerd.sh env`. Prints the two image names.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
. "$ROOT/scripts/node-env.sh" >/dev/null
CACHE="${RECSYS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}/images"
NODE_VERSION="$RECSYS_NODE_VERSION"
NPM_VERSION="11.19.1"
SUITE="bookworm"
RUNTIME="recsys.local/node:$NODE_VERSION"
BUILD="recsys.local/node-build:$NODE_VERSION"
mkdir -p "$CACHE"
log() { echo "images: $*" >&2; }

# The Debian mirror apt already uses on this machine (debootstrap fetches the same packages).
mirror() {
  apt-get indextargets --format '$(SITE) $(RELEASE)' 2>/dev/null | awk -v s="$SUITE" '$2 == s { print $1; exit }' |
    grep . || echo "http://deb.debian.org/debian"
}

# Paths no process in the images reads; removed from the root filesystem.
STRIP=(usr/share/doc usr/share/man usr/share/info usr/share/locale usr/share/lintian usr/lib/x86_64-linux-gnu/gconv
  var/cache/apt var/lib/apt/lists var/cache/debconf/templates.dat-old var/log)

MIRROR="$(mirror)"
key="$( { echo "$SUITE $MIRROR node $NODE_VERSION npm $NPM_VERSION"; cat "$0" "$(dirname "$0")/base.Dockerfile" /etc/ssl/certs/ca-certificates.crt; } | sha256sum | cut -c1-16)"
labelled() { [ "$(docker image inspect -f '{{index .Config.Labels "recsys.base-key"}}' "$1" 2>/dev/null)" = "$key" ]; }
if labelled "$RUNTIME" && labelled "$BUILD"; then echo "$RUNTIME $BUILD"; exit 0; fi

rootfs_tar="$CACHE/rootfs-$SUITE-$key.tar"
if [ ! -f "$rootfs_tar" ]; then
  command -v debootstrap >/dev/null || "$ROOT/scripts/system-deps.sh" debootstrap
  work="$(mktemp -d "$CACHE/.rootfs-XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  start=$(date +%s)
  log "debootstrap --variant=minbase $SUITE from $MIRROR (about 90 s)"
  nice -n 10 debootstrap --variant=minbase "$SUITE" "$work/rootfs" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE/debootstrap.log" >&2; log "debootstrap failed (log: $CACHE/debootstrap.log)"; exit 1; }
  for path in "${STRIP[@]}"; do rm -rf "${work:?}/rootfs/$path"; mkdir -p "$work/rootfs/$path"; done
  # apt (build stages install compilers with it) expects these to exist.
  mkdir -p "$work/rootfs/var/lib/apt/lists/partial" "$work/rootfs/var/cache/apt/archives/partial" "$work/rootfs/var/log/apt"
  tar --numeric-owner -C "$work/rootfs" -cf "$rootfs_tar.partial" . && mv "$rootfs_tar.partial" "$rootfs_tar"
  rm -rf "$work"; trap - EXIT
  log "root filesystem: $(du -h "$rootfs_tar" | cut -f1) in $(($(date +%s) - start)) s"
fi

rootfs_image="recsys.local/bookworm-minbase:$key"
docker image inspect "$rootfs_image" >/dev/null 2>&1 || docker import "$rootfs_tar" "$rootfs_image" >/dev/null

# The build context: Node as scripts/node-env.sh bootstrapped it, npm from the registry, the CA bundle.
context="$(mktemp -d "$CACHE/.base-context-XXXXXX")"
trap 'rm -rf "$context"' EXIT
node_dir="$(dirname "$(dirname "$(command -v node)")")"
[ -f "$node_dir/include/node/node.h" ] || { log "$node_dir has no include/node/node.h; expected Node from scripts/node-env.sh"; exit 1; }
[ "$(node --version)" = "v$NODE_VERSION" ] || { log "node on PATH is $(node --version), expected v$NODE_VERSION"; exit 1; }
mkdir -p "$context/node/bin"
cp "$node_dir/bin/node" "$context/node/bin/node"
cp -r "$node_dir/include" "$context/node/include"
(cd "$context" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && mkdir npm && tar -xzf npm-*.tgz -C npm --strip-components=1 && rm npm-*.tgz)
cp /etc/ssl/certs/ca-certificates.crt "$context/build-ca.crt"
for target in node node-build; do
  name="$RUNTIME"; [ "$target" = node-build ] && name="$BUILD"
  DOCKER_BUILDKIT=0 docker build -q -f "$(dirname "$0")/base.Dockerfile" --target "$target" --build-arg ROOTFS="$rootfs_image" \
    --label "recsys.base-key=$key" -t "$name" "$context" >/dev/null
done
log "base images: $RUNTIME ($(docker image inspect -f '{{.Size}}' "$RUNTIME" | awk '{ printf "%d MB", $1 / 1e6 }')), $BUILD"
echo "$RUNTIME $BUILD"
