#!/usr/bin/env bash
# The newcomer path, tested: a fresh clone of the committed HEAD, an empty HOME, and the README's start
# command (`make start`) until the API's /health is ready and the site answers 200; then it is stopped.
# Prints "1 passed, 0 failed" or "0 passed, 1 failed" for the tier summary.
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/recsys-newcomer-XXXXXX)"
api_port="${NEWCOMER_API_PORT:-18080}"
site_port="${NEWCOMER_SITE_PORT:-14321}"
log="$repo/test-output/newcomer.log"
mkdir -p "$repo/test-output"

cleanup() {
  [ -n "${pid:-}" ] && kill -TERM -- "-$pid" 2>/dev/null
  sleep 1
  [ -n "${pid:-}" ] && kill -KILL -- "-$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

git clone --quiet "$repo" "$work/main" || exit 1
# The clone sits where CI's does: ../shared beside it holds the MovieLens data.
ln -s "$(cd "$repo/../shared" && pwd)" "$work/shared"
mkdir -p "$work/home"
# The machine's own PATH, without the Node this checkout bootstrapped: the newcomer bootstraps their own.
machine_path="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/recsys/node-' | paste -sd:)"

echo "newcomer: make start in a fresh clone with HOME=$work/home (log: $log)"
started=$(date +%s)
# The machine's environment (its CA settings among it) with an empty HOME and none of this checkout's variables.
(cd "$work/main" && exec setsid env -u npm_config_nodedir -u RECSYS_CACHE PATH="$machine_path" HOME="$work/home" \
  API_PORT="$api_port" SITE_PORT="$site_port" make start) >"$log" 2>&1 &
pid=$!

answers() { node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1" 2>/dev/null; }
deadline=$((started + ${NEWCOMER_TIMEOUT:-1200}))
while [ "$(date +%s)" -lt "$deadline" ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "newcomer: make start exited before the system was up; the end of its log:"; tail -20 "$log"
    echo "0 passed, 1 failed"; exit 1
  fi
  if answers "http://127.0.0.1:$api_port/health" && answers "http://127.0.0.1:$site_port/"; then
    echo "newcomer: /health ready and the site answering after $(( $(date +%s) - started )) s"
    echo "1 passed, 0 failed"; exit 0
  fi
  sleep 2
done
echo "newcomer: not up within ${NEWCOMER_TIMEOUT:-1200} s; the end of its log:"; tail -20 "$log"
echo "0 passed, 1 failed"; exit 1
