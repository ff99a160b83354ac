#!/usr/bin/env bash
# `make start`: the whole system on one machine, no cluster: `recsys up -f examples/recmodel.yaml`, the local
# runtime. It trains and promotes a model if the store has no Production yet, serves the API (following
# Production) and the site, retrains and writes the report on the spec's schedules. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh
scripts/install.sh

VAR="${VAR:-var}"
ML100K="${ML100K:-ml-100k}"
API_PORT="${API_PORT:-8000}"
SITE_PORT="${SITE_PORT:-4321}"

# The data first: without it there is nothing to train, so a first run stops here and says what to pass.
if ! node cli/src/main.ts data fetch --source "$ML100K" >/dev/null; then
  case "$ML100K" in
    ml-100k | ml-1m | ml-latest-small) echo "make start: $ML100K could not be downloaded (above), and no local copy was given." >&2 ;;
    *) echo "make start: no MovieLens data at ML100K=$ML100K (above)." >&2 ;;
  esac
  cat >&2 <<'EOF'
  Pass a local MovieLens 100K directory: make start ML100K=/path/to/ml-100k
  It must hold u.data (the ratings) and u.item (the movies), as unpacked from
  https://files.grouplens.org/datasets/movielens/ml-100k.zip (never commit them: their licence forbids it).
EOF
  exit 2
fi

# The site is built once, and again whenever its sources change.
entry=frontend-astro/dist/server/entry.mjs
if [ ! -f "$entry" ] || [ -n "$(find frontend-astro/src frontend-astro/astro.config.mjs -newer "$entry" -print -quit)" ]; then
  echo "recsys: building the site" >&2
  (cd frontend-astro && npx astro build >/dev/null)
fi

exec node cli/src/main.ts up -f examples/recmodel.yaml --var "$VAR" --source "$ML100K" \
  --api-port "$API_PORT" --site-port "$SITE_PORT"
