#!/usr/bin/env bash
# The Python venv that tests and benches use (implicit, numpy, scipy), from scripts/requirements-dev.txt;
# prints its python path on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$("$here/venv.sh" venv "$here/requirements-dev.txt")"
echo "$venv/bin/python"
