#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS [keep]: runs every libFuzzer harness in
# build/fuzz/bin for SECONDS each, starting from its committed corpus in
# tests/fuzz/corpus/<name>/. With "keep" (make fuzz), inputs that reach new
# code are added to that corpus (commit them); otherwise (make test) they go
# to a throwaway directory. Prints one TAP-like line per harness; exits 1 if
# any harness found a crash, a leak or undefined behaviour (the input that
# did is kept and named).
set -uo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}
keep=${2:-}
tmp=$(mktemp -d /tmp/ik-fuzz.XXXXXX)
failed=0
for bin in build/fuzz/bin/fuzz_*; do
  name=${bin##*/}
  corpus=tests/fuzz/corpus/$name
  mkdir -p "$corpus" "$tmp/$name"
  if [ "$keep" = keep ]; then dirs=("$corpus"); else dirs=("$tmp/$name" "$corpus"); fi
  if "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$tmp/$name-" "${dirs[@]}" >"$tmp/$name.log" 2>&1; then
    runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$tmp/$name.log")
    echo "ok - fuzz: $name ($seconds s, ${runs:-?} inputs)"
  else
    failed=1
    echo "not ok - fuzz: $name: $(grep -m1 -E 'ERROR|runtime error|SUMMARY' "$tmp/$name.log")"
    for artifact in "$tmp/$name"-*; do echo "    input kept: $artifact"; done
    tail -n 30 "$tmp/$name.log" | sed 's/^/    /'
  fi
done
[ "$failed" -eq 0 ] && rm -rf "$tmp"
exit "$failed"
