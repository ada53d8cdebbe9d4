#!/usr/bin/env bash
# Install clang and its libFuzzer runtime from Debian 12 (bookworm), for
# `make fuzz` and the short fuzz runs of `make test`. Idempotent, like
# deploy/install-deps.sh: apt-get runs only when something is missing.
set -euo pipefail

packages=(clang libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-fuzz: clang and libFuzzer present"
  exit 0
fi
echo "install-fuzz: installing ${missing[*]}"
sudo=
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-fuzz: error: not root and no sudo; install ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
