#!/usr/bin/env bash
# Creates (once) a Python virtualenv at ${RECSYS_CACHE:-$HOME/.cache/recsys}/<name> from a requirements file and
# prints the venv's directory on stdout. Idempotent: it reinstalls only when the requirements file changed since
# the last successful install. Usage: scripts/venv.sh <name> <requirements file>
set -euo pipefail
name="$1"
requirements="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
cache="${RECSYS_CACHE:-$HOME/.cache/recsys}"
venv="$cache/$name"
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
echo "$venv"
