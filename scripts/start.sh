#!/usr/bin/env bash
# `make start`: the whole system on one machine, no cluster. Prepares MovieLens 100K, trains and promotes a
# model if the store has no Production yet, then serves the API (following Production) and the site, and
# prints both URLs. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh
scripts/install.sh

VAR="${VAR:-var}"
ML100K="${ML100K:-ml-100k}"
API_PORT="${API_PORT:-8000}"
SITE_PORT="${SITE_PORT:-4321}"
data="$VAR/data/ml-100k"
store="$VAR/store"
recsys() { node cli/src/main.ts "$@"; }
answers() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"; }

if [ ! -f "$data/dataset.json" ]; then
  recsys data prepare --source "$ML100K" --out "$data"
fi
if [ ! -s "$store/movies/PRODUCTION" ]; then
  echo "recsys: no Production model yet: training one (a minute or so)" >&2
  version="$(recsys train --data "$data" --store "$store" --json | node -e 'process.stdin.on("data",(d)=>process.stdout.write(JSON.parse(d).version))')"
  recsys promote --store "$store" --version "$version"
fi

# The site is built once, and again whenever its sources change.
entry=frontend-astro/dist/server/entry.mjs
if [ ! -f "$entry" ] || [ -n "$(find frontend-astro/src frontend-astro/astro.config.mjs -newer "$entry" -print -quit)" ]; then
  echo "recsys: building the site" >&2
  (cd frontend-astro && npx astro build >/dev/null)
fi

pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM

node cli/src/main.ts serve --store "$store" --follow --host 127.0.0.1 --port "$API_PORT" --log-dir "$VAR/logs" >/dev/null &
pids+=($!)
RECSYS_API_URL="http://127.0.0.1:$API_PORT" HOST=127.0.0.1 PORT="$SITE_PORT" node "$entry" >/dev/null &
pids+=($!)

for _ in $(seq 1 120); do
  if answers "http://127.0.0.1:$API_PORT/health" && answers "http://127.0.0.1:$SITE_PORT/"; then
    echo
    echo "  API   http://127.0.0.1:$API_PORT   (docs: /docs, metrics: /metrics)"
    echo "  site  http://127.0.0.1:$SITE_PORT"
    echo
    echo "Ctrl-C stops both."
    wait -n "${pids[@]}"
    exit 1
  fi
  sleep 0.5
done
echo "recsys: the API or the site did not come up within 60 s" >&2
exit 1
