#!/usr/bin/env bash
# package-lock.json must be what npm would write for the package.json files: otherwise a machine that already has
# node_modules gets it rewritten by `npm install` (and the clone is left dirty). Restores the file however it ends
# (an npm error, Ctrl-C), and fails when npm could not resolve the lockfile: a check that did not run is no pass.
set -uo pipefail
cd "$(dirname "$0")/.."
saved="$(mktemp)"
cp package-lock.json "$saved"
trap 'cp "$saved" package-lock.json; rm -f "$saved"' EXIT
trap 'exit 130' INT TERM
if ! npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null; then
  echo "static: npm could not resolve package-lock.json (its error is above); the lockfile was not checked" >&2
  exit 1
fi
cmp -s package-lock.json "$saved" && exit 0
echo "static: package-lock.json is out of step with the package.json files; npm would change it so:" >&2
diff -u "$saved" package-lock.json | head -40 >&2
echo "run: npm install --package-lock-only --ignore-scripts, and commit package-lock.json" >&2
exit 1
