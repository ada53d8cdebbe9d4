#!/usr/bin/env bash
# tests/browser/run.sh: the browser test (page.test.mjs) as tests/run.sh runs
# it, after deploy/install-browser.sh has found or installed Chromium.
#
#   BASE_URL=... ADMIN_KEY=... CHROMIUM=/usr/bin/chromium tests/browser/run.sh
#
# Installs the pinned puppeteer-core and axe-core (package-lock.json) into
# tests/browser/node_modules on first use and whenever the lockfile changes;
# never downloads a browser (Debian's chromium is used). Prints TAP; exit
# status 0 only when every check passed. Screenshots go to $SCREENSHOTS
# (build/browser, from the repository root).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

fail() { echo "not ok 1 - browser test setup: $*"; echo "1..1"; exit 1; }
command -v node >/dev/null 2>&1 || fail "node not found (deploy/install-deps.sh installs it)"
command -v npm >/dev/null 2>&1 || fail "npm not found (deploy/install-deps.sh installs it)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || fail "node $(node --version) is too old (puppeteer-core 24 needs 18 or later)"
[ -n "${BASE_URL:-}" ] && [ -n "${ADMIN_KEY:-}" ] || fail "BASE_URL and ADMIN_KEY must be set (tests/run.sh sets them)"

stamp=$here/node_modules/.insatskatalog-lock
if [ ! -f "$stamp" ] || ! cmp -s "$here/package-lock.json" "$stamp"; then
  log=$(mktemp)
  # PUPPETEER_SKIP_DOWNLOAD: puppeteer-core downloads nothing anyway; say so for any script.
  if ! (cd "$here" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >"$log" 2>&1; then
    sed 's/^/# /' "$log" | tail -n 20
    rm -f "$log"
    fail "npm ci in tests/browser failed"
  fi
  rm -f "$log"
  cp "$here/package-lock.json" "$stamp"
fi

cd "$root" || exit 1
SCREENSHOTS=${SCREENSHOTS:-$root/build/browser} exec node "$here/page.test.mjs"
