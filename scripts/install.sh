#!/usr/bin/env bash
# Installs the workspace's npm dependencies once per lockfile + Node version (a stamp makes re-runs instant).
# Source scripts/node-env.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.recsys-install-stamp
want="$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi
echo "recsys: installing npm dependencies (native addons compile against $(node --version))" >&2
# A fresh machine installs exactly the lockfile (`npm ci` never rewrites it); an existing tree updates in place.
# The lockfile lists every platform's optional packages, so neither command adds entries to it.
if [ -d node_modules ]; then
  npm install --no-audit --no-fund --loglevel=error
else
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "$(node --version) $(sha256sum package-lock.json | cut -d' ' -f1)" > "$stamp"
