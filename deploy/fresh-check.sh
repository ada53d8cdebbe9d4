#!/usr/bin/env bash
# deploy/fresh-check.sh: what `make fresh-check` does. Proves that the README's
# two commands work the first time on a machine that has never seen the
# project:
#
#   1. a bare Debian 12 container: the mmdebstrap minbase of deploy/image.sh
#      (made once, kept in its cache), run with `buildah run --isolation=chroot`
#      on the host network; only `make` is added, as a new user would have it;
#   2. a clean clone of this repository's HEAD (uncommitted changes are not
#      in it) copied into the container as /src;
#   3. `make run` (on free ports) until GET /v1/methods/fft answers 200, then
#      Ctrl-C (SIGINT to make's process group, as a terminal sends it): the
#      server and the local PostgreSQL must stop;
#   4. `make test` in the same container; its last line is reported.
#
# Output: one "ok - ..." / "not ok - ..." line per step, then
# "fresh-check: N passed, N failed (T s)". Exit status 0 only if all passed.
# The logs of make run and make test are kept in the directory it names.
#
# Slow (packages, Node.js, the whole build and test suite): not part of make
# test. Needs root (or sudo) to install buildah and mmdebstrap, Debian's
# mirror and the npm registry. Environment: RUN_TIMEOUT (s, default 1800) for
# the first answer of make run; KEEP_CONTAINER=1 keeps the container.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# Base-image functions (ensure_tools, lock_base, make_minbase_tar, free_port).
# shellcheck source=deploy/image.sh
. deploy/image.sh
root=$PWD

msg() { echo "fresh-check: $*" >&2; }
die() { echo "fresh-check: error: $*" >&2; exit 1; }

RUN_TIMEOUT=${RUN_TIMEOUT:-1800}
start=$SECONDS
ctr=
logs=$(mktemp -d "${TMPDIR:-/tmp}/insatskatalog-fresh-check.XXXXXX")

cleanup() {
  if [[ -n $ctr && ${KEEP_CONTAINER:-} != 1 ]]; then buildah rm "$ctr" >/dev/null 2>&1; fi
  rm -rf "$logs/src"
}
trap cleanup EXIT

ensure_tools buildah:buildah git:git
lock_base
make_minbase_tar
exec 8>&-

# A clean clone of HEAD, the way a new user gets the repository.
head=$(git -C "$root" rev-parse HEAD) || die "not a git checkout: $root"
git clone --quiet --no-hardlinks "$root" "$logs/src" && git -C "$logs/src" checkout --quiet --detach "$head" ||
  die "git clone of $root at $head failed"
msg "clean clone of $(git -C "$root" log -1 --format='%h %s' "$head" | cut -c1-70)"

ctr=$(buildah from --name "insatskatalog-fresh-check-$$" scratch) || die "buildah from scratch failed"
buildah add --quiet "$ctr" "$MINBASE_TAR" / >/dev/null || die "buildah add $MINBASE_TAR failed"
buildah copy --quiet "$ctr" "$logs/src" /src >/dev/null || die "buildah copy of the clone failed"
# A machine of this workplace trusts the certificate authorities this host
# has added (HTTPS to the npm registry passes through them): so does the
# container, once install-deps.sh installs ca-certificates.
trust=()
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  buildah copy --quiet "$ctr" /usr/local/share/ca-certificates /usr/local/share/ca-certificates >/dev/null ||
    die "buildah copy of /usr/local/share/ca-certificates failed"
  trust=(--env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
fi

port=$(free_port) && pg_port=$(free_port) || die "no free port found"

# Runs inside the container, as root (a fresh machine's first user here).
# Job control (set -m) gives `make run` its own process group, like a
# terminal's foreground job, so that SIGINT reaches make, deploy/run.sh and
# the server together, as Ctrl-C does.
inner='
set -um
cd /src
say() { echo "@@ $*"; }
t0=$SECONDS
if ! { apt-get -qq update && DEBIAN_FRONTEND=noninteractive apt-get -y -qq --no-install-recommends install make; } >/root/make.log 2>&1; then
  say "fail make-install $(tail -n 3 /root/make.log | tr "\n" " ")"; exit 1
fi

fft_answers() {
  local line
  { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || return 1
  printf "GET /v1/methods/fft HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3
  IFS= read -r -t 5 line <&3
  exec 3<&-
  [[ $line == "HTTP/1."?" 200 "* ]]
}

make run PORT=$PORT PG_PORT=$PG_PORT >/root/run.log 2>&1 &
run_pid=$!
answered=no
while ((SECONDS - t0 < RUN_TIMEOUT)); do
  if fft_answers; then answered=yes; break; fi
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 1
done
if [[ $answered == yes ]]; then
  say "ok run-answered $((SECONDS - t0))"
else
  say "fail run-answered $((SECONDS - t0)) $(tail -n 5 /root/run.log | tr "\n" " ")"
fi

kill -INT -- "-$run_pid" 2>/dev/null
stopped=no
for _ in $(seq 1 300); do
  if ! kill -0 "$run_pid" 2>/dev/null; then stopped=yes; break; fi
  sleep 0.1
done
rc=0; wait "$run_pid" || rc=$?
# The PID namespace is the host'"'"'s: ask the ports, not the process list.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
server_state=stopped pg_state=stopped
listening "$PORT" && server_state=running
listening "$PG_PORT" && pg_state=running
if [[ $stopped == yes && $server_state == stopped && $pg_state == stopped ]] &&
   grep -q "received SIGINT\|received SIGTERM" /root/run.log && grep -q "insatskatalog stopped" /root/run.log; then
  say "ok ctrl-c $rc"
else
  say "fail ctrl-c $rc make-stopped=$stopped server=$server_state postgresql=$pg_state"
fi

t1=$SECONDS
make test >/root/test.log 2>&1
rc=$?
summary=$(grep -E "^[0-9]+ passed, [0-9]+ failed" /root/test.log | tail -n 1)
if [[ $rc == 0 ]]; then say "ok test $((SECONDS - t1)) $summary"
else say "fail test $((SECONDS - t1)) exit $rc: ${summary:-no summary line}"; fi
'

msg "running make run, then make test, in the container $ctr (PORT=$port PG_PORT=$pg_port); logs in $logs"
buildah run --isolation=chroot --network=host \
  --env PORT="$port" --env PG_PORT="$pg_port" --env RUN_TIMEOUT="$RUN_TIMEOUT" \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${trust[@]}" \
  "$ctr" -- bash -c "$inner" >"$logs/steps.log" 2>&1
for f in make.log run.log test.log; do
  buildah run --isolation=chroot "$ctr" -- cat "/root/$f" >"$logs/$f" 2>/dev/null
done

passed=0 failed=0
report() { # ok|fail text
  if [[ $1 == ok ]]; then passed=$((passed + 1)); echo "ok - $2"
  else failed=$((failed + 1)); echo "not ok - $2"; fi
}
step() { grep -m1 "^@@ [a-z]* $1" "$logs/steps.log"; }

line=$(step run-answered)
read -r _ state _ secs rest <<<"$line"
if [[ -n $line ]]; then
  report "$state" "make run answers GET /v1/methods/fft with 200 after ${secs} s (packages, build, setup)${rest:+: $rest}"
else
  report fail "make run did not report (see $logs/steps.log)"
fi
line=$(step ctrl-c)
read -r _ state _ rc rest <<<"$line"
if [[ -n $line ]]; then
  report "$state" "Ctrl-C stops make run (exit $rc), the server and the local PostgreSQL${rest:+: $rest}"
else
  report fail "Ctrl-C step did not report"
fi
line=$(step test)
read -r _ state _ secs rest <<<"$line"
if [[ -n $line ]]; then
  report "$state" "make test in ${secs} s: $rest"
else
  report fail "make test did not report (see $logs/steps.log)"
fi
echo "fresh-check: $passed passed, $failed failed ($((SECONDS - start)) s; logs in $logs)"
((failed == 0))
