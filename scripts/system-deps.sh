#!/usr/bin/env bash
# Installs the Debian packages a test tier needs (Chromium for the browser tier, Prometheus for monitoring, PostgreSQL
# for the serving replicas' event stream), only when missing. Usage: scripts/system-deps.sh chromium prometheus
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "recsys: installing Debian packages: ${missing[*]}" >&2
sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
# Tiers prepare in parallel (make test builds the e2e tier's images in the background): wait for apt's locks.
wait_lock=(-o DPkg::Lock::Timeout=600)
$sudo_cmd apt-get "${wait_lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get "${wait_lock[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
