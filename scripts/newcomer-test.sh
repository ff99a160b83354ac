#!/usr/bin/env bash
# The newcomer path, tested: a fresh clone of the committed HEAD, an empty HOME, and the README's start
# command (`make start`) until the API's /health is ready and the site answers 200, having printed the README's
# URL block; then it is stopped. Then the first run without data, twice in the same clone: `make start
# ML100K=/nonexistent`, and no ../shared with the download failing: each must exit 2 by itself within 2 minutes,
# naming what is missing and what to pass, and print no URL.
# Prints "N passed, M failed" for the tier summary.
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
    echo "0 passed, 3 failed"; exit 1
  fi
  # /ready, not /health: /health answers 200 (ready: false) while the bundle still loads.
  if answers "http://127.0.0.1:$api_port/ready" && answers "http://127.0.0.1:$site_port/"; then
    echo "newcomer: /ready answering and the site answering after $(( $(date +%s) - started )) s"
    up=1
    break
  fi
  sleep 2
done
if [ -z "${up:-}" ]; then
  echo "newcomer: not up within ${NEWCOMER_TIMEOUT:-1200} s; the end of its log:"; tail -20 "$log"
  echo "0 passed, 3 failed"; exit 1
fi
passed=1
failed=0

# The README's printed block, with this run's ports, is what make start printed (it may follow /ready by a moment).
block="$(awk 'tolower($0) ~ /it prints:$/ { after = 1; next } after && /^```$/ { if (inside) exit; inside = 1; next } inside' "$repo/README.md")"
block="${block//8000/$api_port}"
block="${block//4321/$site_port}"
for _ in $(seq 60); do
  printed="$(cat "$log")"
  [ -n "$block" ] && [[ "$printed" == *"$block"* ]] && break
  sleep 1
done
if [ -z "$block" ] || [[ "$printed" != *"$block"* ]]; then
  echo "newcomer: make start did not print the README's URL block:"; printf '%s\n' "$block"; tail -20 "$log"
  failed=$((failed + 1))
fi
kill -TERM -- "-$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=""

# A first run without data stops by itself, says what is missing and what to pass, and prints no URL.
no_data() {
  local name="$1" expect="$2"; shift 2
  local out="$repo/test-output/newcomer-$name.log" begun rc took
  begun=$(date +%s)
  (cd "$work/main" && exec setsid env -u npm_config_nodedir -u RECSYS_CACHE PATH="$machine_path" HOME="$work/home" \
    API_PORT="$api_port" SITE_PORT="$site_port" timeout -k 5 150 "$@") >"$out" 2>&1
  rc=$?
  took=$(( $(date +%s) - begun ))
  echo "newcomer: $name: exit $rc after $took s; it said:"; sed 's/^/  | /' "$out"
  if [ "$rc" -ne 2 ] || [ "$took" -gt 120 ] || ! grep -qF -- "$expect" "$out" \
    || ! grep -qF 'make start ML100K=/path/to/ml-100k' "$out" || ! grep -qF 'u.data' "$out" || ! grep -qF 'u.item' "$out" \
    || grep -qE "http://127\.0\.0\.1:($api_port|$site_port)" "$out"; then
    echo "newcomer: $name: expected exit 2 within 120 s, \"$expect\", the ML100K hint with u.data and u.item, and no URL"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
  fi
}
no_data missing-directory 'no MovieLens data at ML100K=/nonexistent' make start ML100K=/nonexistent
rm "$work/shared"
# A host under .invalid never resolves (RFC 2606): the download fails at once, as it does offline.
no_data no-network 'ml-100k could not be downloaded' env RECSYS_MOVIELENS_BASE_URL=http://movielens.invalid make start

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
