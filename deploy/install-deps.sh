#!/usr/bin/env bash
# Install the Debian 12 (bookworm) packages insatskatalog needs. Idempotent:
# only missing packages are installed, and `apt-get update` runs only when
# something is missing.
#
#   deploy/install-deps.sh [--test] [--lint] [--bench] [--browser] [--fuzz]
#
# Without options: what building and running need (compiler, -dev packages,
# PostgreSQL 15, Node.js and npm for the web page's vendored libraries). Each
# option adds one set on top of that:
#   --test     the C test harness (cmocka, libcurl) and curl   (make test)
#   --lint     Node.js 20.19+ and npm for tests/lint and tests/k8s (make lint,
#              make test). Debian 12's nodejs is 18: when the node on PATH is
#              older, Node.js 22 comes from the npm registry (package
#              node-linux-<arch>) into .local/node; the Makefile puts it first
#              on PATH.
#   --bench    wrk and curl                                     (make bench)
#   --browser  Debian's chromium, for browser tests driven by puppeteer-core
#   --fuzz     clang and its libFuzzer runtime (make fuzz, make test)
#
# The distribution is read from /etc/os-release; anything but Debian 12 stops
# with an error that lists the packages (install them yourself, then run make
# with NO_DEPS=1). Runs as root, or as a normal user through sudo (only needed
# when something is missing). Prints what it installs, or that all is present.
#
# Never installs libcurl4-openssl-dev: libulfius-dev depends on
# libcurl4-gnutls-dev, and the two conflict.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# Node.js from the npm registry when Debian's is too old for @redocly/cli 2.x.
NODE_VERSION=22.23.5

die() { echo "install-deps: error: $*" >&2; exit 1; }

usage() {
  sed -n '6,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

base=(
  build-essential pkg-config make
  libulfius-dev libmicrohttpd-dev libjansson-dev libpq-dev liborcania-dev libyder-dev
  libsodium-dev libcsv-dev
  postgresql-15 postgresql-client-15
  ca-certificates
)
# The web page's libraries are vendored from npm when it is built (internal/web/build.sh), so
# building needs Node.js and npm; they may come from elsewhere (nodesource, nvm): only install
# Debian's when there is none.
command -v node >/dev/null 2>&1 || base+=(nodejs)
command -v npm >/dev/null 2>&1 || base+=(npm)
packages=("${base[@]}")
want_lint=no
for arg in "$@"; do
  case $arg in
    --test) packages+=(libcmocka-dev libcurl4-gnutls-dev curl) ;;
    --lint)
      want_lint=yes   # Node.js 20.19+ (below), beyond the base set's any Node.js
      ;;
    --bench) packages+=(wrk curl) ;;
    --browser) packages+=(chromium fonts-liberation) ;;
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    -h | --help) usage ;;
    *) echo "install-deps: unrecognized option \"$arg\"" >&2; usage ;;
  esac
done

# ---- which distribution -----------------------------------------------------

[[ -r /etc/os-release ]] || die "/etc/os-release is missing, so the distribution is unknown. This script supports Debian 12 (bookworm) only; install these packages yourself and run make with NO_DEPS=1: ${packages[*]}"
os_id=$(. /etc/os-release && echo "${ID:-}")
os_version=$(. /etc/os-release && echo "${VERSION_ID:-}")
os_name=$(. /etc/os-release && echo "${PRETTY_NAME:-$ID $VERSION_ID}")
if [[ $os_id != debian || $os_version != 12 ]]; then
  die "this script supports Debian 12 (bookworm) only, and /etc/os-release says \"$os_name\" (ID=$os_id, VERSION_ID=$os_version). Install the equivalents of these Debian packages yourself and run make with NO_DEPS=1: ${packages[*]}"
fi

# ---- Debian packages --------------------------------------------------------

is_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]; }

missing=()
for p in "${packages[@]}"; do
  is_installed "$p" || [[ " ${missing[*]} " == *" $p "* ]] || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
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
  apt_log=$(mktemp "${TMPDIR:-/tmp}/insatskatalog-install-deps.XXXXXX")
  trap 'rm -f "$apt_log"' EXIT
  run_apt() {
    if ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "$@" >>"$apt_log" 2>&1; then
      echo "install-deps: error: '$*' failed; last output:" >&2
      tail -n 30 "$apt_log" >&2
      exit 1
    fi
  }
  run_apt apt-get -qq update
  run_apt apt-get -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    install "${missing[@]}"

  still=()
  for p in "${missing[@]}"; do is_installed "$p" || still+=("$p"); done
  ((${#still[@]} == 0)) || die "still not installed after apt-get: ${still[*]}"
else
  echo "install-deps: all Debian packages present (${#packages[@]})"
fi

# ---- Node.js for the linters --------------------------------------------------

# Same test as tests/lint/lint.sh: @redocly/cli 2.x needs Node.js 20.19+ or 22.12+.
node_is_new_enough() {
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' 2>/dev/null
}

if [[ $want_lint == yes ]]; then
  local_node=$root/.local/node/node_modules/.bin/node
  if node_is_new_enough node; then
    :
  elif [[ -x $local_node ]] && node_is_new_enough "$local_node"; then
    :
  else
    case $(uname -m) in
      x86_64) arch=x64 ;;
      aarch64) arch=arm64 ;;
      *) die "Node.js $(node --version) is too old for the OpenAPI linter (20.19+ needed), and the npm registry has no Node.js build for $(uname -m)" ;;
    esac
    echo "install-deps: Node.js $(node --version) is too old for the OpenAPI linter; installing node-linux-$arch@$NODE_VERSION from the npm registry into .local/node"
    mkdir -p "$root/.local/node"
    node_log=$root/.local/node/install.log
    if ! (cd "$root/.local/node" && npm install --no-save --no-audit --no-fund --no-update-notifier \
      --ignore-scripts --loglevel=error "node-linux-$arch@$NODE_VERSION") >"$node_log" 2>&1; then
      echo "install-deps: error: npm install node-linux-$arch@$NODE_VERSION failed; last output:" >&2
      tail -n 30 "$node_log" >&2
      exit 1
    fi
    node_is_new_enough "$local_node" || die "$local_node is missing or too old after npm install node-linux-$arch@$NODE_VERSION"
  fi
fi
