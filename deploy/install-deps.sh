#!/usr/bin/env bash
# Install the Debian 12 (bookworm) packages insatskatalog needs to build, run
# and test. Idempotent: only missing packages are installed, and `apt-get
# update` runs only when something is missing.
#
#   deploy/install-deps.sh
#
# Runs as root, or as a normal user through sudo (only needed when something
# is missing). Prints one line: what it installs, or "all dependencies present".
#
# Never installs libcurl4-openssl-dev: libulfius-dev depends on
# libcurl4-gnutls-dev, and the two conflict.
set -euo pipefail

die() { echo "install-deps: error: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian 12 (bookworm) only"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian 12 (bookworm) only"

packages=(
  build-essential pkg-config
  libulfius-dev libjansson-dev libpq-dev liborcania-dev libyder-dev
  libsodium-dev libcsv-dev libcmocka-dev
  postgresql-15 postgresql-client-15
  wrk curl ca-certificates
)
# Node.js is only needed if no node/npm is on PATH (it may come from elsewhere).
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all dependencies present"
  exit 0
fi

for p in "${missing[@]}"; do
  [[ "$p" != libcurl4-openssl-dev ]] || die "refusing to install libcurl4-openssl-dev (conflicts with libcurl4-gnutls-dev needed by libulfius-dev)"
done

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  # No terminal (CI): never wait for a password prompt.
  if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
else
  die "missing packages (${missing[*]}) and not root and sudo is not installed: run this script as root"
fi

echo "install-deps: installing ${missing[*]}"

log=$(mktemp "${TMPDIR:-/tmp}/insatskatalog-install-deps.XXXXXX")
trap 'rm -f "$log"' EXIT

run_apt() {
  if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "$@" >>"$log" 2>&1; then
    echo "install-deps: error: '$*' failed; last output:" >&2
    tail -n 30 "$log" >&2
    exit 1
  fi
}

run_apt apt-get -qq update
run_apt apt-get -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  install "${missing[@]}"

# Verify: every requested package must now be installed.
still=()
for p in "${missing[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || still+=("$p")
done
((${#still[@]} == 0)) || die "still not installed after apt-get: ${still[*]}"
