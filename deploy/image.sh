#!/usr/bin/env bash
# Build and test the insatskatalog container image with podman/buildah.
#
#   deploy/image.sh build   build localhost/insatskatalog:latest from
#                           deploy/Containerfile; last line "image size: N MB"
#   deploy/image.sh test    build (reusing the layer cache), then run the image
#                           against the PostgreSQL in DATABASE_URL (on this
#                           host, e.g. postgresql://postgres@127.0.0.1:PORT/db),
#                           or, without DATABASE_URL, a throwaway one that it
#                           starts with deploy/pg.sh on a free port and removes:
#                           migrations, server, /readyz, /v1/methods/fft, the
#                           page at / and /docs, the
#                           healthcheck, SIGTERM. TAP-style ok/not ok lines;
#                           exit status 1 if anything failed.
#
# Base images: docker.io/library/debian:bookworm(-slim) when they are in local
# storage or can be pulled; otherwise (no registry) a Debian 12 minbase made
# with mmdebstrap and imported as localhost/insatskatalog-base:bookworm-minbase,
# used for both stages. Its tarball is kept in the cache directory, so the
# base is made once. Missing podman/buildah/mmdebstrap are installed with
# apt-get (as root, or through sudo).
#
# Builds use --isolation=chroot (no OCI runtime needed) and --format docker
# (keeps HEALTHCHECK). The test runs containers with `podman run
# --network=host`, or, where podman cannot start containers, with `buildah run
# --isolation=chroot --network=host` (host network, host PID namespace).
#
# Environment (all optional):
#   IMAGE            image name (localhost/insatskatalog:latest)
#   BUILD_BASE       build-stage base image; RUNTIME_BASE  runtime base image
#                    (set both to skip the base image search)
#   VERSION          version baked into the binaries (git describe)
#   IMAGE_CACHE_DIR  where the minbase tarball is kept
#                    (${XDG_CACHE_HOME:-~/.cache}/insatskatalog)
#   DEBIAN_MIRROR    (http://deb.debian.org/debian) and DEBIAN_SECURITY_MIRROR
#                    (http://deb.debian.org/debian-security), for mmdebstrap
#   PULL_TIMEOUT     seconds allowed per base image pull (120)
#   ISOLATION        build isolation (chroot)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
root=$PWD

IMAGE=${IMAGE:-localhost/insatskatalog:latest}
REGISTRY_BUILD_BASE=docker.io/library/debian:bookworm
REGISTRY_RUNTIME_BASE=docker.io/library/debian:bookworm-slim
LOCAL_BASE=localhost/insatskatalog-base:bookworm-minbase
CACHE_DIR=${IMAGE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/insatskatalog}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
PULL_TIMEOUT=${PULL_TIMEOUT:-120}
ISOLATION=${ISOLATION:-chroot}

msg() { echo "image.sh: $*" >&2; }
die() { echo "image.sh: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# ---- tools ------------------------------------------------------------------

# Installs the Debian packages given as "command:package" pairs whose command is missing.
ensure_tools() {
  local pair missing=() as_root=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  ((${#missing[@]} == 0)) && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]}; install them (Debian 12: apt-get install ${missing[*]})"
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}; run as root or install them: apt-get install ${missing[*]}"
    if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
  fi
  msg "installing ${missing[*]}"
  if ! { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -qq update >&2 &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -qq --no-install-recommends install "${missing[@]}" >&2; }; then
    die "apt-get install ${missing[*]} failed"
  fi
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || die "${pair%%:*} is still missing after apt-get install ${pair#*:}"
  done
}

# ---- base images ------------------------------------------------------------

have_image() { podman image exists "$1" 2>/dev/null; }

try_pull() {
  local out
  if out=$(timeout "$PULL_TIMEOUT" podman pull -q "$1" 2>&1); then
    return 0
  fi
  msg "cannot pull $1: $(printf '%s\n' "$out" | tail -n 1)"
  return 1
}

# Makes $MINBASE_TAR (once; it is kept): a Debian 12 minbase root file system
# via mmdebstrap, trimmed like the -slim images (no man pages, docs or
# translations). The caller holds the lock on $CACHE_DIR/base.lock.
MINBASE_TAR=$CACHE_DIR/bookworm-minbase.tar
make_minbase_tar() {
  local tar=$MINBASE_TAR
  ensure_tools mmdebstrap:mmdebstrap
  if [[ ! -s "$tar" ]]; then
    # mmdebstrap drives the host's apt-get; a stand-in would fail obscurely.
    local apt_version
    apt_version=$(apt-get --version 2>&1)
    [[ $apt_version == apt\ * ]] ||
      die "mmdebstrap needs apt's apt-get, but '$(command -v apt-get)' does not identify as apt ('apt-get --version' says: ${apt_version%%$'\n'*})"
    msg "no registry base image; making a Debian 12 minbase with mmdebstrap in $tar (once)"
    # The merged-usr hook makes the merged /usr without the usrmerge package
    # (and the perl it pulls in: 50 MB).
    local hooks=()
    [[ ! -d /usr/share/mmdebstrap/hooks/merged-usr ]] || hooks=(--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr)
    if ! mmdebstrap --variant=minbase "${hooks[@]}" \
      --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-exclude=/usr/share/info/*' \
      --aptopt='APT::Install-Recommends "false"' \
      bookworm "$tar.tmp.tar" \
      "deb $DEBIAN_MIRROR bookworm main" \
      "deb $DEBIAN_MIRROR bookworm-updates main" \
      "deb $DEBIAN_SECURITY_MIRROR bookworm-security main" </dev/null >&2; then
      rm -f "$tar.tmp.tar"
      die "mmdebstrap could not make the Debian 12 base (is $DEBIAN_MIRROR reachable?)"
    fi
    mv "$tar.tmp.tar" "$tar"
  fi
}

# Base lock: one image.sh or fresh-check.sh at a time makes the minbase.
lock_base() {
  mkdir -p "$CACHE_DIR" || die "cannot create $CACHE_DIR"
  exec 8>>"$CACHE_DIR/base.lock"
  flock -w 900 8 || die "timed out waiting for another image.sh making the base image"
}

# Makes LOCAL_BASE: the minbase imported into podman.
make_local_base() {
  local tar=$MINBASE_TAR
  lock_base
  if have_image "$LOCAL_BASE"; then exec 8>&-; return 0; fi
  make_minbase_tar
  msg "importing $tar as $LOCAL_BASE"
  podman import -q \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    "$tar" "$LOCAL_BASE" >/dev/null || die "podman import $tar failed"
  exec 8>&-
}

# Sets BUILD_BASE and RUNTIME_BASE.
resolve_bases() {
  if [[ -n "${BUILD_BASE:-}" && -n "${RUNTIME_BASE:-}" ]]; then
    return 0
  fi
  if have_image "$REGISTRY_RUNTIME_BASE"; then
    RUNTIME_BASE=$REGISTRY_RUNTIME_BASE
  elif have_image "$LOCAL_BASE"; then
    RUNTIME_BASE=$LOCAL_BASE BUILD_BASE=$LOCAL_BASE
    return 0
  elif try_pull "$REGISTRY_RUNTIME_BASE"; then
    RUNTIME_BASE=$REGISTRY_RUNTIME_BASE
  else
    make_local_base
    RUNTIME_BASE=$LOCAL_BASE BUILD_BASE=$LOCAL_BASE
    return 0
  fi
  # The slim image serves the build stage too (it installs its own compiler).
  if have_image "$REGISTRY_BUILD_BASE" || try_pull "$REGISTRY_BUILD_BASE"; then
    BUILD_BASE=$REGISTRY_BUILD_BASE
  else
    BUILD_BASE=$RUNTIME_BASE
  fi
}

# ---- build ------------------------------------------------------------------

image_size_mb() {
  local bytes
  bytes=$(podman image inspect --format '{{.Size}}' "$IMAGE" 2>/dev/null) || return 1
  echo $(((bytes + 500000) / 1000000))
}

# Each source change leaves a build-stage image (objects and binaries, a few
# MB) behind; keep the newest two, so the package layer they share stays cached.
prune_old_build_stages() {
  local old=()
  mapfile -t old < <(podman images --noheading --filter dangling=true --filter label=insatskatalog.stage=build \
    --format '{{.CreatedAt}}|{{.ID}}' 2>/dev/null | sort -r | tail -n +3 | cut -d'|' -f2)
  ((${#old[@]} == 0)) || podman rmi "${old[@]}" >/dev/null 2>&1 || true
}

cmd_build() {
  local version old_id new_id start=$SECONDS
  ensure_tools podman:podman
  resolve_bases
  version=${VERSION:-$(git -C "$root" describe --always --dirty 2>/dev/null || echo dev)}
  old_id=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  msg "building $IMAGE (version $version; bases $BUILD_BASE, $RUNTIME_BASE; isolation $ISOLATION)"
  # Authorities this host added (a TLS-inspecting proxy's) go to the web stage's npm (Containerfile).
  local trust=()
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null && [[ -s /etc/ssl/certs/ca-certificates.crt ]]; then
    trust=(--secret id=hostca,src=/etc/ssl/certs/ca-certificates.crt)
  fi
  podman build --isolation="$ISOLATION" --format docker --pull=never --layers \
    --build-arg BUILD_BASE="$BUILD_BASE" --build-arg RUNTIME_BASE="$RUNTIME_BASE" \
    --build-arg VERSION="$version" "${trust[@]}" \
    -f deploy/Containerfile -t "$IMAGE" . >&2 || die "podman build failed"
  new_id=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null) || die "$IMAGE missing after the build"
  # The previous build of this tag is now dangling: drop it (the layer cache stays).
  if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
    podman rmi "$old_id" >/dev/null 2>&1 || true
  fi
  prune_old_build_stages
  msg "built $IMAGE in $((SECONDS - start)) s"
  echo "image size: $(image_size_mb) MB"
}

# ---- test -------------------------------------------------------------------

passed=0
failed=0
record() { # name ok|fail [detail]
  if [[ $2 == ok ]]; then
    passed=$((passed + 1)); echo "ok - $1"
  else
    failed=$((failed + 1)); echo "not ok - $1${3:+: $3}"
  fi
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 12000))   # below the ephemeral range (32768-)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# The last lines of a command's output, without buildah's own exit reports.
detail() { grep -vE '^(subprocess exited|Error: exit status)' | tail -n "${1:-3}" | tr '\n' ' '; }

http_code() { curl -s -o "${2:-/dev/null}" -w '%{http_code}' --max-time 5 "$1" 2>/dev/null; }

RUNNER=
CTR=
SERVER_NAME=
runner_pid=
server_pid=
tmp=
pg_dir=

# podman run where it can start a container; buildah run (chroot) otherwise.
pick_runner() {
  local out
  if out=$(podman run --rm --network=host --entrypoint /bin/true "$IMAGE" 2>&1); then
    RUNNER=podman
    return 0
  fi
  echo "# podman run cannot start a container here ($(printf '%s\n' "$out" | tail -n 1)); using buildah run --isolation=chroot --network=host"
  ensure_tools buildah:buildah
  CTR=$(buildah from --pull-never --name "insatskatalog-image-test-$$" "$IMAGE" 2>&1) || {
    record "buildah from $IMAGE" fail "$CTR"; CTR=; return 1
  }
  RUNNER=buildah
}

# run_in [-d NAME] [VAR=value ...] -- command args...: runs in the image as its
# user (10001) on the host network, with only the given environment added.
run_in() {
  local name='' envs=() a
  if [[ $1 == -d ]]; then name=$2; shift 2; fi
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  if [[ $RUNNER == podman ]]; then
    local args=(--network=host --entrypoint "$1")
    for a in "${envs[@]}"; do args+=(--env "$a"); done
    if [[ -n $name ]]; then
      podman run --name "$name" --rm=false "${args[@]}" "$IMAGE" "${@:2}"
    else
      podman run --rm "${args[@]}" "$IMAGE" "${@:2}"
    fi
  else
    local args=(--isolation=chroot --network=host)
    for a in "${envs[@]}"; do args+=(--env "$a"); done
    buildah run "${args[@]}" "$CTR" -- "$@"
  fi
}

# The PID of the process called $2 among the descendants of PID $1.
descendant_named() {
  ps -eo pid=,ppid=,comm= | awk -v top="$1" -v want="$2" '
    { parent[$1] = $2; name[$1] = $3 }
    END {
      mine[top] = 1
      do { grew = 0; for (p in parent) if ((parent[p] in mine) && !(p in mine)) { mine[p] = 1; grew = 1 } } while (grew)
      for (p in mine) if (name[p] == want && p != top) { print p; exit }
    }'
}

test_cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null; fi
  if [[ -n $runner_pid ]] && kill -0 "$runner_pid" 2>/dev/null; then
    kill -TERM "$runner_pid" 2>/dev/null; wait "$runner_pid" 2>/dev/null
  fi
  [[ -z $SERVER_NAME ]] || podman rm -f "$SERVER_NAME" >/dev/null 2>&1
  [[ -z $CTR ]] || buildah rm "$CTR" >/dev/null 2>&1
  if [[ -n $pg_dir ]]; then
    "$root/deploy/pg.sh" stop "$pg_dir" >/dev/null 2>&1
    # pg.sh may have put the cluster elsewhere (its location file says where).
    [[ ! -f "$pg_dir/location" ]] || rm -rf "$(cat "$pg_dir/location")"
  fi
  [[ -z $tmp ]] || rm -rf "$tmp"
}

# Without DATABASE_URL: a throwaway PostgreSQL in $tmp/pg, like tests/run.sh's.
start_throwaway_pg() {
  local pg_port
  pg_port=$(free_port) || die "no free port found for PostgreSQL"
  pg_dir=$tmp/pg
  mkdir -p "$pg_dir"
  DATABASE_URL=$("$root/deploy/pg.sh" start "$pg_dir" "$pg_port" 2>"$tmp/pg.log" | tail -n 1) ||
    die "the throwaway PostgreSQL did not start: $(tail -n 3 "$tmp/pg.log")"
  echo "# throwaway PostgreSQL on port $pg_port"
}

cmd_test() {
  local out rc port code cfg start=$SECONDS
  ensure_tools curl:curl
  trap test_cleanup EXIT
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/insatskatalog-image.XXXXXX")
  [[ -n "${DATABASE_URL:-}" ]] || start_throwaway_pg

  if out=$(cmd_build 2>"$tmp/build.log"); then
    record "image builds ($out)" ok
  else
    record "image builds" fail "$(detail 5 <"$tmp/build.log")"
    echo "# $passed passed, $failed failed"
    return 1
  fi

  cfg=$(podman image inspect --format '{{.Config.User}}|{{json .Config.Healthcheck}}|{{json .Config.Env}}|{{json .Config.Entrypoint}}' "$IMAGE" 2>&1)
  if [[ $cfg == 10001:10001\|*insatskatalog\",\"healthcheck* && $cfg != *DATABASE_URL* ]]; then
    record "image runs as uid 10001, has the HEALTHCHECK and no baked-in DATABASE_URL" ok
  else
    record "image runs as uid 10001, has the HEALTHCHECK and no baked-in DATABASE_URL" fail "$cfg"
  fi

  pick_runner || { echo "# $passed passed, $failed failed"; return 1; }

  # Migrations run as the schema owner when there is one (MIGRATION_DATABASE_URL), the server as DATABASE_URL.
  local migration_url=${MIGRATION_DATABASE_URL:-$DATABASE_URL}
  if out=$(run_in "DATABASE_URL=$DATABASE_URL" "MIGRATION_DATABASE_URL=$migration_url" -- /usr/local/bin/insatskatalog-admin setup 2>&1) &&
    grep -q '^migrations: [0-9]* applied' <<<"$out"; then
    record "insatskatalog-admin setup in the image ($(grep '^migrations:' <<<"$out"))" ok
  else
    record "insatskatalog-admin setup in the image" fail "$(detail <<<"$out")"
  fi
  if out=$(run_in "DATABASE_URL=$DATABASE_URL" "MIGRATION_DATABASE_URL=$migration_url" -- /usr/local/bin/insatskatalog-admin migrate 2>&1) &&
    grep -q '^migrations: 0 applied' <<<"$out"; then
    record "a second migrate in the image applies nothing" ok
  else
    record "a second migrate in the image applies nothing" fail "$(detail <<<"$out")"
  fi

  port=$(free_port) || die "no free port found"
  if [[ $RUNNER == podman ]]; then
    SERVER_NAME=insatskatalog-image-test-$$
    run_in -d "$SERVER_NAME" "DATABASE_URL=$DATABASE_URL" "PORT=$port" "LOG_LEVEL=info" -- \
      /usr/local/bin/insatskatalog >"$tmp/server.log" 2>&1 &
  else
    run_in "DATABASE_URL=$DATABASE_URL" "PORT=$port" "LOG_LEVEL=info" -- \
      /usr/local/bin/insatskatalog >"$tmp/server.log" 2>&1 &
  fi
  runner_pid=$!

  code=
  for _ in $(seq 1 200); do
    code=$(http_code "http://127.0.0.1:$port/readyz")
    [[ $code == 200 ]] && break
    kill -0 "$runner_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ $code == 200 ]]; then
    record "the image's server answers GET /readyz with 200 (port $port)" ok
  else
    record "the image's server answers GET /readyz with 200 (port $port)" fail "got '${code:-no answer}'; $(detail <"$tmp/server.log")"
  fi

  code=$(http_code "http://127.0.0.1:$port/v1/methods/fft" "$tmp/fft.json")
  if [[ $code == 200 ]] && grep -q 'FFT' "$tmp/fft.json"; then
    record "GET /v1/methods/fft answers 200 with FFT" ok
  else
    record "GET /v1/methods/fft answers 200 with FFT" fail "got '${code:-no answer}'; $(head -c 200 "$tmp/fft.json" 2>/dev/null)"
  fi

  # The page and the API reference travel in the image (WEB_ROOT).
  page=$(curl -s -H 'Accept: text/html' "http://127.0.0.1:$port/" 2>/dev/null)
  docs=$(curl -s "http://127.0.0.1:$port/docs" 2>/dev/null)
  if grep -q '<html lang="sv"' <<<"$page" && grep -qi 'redoc' <<<"$docs"; then
    record "the image serves the page at / and the API reference at /docs" ok
  else
    record "the image serves the page at / and the API reference at /docs" fail "$(head -c 200 <<<"$page")"
  fi

  if out=$(run_in "DATABASE_URL=$DATABASE_URL" "PORT=$port" -- /usr/local/bin/insatskatalog healthcheck 2>&1); then
    record "insatskatalog healthcheck (the HEALTHCHECK command) exits 0 in the image" ok
  else
    record "insatskatalog healthcheck (the HEALTHCHECK command) exits 0 in the image" fail "$out"
  fi

  # SIGTERM to the server itself, then its exit status.
  if [[ $RUNNER == podman ]]; then
    podman kill --signal TERM "$SERVER_NAME" >/dev/null 2>&1
    rc=$(timeout 10 podman wait "$SERVER_NAME" 2>/dev/null) || rc=timeout
    wait "$runner_pid" 2>/dev/null
    runner_pid=
  else
    server_pid=$(descendant_named "$runner_pid" insatskatalog)
    if [[ -z $server_pid ]]; then
      rc="no server process found under buildah run (pid $runner_pid)"
    else
      uid=$(awk '/^Uid:/ { print $2 }' "/proc/$server_pid/status" 2>/dev/null)
      if [[ $uid == 10001 ]]; then record "the server process runs as uid 10001" ok
      else record "the server process runs as uid 10001" fail "uid ${uid:-unknown}"; fi
      kill -TERM "$server_pid"
      rc=timeout
      for _ in $(seq 1 100); do
        if ! kill -0 "$runner_pid" 2>/dev/null; then
          wait "$runner_pid"; rc=$?
          break
        fi
        sleep 0.1
      done
      [[ $rc == timeout ]] || runner_pid=
    fi
  fi
  if [[ $rc == 0 ]]; then
    record "SIGTERM stops the image's server with exit status 0 within 10 s" ok
  else
    record "SIGTERM stops the image's server with exit status 0 within 10 s" fail "status $rc; $(detail <"$tmp/server.log")"
  fi

  echo "# $passed passed, $failed failed ($RUNNER, $((SECONDS - start)) s)"
  ((failed == 0))
}

# deploy/fresh-check.sh sources this file for its base-image functions.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0
(($# == 1)) || usage
case $1 in
  build) cmd_build ;;
  test) cmd_test ;;
  *) usage ;;
esac
