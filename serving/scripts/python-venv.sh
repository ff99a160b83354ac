#!/usr/bin/env bash
# Creates (once) the venv that runs schemathesis, at ${RECSYS_CACHE:-$HOME/.cache/recsys}/schemathesis-venv, from
# requirements-schemathesis.txt beside this script, and prints the venv's python path. Reinstalls only when the
# requirements change.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/requirements-schemathesis.txt"
venv="${RECSYS_CACHE:-$HOME/.cache/recsys}/schemathesis-venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv" >&2 || { echo "recsys: python3 -m venv failed; install python3-venv" >&2; exit 1; }
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "recsys: installing $requirements into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$want" >"$stamp"
fi
echo "$venv/bin/python"
