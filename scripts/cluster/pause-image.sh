#!/usr/bin/env bash
# The pod sandbox ("pause") image as an OCI archive, for `ctr images import`: no registry serves registry.k8s.io
# here, and containerd's CRI needs this image (by this name) for every pod. One static binary (pause.c) in one
# layer, written as an OCI image layout by hand. Cached by its inputs; prints the archive's path.
set -euo pipefail
. "$(dirname "$0")/env.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${RECSYS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}/kube"
key="$(cat "$HERE/pause.c" "$0" | sha256sum | cut -c1-16)"
archive="$CACHE/pause-$key.tar"
if [ -f "$archive" ]; then echo "$archive"; exit 0; fi
command -v gcc >/dev/null || "$CLUSTER_ROOT/scripts/system-deps.sh" gcc libc6-dev

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs" "$work/oci/blobs/sha256"
gcc -static -Os -s -o "$work/rootfs/pause" "$HERE/pause.c"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" pause

# blob FILE: stores FILE under its digest and prints "sha256:<hex> <size>".
blob() {
  local digest
  digest="$(sha256sum "$1" | cut -d' ' -f1)"
  cp "$1" "$work/oci/blobs/sha256/$digest"
  echo "sha256:$digest $(stat -c %s "$1")"
}
read -r layer layer_size < <(blob "$work/layer.tar")
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
  "$layer" >"$work/config.json"
read -r config config_size < <(blob "$work/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}]}' \
  "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest.json"
read -r manifest manifest_size < <(blob "$work/manifest.json")
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest" "$manifest_size" "$PAUSE_IMAGE" "${PAUSE_IMAGE##*:}" >"$work/oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"
mkdir -p "$CACHE"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/oci" -cf "$archive.partial" . && mv "$archive.partial" "$archive"
echo "$archive"
