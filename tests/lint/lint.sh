#!/usr/bin/env bash
# tests/lint/lint.sh: what `make lint` does: validate openapi.yaml with
# Redocly's OpenAPI linter, configured by tests/lint/redocly.yaml.
#
# Installs @redocly/cli, pinned exactly in package.json and package-lock.json,
# into tests/lint/node_modules when it is missing or older than the lockfile;
# after that it runs offline. Needs node and npm, not root.
# Exits 0 when the linter finds no error (warnings are printed but pass);
# the last line is a one-line summary either way.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
spec=openapi.yaml                 # relative to the repository root
config=tests/lint/redocly.yaml
redocly=$here/node_modules/.bin/redocly

# No usage reports, update checks or banners: the lint must work offline and
# say the same thing every time.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export REDOCLY_SUPPRESS_NOTIFICATIONS=true
export NO_COLOR=1

summary() { echo "lint: $*"; }

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        summary "FAILED: $tool is not installed (deploy/install-deps.sh --lint installs it)."
        exit 2
    fi
done
# @redocly/cli 2.x needs Node.js 20.19+ or 22.12+ (Debian 12's own nodejs is 18).
# (deploy/install-deps.sh --lint then installs Node.js 22 into .local/node, first on make's PATH.)
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)'; then
    summary "FAILED: Node.js $(node --version) cannot run @redocly/cli 2.x, which needs 20.19+ or 22.12+."
    exit 2
fi

# npm records what it installed in node_modules/.package-lock.json; a newer
# package-lock.json means the pinned version changed since.
installed=$here/node_modules/.package-lock.json
if [ ! -x "$redocly" ] || [ ! -f "$installed" ] || [ "$here/package-lock.json" -nt "$installed" ]; then
    if [ -f "$here/package-lock.json" ]; then
        action=ci          # exactly what the lockfile says
    else
        action=install     # the first time: creates package-lock.json, to commit
    fi
    echo "lint: npm $action in tests/lint (once; later runs are offline)" >&2
    if ! (cd "$here" && npm "$action" --no-audit --no-fund --no-update-notifier --ignore-scripts --loglevel=error >&2); then
        summary "FAILED: npm $action could not install @redocly/cli into tests/lint/node_modules."
        exit 2
    fi
fi

cd "$root" || exit 2
if [ ! -f "$spec" ]; then
    summary "FAILED: $spec is missing."
    exit 1
fi

# The stylish format gives one "line:column severity rule message" line per
# problem; count them for the summary. Redocly's Node.js deprecation banner
# (box-drawing lines) is dropped.
output=$("$redocly" lint --config "$config" --format=stylish "$spec" 2>&1)
status=$?
printf '%s\n' "$output" | grep -v '[║═╔╗╚╝]'
errors=$(printf '%s\n' "$output" | grep -cE '^ +[0-9]+:[0-9]+ +error ')
warnings=$(printf '%s\n' "$output" | grep -cE '^ +[0-9]+:[0-9]+ +warning ')

if [ "$status" -ne 0 ] || [ "$errors" -gt 0 ]; then
    summary "FAILED: $spec has $errors error(s) and $warnings warning(s) (redocly exit $status)."
    [ "$status" -ne 0 ] && exit "$status"
    exit 1
fi
summary "ok: $spec has 0 errors and $warnings warning(s)."
