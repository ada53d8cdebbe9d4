#!/usr/bin/env bash
# tests/lint/lint.sh: what `make lint` does: validate openapi.yaml with
# Redocly's OpenAPI linter (configured by tests/lint/redocly.yaml), then with
# Spectral's spectral:oas and OWASP API Security rulesets (tests/lint/spectral.yaml).
#
# Installs @redocly/cli, @stoplight/spectral-cli and
# @stoplight/spectral-owasp-ruleset, pinned exactly in package.json and
# package-lock.json, into tests/lint/node_modules when they are missing or older
# than the lockfile; after that it runs offline. Needs node and npm, not root.
# Exits 0 when neither linter finds an error (warnings are counted but pass);
# the last line is a one-line summary either way.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
spec=openapi.yaml                 # relative to the repository root
config=tests/lint/redocly.yaml
redocly=$here/node_modules/.bin/redocly
spectral=$here/node_modules/.bin/spectral
spectral_config=tests/lint/spectral.yaml

# No usage reports, update checks or banners: the lint must work offline and
# say the same thing every time.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
export REDOCLY_SUPPRESS_NOTIFICATIONS=true
export NO_COLOR=1

summary() { echo "lint: $*"; }

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        summary "FAILED: $tool is not installed (deploy/install-deps.sh installs it)."
        exit 2
    fi
done
# @redocly/cli 2.x needs Node.js 20.19+ or 22.12+ (Debian 12's own nodejs is 18).
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)'; then
    summary "FAILED: Node.js $(node --version) cannot run @redocly/cli 2.x, which needs 20.19+ or 22.12+."
    exit 2
fi

# npm records what it installed in node_modules/.package-lock.json; a newer
# package-lock.json means the pinned version changed since.
installed=$here/node_modules/.package-lock.json
if [ ! -x "$redocly" ] || [ ! -x "$spectral" ] || [ ! -f "$installed" ] || [ "$here/package-lock.json" -nt "$installed" ]; then
    if [ -f "$here/package-lock.json" ]; then
        action=ci          # exactly what the lockfile says
    else
        action=install     # the first time: creates package-lock.json, to commit
    fi
    echo "lint: npm $action in tests/lint (once; later runs are offline)" >&2
    if ! (cd "$here" && npm "$action" --no-audit --no-fund --no-update-notifier --ignore-scripts --loglevel=error >&2); then
        summary "FAILED: npm $action could not install the linters into tests/lint/node_modules."
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
    summary "FAILED: $spec has $errors error(s) and $warnings warning(s) in Redocly (redocly exit $status)."
    [ "$status" -ne 0 ] && exit "$status"
    exit 1
fi
echo "lint: Redocly: 0 errors and $warnings warning(s)."

# Spectral: every error is printed in full; warnings (each kind justified in
# spectral.yaml) only as a count per rule, or make lint would print hundreds of lines.
report=$(mktemp)
trap 'rm -f "$report"' EXIT
"$spectral" lint --quiet --ruleset "$spectral_config" --format json --output "$report" \
    --fail-severity error "$spec" 2>&1
sp_status=$?
if ! counts=$(node - "$report" <<'NODE'
const results = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8") || "[]");
const names = ["error", "warning", "info", "hint"];
const perRule = {};
let errors = 0, warnings = 0;
for (const r of results) {
    const where = r.path.join("/");
    if (r.severity === 0) {
        errors++;
        console.error(`  ${r.range.start.line + 1}:${r.range.start.character + 1} error ${r.code} ${r.message} (${where})`);
    } else {
        if (r.severity === 1) warnings++;
        const key = `${names[r.severity]} ${r.code}`;
        perRule[key] = (perRule[key] || 0) + 1;
    }
}
for (const [key, n] of Object.entries(perRule).sort()) console.error(`  ${n} x ${key}`);
console.log(`${errors} ${warnings}`);
NODE
); then
    summary "FAILED: Spectral's report could not be read (spectral exit $sp_status)."
    exit 2
fi
read -r sp_errors sp_warnings <<<"$counts"
if [ "$sp_status" -ne 0 ] || [ "$sp_errors" -gt 0 ]; then
    summary "FAILED: $spec has $sp_errors error(s) and $sp_warnings warning(s) in Spectral (spectral exit $sp_status)."
    exit 1
fi
summary "ok: $spec has 0 errors and $warnings warning(s) in Redocly, 0 errors and $sp_warnings warning(s) in Spectral."
