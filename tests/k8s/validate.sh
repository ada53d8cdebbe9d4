#!/usr/bin/env bash
# tests/k8s/validate.sh: validates deploy/k8s against the Kubernetes API
# schemas (npm kubernetes-models) and the house rules; see validate.mjs.
#
# Installs the pinned packages (package-lock.json) into tests/k8s/node_modules
# on first use, and again whenever the lockfile changes. Needs node >= 18 and
# npm with the npm registry reachable for that first install.
#
# Output: one "ok - ..." / "not ok - ..." line per check, then
# "N passed, N failed" as the last line. Exit status 0 only if all passed.
set -uo pipefail
cd "$(dirname "$0")" || exit 1

fail_setup() {
  echo "not ok - k8s validator setup: $1"
  echo "0 passed, 1 failed"
  exit 1
}

command -v node >/dev/null 2>&1 || fail_setup "node not found"
command -v npm >/dev/null 2>&1 || fail_setup "npm not found"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || fail_setup "node $(node --version) is too old (>= 18 needed)"

stamp=node_modules/.insatskatalog-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  log=$(mktemp)
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1
  else
    npm install --no-audit --no-fund --loglevel=error >"$log" 2>&1
  fi
  rc=$?
  if [ "$rc" -ne 0 ]; then
    sed 's/^/    /' "$log" | tail -n 20
    rm -f "$log"
    fail_setup "npm install failed (exit $rc)"
  fi
  rm -f "$log"
  cp package-lock.json "$stamp"
fi

exec node validate.mjs
