#!/usr/bin/env bash
# Creates (once) the venv holding the MLflow server that the integration tier runs, at
# ${RECSYS_CACHE:-$HOME/.cache/recsys}/mlflow-venv, from scripts/requirements-mlflow.txt, and prints the venv's
# bin directory on stdout. Idempotent: it reinstalls only when the requirements file changed since the last
# successful install.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/requirements-mlflow.txt"
cache="${RECSYS_CACHE:-$HOME/.cache/recsys}"
venv="$cache/mlflow-venv"
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
  "$venv/bin/mlflow" --version >&2 || { echo "recsys: mlflow installed into $venv but does not run" >&2; exit 1; }
  echo "$want" >"$stamp"
fi
echo "$venv/bin"
