#!/usr/bin/env bash
# The venv that runs schemathesis, from requirements-schemathesis.txt beside this script; prints its python path.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$("$here/../../scripts/venv.sh" schemathesis-venv "$here/requirements-schemathesis.txt")"
echo "$venv/bin/python"
