#!/usr/bin/env bash
# `make test`: static checks, then the test tiers one after another (unit → integration → browser → cluster →
# newcomer → e2e), each preparing the real components it needs, and a table of wall times at the end. The e2e tier's
# long builds (Kubernetes binaries, images) start in the background first, niced, so they overlap the other tiers.
# Usage: scripts/test.sh [tier ...]   (default: all)
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/node-env.sh
scripts/install.sh || exit 1

tiers=("$@")
[ ${#tiers[@]} -eq 0 ] && tiers=(static unit integration browser cluster newcomer e2e)
mkdir -p test-output && rm -f test-output/*.json

# The e2e tier needs root (a node: bridges, iptables, mounts); elsewhere it is skipped, except under CI.
E2E_PREPARE='RECSYS_KUBE_BUILD_P=2 scripts/kube-bins.sh all >/dev/null && scripts/images/build.sh >/dev/null'
e2e_prepare() { bash -c "$E2E_PREPARE"; }
e2e_background=""
if [[ " ${tiers[*]} " == *" e2e "* ]] && [ "$(id -u)" -eq 0 ] && [ ${#tiers[@]} -gt 1 ]; then
  # In a process group of its own, so a run that ends or is interrupted early stops the builds too (Go, dockerd).
  setsid bash -c "renice -n 10 -p \$\$ >/dev/null; $E2E_PREPARE" >test-output/e2e-prepare.log 2>&1 &
  e2e_background=$!
  trap 'kill -- -"$e2e_background" 2>/dev/null' EXIT
  trap 'exit 130' INT TERM
fi
declare -A seconds status
failed_any=0

prepare_tier() {
  case "$1" in
    integration) scripts/python-env.sh >/dev/null && scripts/mlflow-env.sh >/dev/null && scripts/system-deps.sh prometheus chromium postgresql ;;
    browser) scripts/system-deps.sh chromium ;;
    cluster) RECSYS_KUBE_BUILD_P="${RECSYS_KUBE_BUILD_P:-2}" scripts/kube-bins.sh >/dev/null ;;
    e2e)
      if [ "$(id -u)" -ne 0 ]; then echo "the e2e tier runs a node and needs root" >&2; [ "${CI:-}" != true ]; return; fi
      scripts/system-deps.sh prometheus || return
      if [ -n "$e2e_background" ]; then
        wait "$e2e_background" || { tail -n 40 test-output/e2e-prepare.log >&2; false; }
      else
        e2e_prepare
      fi
      ;;
    *) true ;;
  esac
}

# A tier that is not vitest records its count in vitest's JSON shape for the closing line.
record() { printf '{"numPassedTests":%d,"numFailedTests":%d,"numPendingTests":0}\n' "$2" "$3" >"test-output/$1.json"; }

run_tier() {
  case "$1" in
    static) scripts/check-lockfile.sh && npx tsc -p tsconfig.json && npx tsc -p frontend-astro && npx tsc -p frontend-astro/test && npx biome check . ;;
    # The README's start command in a fresh clone with an empty HOME, until the API and the site answer.
    # Its last line counts its scenarios: "N passed, M failed".
    newcomer)
      scripts/newcomer-test.sh | tee test-output/newcomer.txt
      local rc=${PIPESTATUS[0]} passed failed
      read -r passed _ failed _ < <(tail -1 test-output/newcomer.txt)
      record newcomer "${passed:-0}" "${failed:-1}"
      return "$rc" ;;
    *) npx vitest run --project "$1" --passWithNoTests \
         --reporter=default --reporter=json --outputFile.json="test-output/$1.json" ;;
  esac
}

for tier in "${tiers[@]}"; do
  echo "=== tier: $tier ==="
  start=$(date +%s.%N)
  if prepare_tier "$tier" && run_tier "$tier"; then status[$tier]=ok; else status[$tier]=FAILED; failed_any=1; fi
  seconds[$tier]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
done

echo
echo "tier          status   wall time"
for tier in "${tiers[@]}"; do printf '%-13s %-8s %7.1f s\n' "$tier" "${status[$tier]}" "${seconds[$tier]}"; done
# One plain closing line summing every tier's vitest results.
node -e '
  const fs = require("node:fs"), path = require("node:path");
  const reports = fs.readdirSync("test-output").filter((f) => f.endsWith(".json"))
    .map((f) => ({ tier: f.replace(/\.json$/, ""), ...JSON.parse(fs.readFileSync("test-output/" + f, "utf8")) }));
  let passed = 0, failed = 0, skipped = 0;
  for (const r of reports) {
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  // CI keeps only the tail of the output: name each failed test and the first line of why, after the counts.
  const say = (label, r, file, t) => {
    const why = String(t.failureMessages?.[0] ?? "").split("\n")[0].replace(/\x1b\[[0-9;]*m/g, "").slice(0, 300);
    console.log(`${label}: ${r.tier} ${path.relative(process.cwd(), file.name)} > ${t.fullName}: ${why}`);
  };
  for (const r of reports) {
    for (const file of r.testResults ?? []) {
      const tests = file.assertionResults ?? [];
      for (const t of tests.filter((t) => t.status === "passed" && t.failureMessages?.length)) say("flaky (passed on a retry)", r, file, t);
      const failedTests = tests.filter((t) => t.status === "failed");
      if (file.status === "failed" && failedTests.length === 0) failedTests.push({ fullName: "(the file itself)", failureMessages: [file.message ?? ""] });
      for (const t of failedTests) say("failed", r, file, t);
    }
  }
'
exit $failed_any
