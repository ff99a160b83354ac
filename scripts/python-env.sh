#!/usr/bin/env bash
# Creates (once) the Python venv that tests and benches use, at ${RECSYS_CACHE:-$HOME/.cache/recsys}/venv,
# from scripts/requirements-dev.txt, and prints the venv's python path on stdout. Idempotent: it reinstalls
# only when the requirements file changed since the last successful install.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/requirements-dev.txt"
cache="${RECSYS_CACHE:-$HOME/.cache/recsys}"
venv="$cache/venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [ ! -x "$venv/bin/python" ]; then
  mkdir -p "$cache"
  python3 -m venv "$venv" >&2 || { echo "recsys: python3 -m venv failed; install python3-venv (apt-get install python3-venv)" >&2; exit 1; }
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "recsys: installing $requirements into $venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  echo "$want" >"$stamp"
fi
echo "$venv/bin/python"
