#!/usr/bin/env bash
# The venv holding the MLflow server that the integration tier runs, from scripts/requirements-mlflow.txt;
# prints its bin directory on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$("$here/venv.sh" mlflow-venv "$here/requirements-mlflow.txt")"
[ -x "$venv/bin/mlflow" ] || { echo "recsys: $venv has no mlflow command; check scripts/requirements-mlflow.txt" >&2; exit 1; }
echo "$venv/bin"
