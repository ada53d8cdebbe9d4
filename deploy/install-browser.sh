#!/usr/bin/env bash
# Install Debian's Chromium for the browser test (tests/browser/), when it is
# missing. Kept apart from install-deps.sh: only the browser test needs it,
# and a machine that cannot have it still builds, runs and tests the rest.
#
#   deploy/install-browser.sh
#
# Idempotent: does nothing when /usr/bin/chromium is there. Runs as root, or
# through sudo without a password prompt. On success the last line is the
# browser's path; on failure (not Debian, no root, apt-get failing) it exits
# 1 and the last line says why, for the test run to print with its "skip".
set -uo pipefail

browser=/usr/bin/chromium

if [ -x "$browser" ]; then
  echo "$browser"
  exit 0
fi
fail() { echo "$*"; exit 1; }

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: Debian's chromium package cannot be installed here"
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  fail "chromium is not installed and installing it needs root (or sudo without a password)"
fi

log=$(mktemp "${TMPDIR:-/tmp}/insatskatalog-install-browser.XXXXXX")
trap 'rm -f "$log"' EXIT
echo "install-browser: installing chromium (once)" >&2
# fonts-dejavu-core: glyphs for å, ä and ö in the screenshots.
if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq update >>"$log" 2>&1 \
   || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -qq --no-install-recommends \
          install chromium fonts-dejavu-core >>"$log" 2>&1; then
  tail -n 5 "$log" >&2
  fail "apt-get could not install chromium: $(tail -n 1 "$log")"
fi
[ -x "$browser" ] || fail "chromium was installed but $browser is missing"
echo "$browser"
