#!/usr/bin/env bash
# tests/readme/run.sh: runs the marked shell blocks of a Markdown file, so the
# commands a reader copies stay true (README.md's walk-through, the backup and
# restore of deploy/OPERATIONS.md).
#
#   tests/readme/run.sh FILE
#   tests/readme/run.sh          README.md against BASE_URL, then the backup
#                                and restore of deploy/OPERATIONS.md against
#                                DATABASE_URL (restored into a new database
#                                beside it), as tests/run.sh calls it
#
# A fenced block right after the line `<!-- readme-test: run -->` is run; the
# blocks of a file run in order in one bash session (variables carry over),
# in RUN_DIR (default: the repository root). A fenced block right after
# `<!-- readme-test: expect -->` holds what the run block before it must
# print: each non-blank line must match a whole line of its output, where
# "…" stands for any text (trailing spaces are ignored). A run block without
# one must exit 0. When BASE_URL is set, http://localhost:8080 in the
# commands becomes BASE_URL (the test server instead of `make run`'s).
#
# Output: TAP lines ("ok N - ..." / "not ok N - ..."), one per run block,
# with what was expected and what came for a failure. Exit 1 if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ $# -eq 0 ]; then
  : "${BASE_URL:?BASE_URL (the test server) is needed}" "${DATABASE_URL:?DATABASE_URL is needed}"
  "$0" "$root/README.md"; readme=$?
  # As the guide says: the administrator (tests/run.sh's SUPERUSER_URL) creates an empty
  # database owned by insatskatalog_owner, and the owner dumps and restores. DATABASE_URL is
  # the application role, which may create no database.
  owner_url=${MIGRATION_DATABASE_URL:-$DATABASE_URL}
  admin_url=${SUPERUSER_URL:-$owner_url}
  owner_clause=
  [ -z "${SUPERUSER_URL:-}" ] || owner_clause='OWNER insatskatalog_owner'
  restore_url=${owner_url%/*}/readme_restore
  psql "$admin_url" -Xq -c 'DROP DATABASE IF EXISTS readme_restore' \
    -c "CREATE DATABASE readme_restore $owner_clause" 2>/dev/null
  ops_dir=$(mktemp -d /tmp/ik-ops.XXXXXX)
  PATH=$root/build:$PATH SQL_DIR=$root/sql RUN_DIR=$ops_dir MIGRATION_DATABASE_URL=$owner_url \
    RESTORE_DATABASE_URL=$restore_url "$0" "$root/deploy/OPERATIONS.md"; ops=$?
  rm -rf "$ops_dir"
  psql "$admin_url" -Xq -c 'DROP DATABASE IF EXISTS readme_restore' 2>/dev/null
  [ "$readme" -eq 0 ] && [ "$ops" -eq 0 ]
  exit
fi
file=$1
[ -f "$file" ] || { echo "not ok 1 - $file does not exist"; exit 1; }
work=$(mktemp -d /tmp/ik-readme.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Split the marked blocks into run_N and expect_N.
awk -v dir="$work" '
  /^<!-- readme-test: run -->$/    { want = "run"; next }
  /^<!-- readme-test: expect -->$/ { want = "expect"; next }
  /^```/ {
    if (infence) { infence = 0; if (out != "") { close(out); out = "" }; next }
    infence = 1
    if (want != "") { if (want == "run") n++; out = dir "/" want "_" n; printf "" > out; want = "" }
    next
  }
  infence && out != "" { print > out }
' "$file"

blocks=$(find "$work" -name 'run_*' | wc -l)
if [ "$blocks" -eq 0 ]; then echo "not ok 1 - $file has no marked blocks"; exit 1; fi

# One driver script: each block's output and exit status to its own files.
{
  for i in $(seq 1 "$blocks"); do
    echo "{"
    if [ -n "${BASE_URL:-}" ]; then sed "s|http://localhost:8080|$BASE_URL|g" "$work/run_$i"; else cat "$work/run_$i"; fi
    echo "} >'$work/out_$i' 2>&1 </dev/null; echo \$? >'$work/status_$i'"
  done
} >"$work/driver.sh"
(cd "${RUN_DIR:-$root}" && bash "$work/driver.sh" >/dev/null 2>&1)

# A line of an expect block as an anchored extended regular expression.
line_regex() {
  printf '%s' "$1" | sed -e 's/[]\/$*.^|[(){}+?]/\\&/g' -e 's/…/.*/g' -e 's/^/^/' -e 's/$/[[:space:]]*$/'
}

failed=0
for i in $(seq 1 "$blocks"); do
  first=$(grep -m 1 -v '^[[:space:]]*$' "$work/run_$i" | cut -c 1-70)
  problems=()
  if [ -f "$work/expect_$i" ]; then
    while IFS= read -r want; do
      [ -z "${want//[[:space:]]/}" ] && continue
      grep -qE -- "$(line_regex "$want")" "$work/out_$i" 2>/dev/null || problems+=("missing: $want")
    done <"$work/expect_$i"
  elif [ "$(cat "$work/status_$i" 2>/dev/null)" != 0 ]; then
    problems+=("exit status $(cat "$work/status_$i" 2>/dev/null || echo none)")
  fi
  if [ "${#problems[@]}" -eq 0 ]; then
    echo "ok $i - ${file##*/} block $i: $first"
  else
    failed=$((failed + 1))
    echo "not ok $i - ${file##*/} block $i: $first"
    printf '# %s\n' "${problems[@]}"
    sed 's/^/# output: /' "$work/out_$i" | head -n 15
  fi
done
[ "$failed" -eq 0 ]
