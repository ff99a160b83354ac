#!/usr/bin/env bash
# package-lock.json must be what npm would write for the package.json files: otherwise a machine that already has
# node_modules gets it rewritten by `npm install` (and the clone is left dirty). Restores the file either way.
set -uo pipefail
cd "$(dirname "$0")/.."
saved="$(mktemp)"
cp package-lock.json "$saved"
npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
if cmp -s package-lock.json "$saved"; then rm -f "$saved"; exit 0; fi
echo "static: package-lock.json is out of step with the package.json files; npm would change it so:" >&2
diff -u "$saved" package-lock.json | head -40 >&2
echo "run: npm install --package-lock-only --ignore-scripts, and commit package-lock.json" >&2
cp "$saved" package-lock.json
rm -f "$saved"
exit 1
