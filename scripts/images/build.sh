#!/usr/bin/env bash
# `make images` on a machine with no image registry: the trainer, serving, operator and event-stream (PostgreSQL)
# images (docker/Dockerfile) and the site's (frontend-astro/Dockerfile) built FROM the local base images
# (scripts/images/base.sh) by the project's own Docker engine (scripts/images/dockerd.sh), saved as one archive for
# `ctr images import`.
# The archive is cached under ${RECSYS_CACHE:-~/.cache/recsys}/images/app-<key>/, keyed by everything that goes into
# the images (the build contexts as git sees them, the Dockerfiles, the base's inputs); a warm run starts no engine.
# Usage: scripts/images/build.sh   prints the archive's path.   IMAGE_PREFIX, IMAGE_TAG: the image names.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/scripts/images"
. "$ROOT/scripts/node-env.sh" >/dev/null
CACHE="${RECSYS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}/images"
IMAGE_PREFIX="${IMAGE_PREFIX:-ghcr.io/recsys-dev}"
IMAGE_TAG="${IMAGE_TAG:-0.1.0}"
# name, Dockerfile, target (empty: the file's last stage)
IMAGES=("trainer docker/Dockerfile trainer" "serving docker/Dockerfile serving" "operator docker/Dockerfile operator"
  "events docker/Dockerfile events" "frontend frontend-astro/Dockerfile")
mkdir -p "$CACHE/logs"
log() { echo "images: $*" >&2; }

work="$(mktemp -d "$CACHE/.build-XXXXXX")"
started_engine=""
cleanup() {
  rm -rf "$work"
  if [ -n "$started_engine" ]; then "$HERE/dockerd.sh" stop; fi
}
trap cleanup EXIT

# A build context as `docker build .` with the Dockerfile's own .dockerignore would send it, restricted to the paths
# the Dockerfile and what its COPY instructions name, and to the files git tracks or would track (no node_modules, var, build output), packed
# deterministically so its hash keys the cache: a change elsewhere (docs, scripts, tests) rebuilds nothing.
context_tar() {
  local dockerfile="$ROOT/$1" excludes=() pattern paths
  while IFS= read -r pattern; do
    case "$pattern" in '' | '#'*) continue ;; esac
    excludes+=("--exclude=${pattern#\*\*/}")
  done <"$dockerfile.dockerignore"
  paths="$1 $(awk 'toupper($1) == "COPY" && $2 !~ /^--from=/ { for (i = 2; i < NF; i++) print $i }' "$dockerfile" | sort -u)"
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard -- $paths |
    while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
    tar "${excludes[@]}" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --null -T - -cf -)
}

for dockerfile in docker/Dockerfile frontend-astro/Dockerfile; do
  context_tar "$dockerfile" >"$work/$(dirname "$dockerfile").tar"
done
key="$( {
  echo "$IMAGE_PREFIX $IMAGE_TAG node $RECSYS_NODE_VERSION"
  sha256sum "$work"/*.tar | cut -d' ' -f1
  cat "$HERE"/base.sh "$HERE"/base.Dockerfile "$HERE"/build.sh /etc/ssl/certs/ca-certificates.crt
} | sha256sum | cut -c1-16)"
out="$CACHE/app-$key"
archive="$out/images.tar"
if [ -f "$archive" ]; then echo "$archive"; exit 0; fi

# One build at a time on this machine; another run may have finished this one while we waited.
exec 9>"$CACHE/.build.lock"
flock 9
if [ -f "$archive" ]; then echo "$archive"; exit 0; fi

eval "$("$HERE/dockerd.sh" env)"
if ! docker version >/dev/null 2>&1; then "$HERE/dockerd.sh" start; started_engine=1; fi
read -r node_image build_image < <("$HERE/base.sh")

names=()
for spec in "${IMAGES[@]}"; do
  read -r name dockerfile target <<<"$spec"
  image="$IMAGE_PREFIX/$name:$IMAGE_TAG"
  start=$(date +%s)
  log "building $image (log: $CACHE/logs/$name.log)"
  # The legacy builder: BuildKit would fetch the `# syntax=` frontend image from a registry.
  if ! DOCKER_BUILDKIT=0 nice -n 10 docker build --network host -f "$dockerfile" ${target:+--target "$target"} \
    --build-arg NODE_IMAGE="$node_image" --build-arg BUILD_IMAGE="$build_image" -t "$image" - \
    <"$work/$(dirname "$dockerfile").tar" >"$CACHE/logs/$name.log" 2>&1; then
    tail -n 30 "$CACHE/logs/$name.log" >&2
    log "building $image failed (log: $CACHE/logs/$name.log)"
    exit 1
  fi
  log "built $image in $(($(date +%s) - start)) s: $(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%d MB", $1 / 1e6 }')"
  names+=("$image")
done

mkdir -p "$out"
for image in "${names[@]}"; do
  printf '%s %s\n' "$image" "$(docker image inspect -f '{{.Size}}' "$image")"
done >"$out/sizes.txt"
# One archive: the three CLI images share every layer but their command, so it stores those layers once.
docker save -o "$archive.partial" "${names[@]}"
mv "$archive.partial" "$archive"
# Older archives go, and untagged images older than a week; younger ones are the build stages' layer cache (the
# legacy builder keeps a stage's layers only as untagged images), which the next build reuses.
find "$CACHE" -maxdepth 1 -name 'app-*' -not -name "app-$key" -exec rm -rf {} +
docker image prune -f --filter until=168h >/dev/null
log "saved $(du -h "$archive" | cut -f1) to $archive"
echo "$archive"
