#!/usr/bin/env bash
# tests/run.sh: what `make test` does after building.
#
# Starts a throwaway PostgreSQL and the real server binary on free ports
# (so a taken 8080 or 55432 does not matter), then runs the unit tests
# (plain and under ASan+UBSan), the HTTP tests, the page in a real browser
# (tests/browser; "skip" where Chromium cannot be installed), the OpenAPI lint, a clean
# SIGTERM stop and, when podman is present, the image test. Results are read
# as TAP; the last line is "N passed, N failed".
set -uo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
root=$PWD

tmp=$(mktemp -d /tmp/ik-test.XXXXXX)
pg_dir=$tmp/pg
server_pid=
passed=0
failed=0
skipped=0

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  deploy/pg.sh stop "$pg_dir" >/dev/null 2>&1
  # pg.sh may have put the cluster elsewhere (see deploy/pg.sh); it is throwaway too.
  [ -f "$pg_dir/location" ] && [ "${KEEP_TEST_DIR:-}" != 1 ] && rm -rf "$(cat "$pg_dir/location")"
  if [ "$failed" -gt 0 ] || [ "${KEEP_TEST_DIR:-}" = 1 ]; then
    echo "test: logs kept in $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 12000))   # below the ephemeral range (32768-), so no client socket holds it
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# One result line per check, counted below.
record() { # name ok|fail [detail]
  if [ "$2" = ok ]; then
    passed=$((passed + 1)); echo "ok - $1"
  else
    failed=$((failed + 1)); echo "not ok - $1${3:+: $3}"
  fi
}

# Runs a cmocka binary with TAP output and counts its results. A binary that
# dies before reporting (a sanitizer abort, a crash) counts as one failure.
run_tap() { # label binary
  local out rc ok bad skip
  out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$2" 2>&1); rc=$?
  echo "# $1"
  printf '%s\n' "$out" | grep -E '^(not )?ok |^# |ERROR|runtime error|Sanitizer' | grep -v '^# \(not \)\?ok - ' | sed 's/^/    /'
  ok=$(printf '%s\n' "$out" | grep -cE '^ok [0-9]+')
  # cmocka writes a skipped test as "not ok N # SKIP name": a skip, not a failure.
  skip=$(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+ # SKIP')
  bad=$(( $(printf '%s\n' "$out" | grep -cE '^not ok [0-9]+') - skip ))
  if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
    bad=1
    printf '%s\n' "$out" | tail -n 20 | sed 's/^/    /'
  fi
  passed=$((passed + ok)); failed=$((failed + bad)); skipped=$((skipped + skip))
}

wait_for_http() { # url seconds
  for _ in $(seq 1 $(($2 * 10))); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

pg_port=$(free_port) && http_port=$(free_port) || { echo "test: no free port found" >&2; exit 1; }
mkdir -p "$pg_dir"
if ! SUPERUSER_URL=$(deploy/pg.sh start "$pg_dir" "$pg_port" | tail -n 1); then
  echo "test: the throwaway PostgreSQL did not start" >&2; exit 1
fi
# As in production: the server (and the API tests' own connection) use the
# app role, the migrations the schema owner (sql/0014_roles.sql).
DATABASE_URL=${SUPERUSER_URL/postgres@/insatskatalog_app@}
MIGRATION_DATABASE_URL=${SUPERUSER_URL/postgres@/insatskatalog_owner@}
export DATABASE_URL MIGRATION_DATABASE_URL SUPERUSER_URL
# Every server here rate-limits, but so generously that the API tests, which
# send thousands of requests from 127.0.0.1, never meet it; the rate-limit
# test has a server of its own with tight limits.
export RATE_LIMIT_BURST=1000000 RATE_LIMIT_PER_SECOND=1000000
echo "test: PostgreSQL on port $pg_port, server on port $http_port, files in $tmp"

if build/insatskatalog-admin setup >"$tmp/setup.log" 2>&1; then record "migrations and reference data load" ok
else record "migrations and reference data load" fail "$(tail -n 3 "$tmp/setup.log")"; fi
if build/insatskatalog-admin migrate | grep -q ' 0 applied'; then record "a second migrate applies nothing" ok
else record "a second migrate applies nothing" fail; fi

# Keys for the write tests: one of each kind a client can hold or have lost.
make_key() { build/insatskatalog-admin key create "$@" | tail -n 1; }
ADMIN_KEY=$(make_key test-admin admin)
MUNICIPALITY_KEY=$(make_key test-municipality-0381 municipality:0381)
EXPIRED_KEY=$(make_key test-expired admin 2000-01-01T00:00:00Z)
REVOKED_KEY=$(make_key test-revoked admin)
build/insatskatalog-admin key revoke test-revoked >/dev/null
export ADMIN_KEY MUNICIPALITY_KEY EXPIRED_KEY REVOKED_KEY
if [ -n "$ADMIN_KEY" ] && [ -n "$MUNICIPALITY_KEY" ] && [ -n "$EXPIRED_KEY" ] && [ -n "$REVOKED_KEY" ]; then
  record "the admin command creates and revokes API keys" ok
else record "the admin command creates and revokes API keys" fail; fi
if build/insatskatalog-admin key list | grep -q 'test-revoked .*revoked' \
   && ! build/insatskatalog-admin key list | grep -qF -- "${ADMIN_KEY#ik_*_}"; then
  record "key list shows states and never a secret" ok
else record "key list shows states and never a secret" fail; fi

# The main server, which the API tests run against, is the one built with
# AddressSanitizer and UBSan (make test builds it; the plain one when absent):
# a memory error or undefined behaviour a request provokes stops it and is
# reported below. The other servers here are the plain build.
server_bin=build/insatskatalog
[ -x build/asan/insatskatalog ] && server_bin=build/asan/insatskatalog
PORT=$http_port OPENAPI_PATH=openapi.yaml LOG_LEVEL=info ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
  UBSAN_OPTIONS=print_stacktrace=1 "$server_bin" >"$tmp/server.log" 2>&1 &
server_pid=$!
if wait_for_http "http://127.0.0.1:$http_port/readyz" 20; then record "server starts and is ready" ok
else record "server starts and is ready" fail "$(tail -n 5 "$tmp/server.log")"; fi
export BASE_URL=http://127.0.0.1:$http_port

# Binaries of the sources that exist (a renamed or split test leaves a stale binary in build/).
for src in tests/unit/test_*.c; do t=${src##*/}; run_tap "unit: ${t%.c}" "build/tests/unit/${t%.c}"; done
for src in tests/unit/test_*.c; do t=${src##*/}; run_tap "unit under ASan+UBSan: ${t%.c}" "build/asan/tests/unit/${t%.c}"; done

# The libFuzzer harnesses (tests/fuzz), a few seconds each from their corpora.
if compgen -G 'build/fuzz/bin/fuzz_*' >/dev/null; then
  while IFS= read -r line; do
    case $line in
      "ok - "*) record "${line#ok - }" ok ;;
      "not ok - "*) record "${line#not ok - }" fail ;;
      *) echo "$line" ;;
    esac
  done < <(tests/fuzz/run.sh "${FUZZ_TEST_SECONDS:-5}")
fi
for src in tests/api/test_*.c; do
  t=${src##*/}; t=${t%.c}
  case $t in test_database_outage | test_statement_timeout | test_connection_abuse | test_rate_limit) continue ;; esac
  run_tap "api: $t" "build/tests/api/$t"
done
if [ -x build/tests/api/test_database_outage ]; then
  PG_STOP_CMD="$root/deploy/pg.sh stop $pg_dir" PG_START_CMD="$root/deploy/pg.sh start $pg_dir $pg_port" \
    run_tap "api: test_database_outage" build/tests/api/test_database_outage
fi

# The limits server: a tiny statement_timeout (a read it cannot finish in time
# is a 503 with Retry-After instead of a hang), a 3 s request deadline and no
# per-address limit, so one address can hold 1,500 trickling connections.
limits_port=$(free_port)
# Its DATABASE_URL names an application_name and options of its own, which the server must keep.
PORT=$limits_port CACHE_MIB=0 DB_STATEMENT_TIMEOUT_MS=300 DB_LOCK_TIMEOUT_MS=0 HTTP_REQUEST_TIMEOUT_S=3 \
  HTTP_PER_ADDRESS_CONNECTION_LIMIT=0 OPENAPI_PATH=openapi.yaml \
  DATABASE_URL="$DATABASE_URL?application_name=ik-limits&options=-c%20work_mem%3D7MB" \
  build/insatskatalog >"$tmp/server-limits.log" 2>&1 &
limits_pid=$!
if wait_for_http "http://127.0.0.1:$limits_port/readyz" 20; then
  curl -fsS -o /dev/null "http://127.0.0.1:$limits_port/v1/methods/fft"
  sessions=$(psql "$SUPERUSER_URL" -XAtc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ik-limits'")
  if [ "${sessions:-0}" -ge 1 ] && curl -fsS -o /dev/null "http://127.0.0.1:$limits_port/v1/methods/fft"; then
    record "DATABASE_URL's application_name and options are kept (merged with the server's own)" ok
  else record "DATABASE_URL's application_name and options are kept (merged with the server's own)" fail \
    "sessions named ik-limits: ${sessions:-none}"; fi
  BASE_URL=http://127.0.0.1:$limits_port run_tap "api: test_statement_timeout" build/tests/api/test_statement_timeout
  BASE_URL=http://127.0.0.1:$limits_port TRICKLE_DEADLINE_S=3 \
    run_tap "api: test_connection_abuse (1,500 held, request deadline)" build/tests/api/test_connection_abuse
else record "a server with DB_STATEMENT_TIMEOUT_MS=300 starts" fail "$(tail -n 3 "$tmp/server-limits.log")"; fi
kill -TERM "$limits_pid" 2>/dev/null; wait "$limits_pid" 2>/dev/null
PER_ADDRESS_LIMIT=64 run_tap "api: test_connection_abuse (per-address limit)" build/tests/api/test_connection_abuse

# Rate limits, tight: 10 tokens, 1 a second, 5 for a read that reaches PostgreSQL.
ratelimit_port=$(free_port)
# It also restricts /metrics with METRICS_TOKEN.
metrics_token=metrics-$RANDOM$RANDOM$RANDOM$RANDOM
PORT=$ratelimit_port RATE_LIMIT_BURST=10 RATE_LIMIT_PER_SECOND=1 RATE_LIMIT_EXPENSIVE_COST=5 \
  TRUSTED_PROXIES='192.0.2.1, 127.0.0.4/31' \
  METRICS_TOKEN=$metrics_token OPENAPI_PATH=openapi.yaml build/insatskatalog >"$tmp/server-ratelimit.log" 2>&1 &
ratelimit_pid=$!
if wait_for_http "http://127.0.0.1:$ratelimit_port/readyz" 20; then
  BASE_URL=http://127.0.0.1:$ratelimit_port run_tap "api: test_rate_limit" build/tests/api/test_rate_limit
  without=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ratelimit_port/metrics")
  wrong=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer not-$metrics_token" "http://127.0.0.1:$ratelimit_port/metrics")
  curl -s -H "Authorization: Bearer $metrics_token" "http://127.0.0.1:$ratelimit_port/metrics" >"$tmp/metrics-ratelimit.txt"
  with=$(grep -c '^insatskatalog_build_info' "$tmp/metrics-ratelimit.txt")
  if [ "$without" = 401 ] && [ "$wrong" = 401 ] && [ "$with" = 1 ]; then
    record "METRICS_TOKEN: /metrics answers 401 without the token or with another, the metrics with it" ok
  else record "METRICS_TOKEN: /metrics answers 401 without the token or with another, the metrics with it" fail \
    "without $without, wrong $wrong, with $with"; fi
  # test_rate_limit was refused on /v1/methods/fft: /metrics names the 429s as such.
  if grep -q '^insatskatalog_http_requests_total{method="GET",route="/v1/methods/{slug}",status="429"} [1-9]' \
       "$tmp/metrics-ratelimit.txt"; then
    record "/metrics counts the rate limit's refusals as status 429" ok
  else record "/metrics counts the rate limit's refusals as status 429" fail \
    "$(grep 'route="/v1/methods/{slug}"' "$tmp/metrics-ratelimit.txt" | grep requests_total)"; fi
else record "a server with tight rate limits starts" fail "$(tail -n 3 "$tmp/server-ratelimit.log")"; fi
kill -TERM "$ratelimit_pid" 2>/dev/null; wait "$ratelimit_pid" 2>/dev/null

# Two replicas, one truth: a write through one is seen through the other,
# with the same new ETag, as soon as PostgreSQL's NOTIFY has reached it.
# Another process may take a port between free_port and the bind: try a few.
for _ in 1 2 3; do
  second_port=$(free_port)
  PORT=$second_port OPENAPI_PATH=openapi.yaml LOG_FORMAT=json build/insatskatalog >"$tmp/server2.log" 2>&1 &
  second_pid=$!
  sleep 0.3
  kill -0 "$second_pid" 2>/dev/null && break
done
if wait_for_http "http://127.0.0.1:$second_port/readyz" 20; then
  etag_of() { curl -fsS -D - -o /dev/null "$1" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }'; }
  method_b=http://127.0.0.1:$second_port/v1/methods/komet
  before=$(etag_of "$method_b"); etag_of "$method_b" >/dev/null   # the second read is a cache hit
  current=$(etag_of "$BASE_URL/v1/methods/komet")
  note="Replikatest $RANDOM"
  curl -fsS -o "$tmp/patch.json" -X PATCH "$BASE_URL/v1/methods/komet" -H "Authorization: Bearer $ADMIN_KEY" \
    -H "Content-Type: application/merge-patch+json" -H "If-Match: $current" -d "{\"availability_note\":\"$note\"}"
  written=$(etag_of "$BASE_URL/v1/methods/komet")
  seen=fail
  for attempt in $(seq 1 50); do   # normally the first attempt; allow up to 0.5 s of NOTIFY delay
    after=$(etag_of "$method_b")
    if [ "$after" = "$written" ] && [ "$after" != "$before" ] && curl -fsS "$method_b" | grep -qF "$note"; then
      seen=ok; break
    fi
    sleep 0.01
  done
  record "a write through one replica is seen through another with the new ETag (attempt $attempt)" "$seen"
  if grep -q '"event":"request","method":"GET","path":"/v1/methods/komet","status":200' "$tmp/server2.log" \
     && head -n 1 "$tmp/server2.log" | grep -q '^{"time":'; then
    record "LOG_FORMAT=json writes one JSON object per line" ok
  else record "LOG_FORMAT=json writes one JSON object per line" fail "$(head -n 2 "$tmp/server2.log")"; fi
  curl -fsS "http://127.0.0.1:$second_port/metrics" >"$tmp/metrics.txt"
  if grep -q '^insatskatalog_http_requests_total{method="GET",route="/v1/methods/{slug}",status="200"} [1-9]' "$tmp/metrics.txt" \
     && grep -q '^insatskatalog_http_request_duration_seconds_bucket{method="GET",route="/v1/methods/{slug}",le="+Inf"}' "$tmp/metrics.txt" \
     && grep -q '^insatskatalog_db_pool_connections{state="in_use"}' "$tmp/metrics.txt" \
     && grep -q '^insatskatalog_build_info{version=' "$tmp/metrics.txt" \
     && ! grep -q 'route="/v1/methods/komet"' "$tmp/metrics.txt"; then
    record "/metrics counts requests by route template and status, with latency, pool and build" ok
  else record "/metrics counts requests by route template and status, with latency, pool and build" fail; fi
else
  record "a second replica starts on the same database" fail "$(tail -n 3 "$tmp/server2.log")"
fi
kill -TERM "$second_pid" 2>/dev/null; wait "$second_pid" 2>/dev/null

# A real streaming replica (pg_basebackup) for DATABASE_READ_URL. With its
# replay paused, a plain read shows the replica's older data (so reads do go
# there), while a read that sends the X-Consistency-LSN of the write sees it.
replica_dir=$tmp/replica
replica_port=$(free_port)
mkdir -p "$replica_dir"
if REPLICA_URL=$(deploy/pg.sh replica "$replica_dir" "$pg_port" "$replica_port" 2>"$tmp/replica.log" | tail -n 1); then
  read_port=$(free_port)
  PORT=$read_port CACHE_MIB=0 DATABASE_READ_URL=${REPLICA_URL/postgres@/insatskatalog_app@} OPENAPI_PATH=openapi.yaml build/insatskatalog \
    >"$tmp/server-replica.log" 2>&1 &
  read_pid=$!
  if wait_for_http "http://127.0.0.1:$read_port/readyz" 20; then
    read_base=http://127.0.0.1:$read_port
    psql "$REPLICA_URL" -XAtqc 'SELECT pg_wal_replay_pause()' >/dev/null
    etag=$(curl -fsS -D - -o /dev/null "$read_base/v1/methods/cope" | tr -d '\r' | awk 'tolower($1) == "etag:" { print $2 }')
    note="Replik $RANDOM"
    lsn=$(curl -fsS -D - -o /dev/null -X PATCH "$read_base/v1/methods/cope" -H "Authorization: Bearer $ADMIN_KEY" \
      -H "Content-Type: application/merge-patch+json" -H "If-Match: $etag" -d "{\"availability_note\":\"$note\"}" \
      | tr -d '\r' | awk 'tolower($1) == "x-consistency-lsn:" { print $2 }')
    plain=$(curl -fsS "$read_base/v1/methods/cope")
    consistent=$(curl -fsS -H "X-Consistency-LSN: $lsn" "$read_base/v1/methods/cope")
    if [ -n "$lsn" ] && ! grep -qF "$note" <<<"$plain"; then record "plain reads go to the read replica" ok
    else record "plain reads go to the read replica" fail "lsn=$lsn"; fi
    if grep -qF "$note" <<<"$consistent"; then record "a read with the write's X-Consistency-LSN sees the write" ok
    else record "a read with the write's X-Consistency-LSN sees the write" fail; fi
    psql "$REPLICA_URL" -XAtqc 'SELECT pg_wal_replay_resume()' >/dev/null
    caught_up=fail
    for _ in $(seq 1 100); do curl -fsS "$read_base/v1/methods/cope" | grep -qF "$note" && { caught_up=ok; break; }; sleep 0.05; done
    record "the replica catches up once replay resumes" "$caught_up"
    # The replica goes away: reads fall back to the primary, /readyz stays 200
    # and says so, /metrics and the log too; once it is back, reads return to it.
    deploy/pg.sh stop "$replica_dir" >/dev/null 2>&1
    fallback=ok
    for path in /v1/methods/cope /v1/methods /v1/search?q=familj; do
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$read_base$path")
      [ "$code" = 200 ] || { fallback=fail; echo "    # $path answered $code with the replica stopped"; }
    done
    record "with the read replica stopped, reads still answer 200 (from the primary)" "$fallback"
    ready=$(curl -s -w ' %{http_code}' --max-time 3 "$read_base/readyz")
    if [ "$ready" = '{"status":"ready","database":"ok","read_replica":"away"} 200' ]; then
      record "with the read replica stopped, /readyz answers 200 and reports it away" ok
    else record "with the read replica stopped, /readyz answers 200 and reports it away" fail "$ready"; fi
    metrics=$(curl -fsS "$read_base/metrics")
    if grep -q '^insatskatalog_db_read_replica_up 0$' <<<"$metrics" \
       && grep -q '^insatskatalog_db_read_replica_fallbacks_total [1-9]' <<<"$metrics" \
       && grep -q 'the read replica does not answer; reads go to the primary' "$tmp/server-replica.log"; then
      record "the replica's absence shows in /metrics and the log" ok
    else record "the replica's absence shows in /metrics and the log" fail "$(grep replica <<<"$metrics" | tr '\n' ' ')"; fi
    deploy/pg.sh replica "$replica_dir" "$pg_port" "$replica_port" >/dev/null 2>>"$tmp/replica.log"
    back=fail
    for _ in $(seq 1 40); do   # the replica is tried again every 5 s
      curl -fsS -o /dev/null "$read_base/v1/methods/cope"
      if curl -fsS "$read_base/readyz" | grep -q '"read_replica":"ok"' \
         && grep -q 'the read replica answers again' "$tmp/server-replica.log"; then back=ok; break; fi
      sleep 0.25
    done
    record "reads return to the read replica once it answers again" "$back"
  else
    record "the server starts with DATABASE_READ_URL" fail "$(tail -n 3 "$tmp/server-replica.log")"
  fi
  kill -TERM "$read_pid" 2>/dev/null; wait "$read_pid" 2>/dev/null
else
  record "a streaming replica starts (pg_basebackup)" fail "$(tail -n 3 "$tmp/replica.log")"
fi
deploy/pg.sh stop "$replica_dir" >/dev/null 2>&1
[ -f "$replica_dir/location" ] && [ "${KEEP_TEST_DIR:-}" != 1 ] && rm -rf "$(cat "$replica_dir/location")"

# /readyz does not queue behind a busy pool: with the one pooled connection
# held by a read that waits on a lock, it still answers within a probe's 3 s.
busy_port=$(free_port)
PORT=$busy_port DB_POOL_SIZE=1 CACHE_MIB=0 OPENAPI_PATH=openapi.yaml build/insatskatalog >"$tmp/server-busy.log" 2>&1 &
busy_pid=$!
if wait_for_http "http://127.0.0.1:$busy_port/readyz" 20; then
  psql "$DATABASE_URL" -Xq -c 'BEGIN' -c 'LOCK TABLE methods IN ACCESS EXCLUSIVE MODE' -c 'SELECT pg_sleep(4)' \
    -c 'COMMIT' >/dev/null 2>&1 &
  lock_pid=$!
  sleep 0.5
  curl -s -o /dev/null --max-time 10 "http://127.0.0.1:$busy_port/v1/methods" &
  blocked_pid=$!
  sleep 0.5
  in_use=$(curl -s --max-time 3 "http://127.0.0.1:$busy_port/metrics" | awk '/^insatskatalog_db_pool_connections\{state="in_use"\}/ { print $2 }')
  ready=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$busy_port/readyz")
  wait "$lock_pid" "$blocked_pid"
  if [ "$in_use" = 1 ] && [ "$ready" = 200 ]; then record "/readyz answers 200 while the whole pool is busy" ok
  else record "/readyz answers 200 while the whole pool is busy" fail "pool in use $in_use, readyz $ready"; fi
else
  record "a server with DB_POOL_SIZE=1 starts" fail "$(tail -n 3 "$tmp/server-busy.log")"
fi
kill -TERM "$busy_pid" 2>/dev/null; wait "$busy_pid" 2>/dev/null

# The README's walk-through and the operator guide's backup and restore, run as a reader would.
run_tap "readme: README.md and deploy/OPERATIONS.md commands" tests/readme/run.sh

# Kubernetes manifests against the Kubernetes schemas.
if tests/k8s/validate.sh >"$tmp/k8s.log" 2>&1; then record "deploy/k8s manifests pass the Kubernetes schema validation" ok
else record "deploy/k8s manifests pass the Kubernetes schema validation" fail "$(grep 'not ok' "$tmp/k8s.log" | head -n 3)"; fi

# The web page and /docs in a real browser (tests/browser): Debian's chromium,
# installed by deploy/install-browser.sh, or "skip" with the reason it gives.
if browser=$(deploy/install-browser.sh 2>>"$tmp/browser.log" | tail -n 1) && [ -x "$browser" ]; then
  export CHROMIUM=$browser SCREENSHOTS=$root/build/browser
  run_tap "browser: tests/browser/page.test.mjs (screenshots in build/browser)" tests/browser/run.sh
else
  skipped=$((skipped + 1))
  echo "skip - browser test: ${browser:-deploy/install-browser.sh failed}"
fi

# Migrations run once however many replicas start at once (an advisory lock).
psql "$SUPERUSER_URL" -Xq -c 'CREATE DATABASE concurrent_migrations OWNER insatskatalog_owner' 2>/dev/null
fresh_url=${MIGRATION_DATABASE_URL%/*}/concurrent_migrations
for i in 1 2 3 4; do
  DATABASE_URL=$fresh_url MIGRATION_DATABASE_URL=$fresh_url build/insatskatalog-admin migrate >"$tmp/migrate$i.log" 2>&1 &
done
migrate_ok=ok
for job in $(jobs -p); do [ "$job" = "$server_pid" ] && continue; wait "$job" || migrate_ok=fail; done
applied=$(cat "$tmp"/migrate?.log | grep -c '^applied ')
files=$(ls sql/[0-9][0-9][0-9][0-9]_*.sql | wc -l)
rows=$(psql "$fresh_url" -XAtc 'SELECT count(*), count(DISTINCT version) FROM schema_migrations')
[ "$applied" -eq "$files" ] && [ "$rows" = "$files|$files" ] || migrate_ok=fail
record "four concurrent migrators apply each of $files migrations exactly once" "$migrate_ok"

# A request log line per request, and never a SQL message in a response (checked by the API tests).
if grep -q 'request method=GET path="/v1/methods" status=200' "$tmp/server.log"; then
  record "one log line per request with method, path, status and duration" ok
else record "one log line per request with method, path, status and duration" fail; fi

# Secrets must never reach the log or the database.
leaked=ok
pg_dump --data-only "$SUPERUSER_URL" >"$tmp/dump.sql" 2>/dev/null && grep -q 'COPY public.api_keys' "$tmp/dump.sql" || leaked=fail
for key in "$ADMIN_KEY" "$MUNICIPALITY_KEY"; do
  # Keys are ik_<id>_<secret>, and a base64url secret may itself hold "_": cut after the id.
  secret=${key#ik_*_}
  grep -qF -- "$secret" "$tmp/server.log" "$tmp/dump.sql" && leaked=fail
done
record "no API key secret appears in the log or the database" "$leaked"

kill -TERM "$server_pid"
stopped=fail
for _ in $(seq 1 100); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid"; rc=$?
    [ "$rc" -eq 0 ] && stopped=ok
    break
  fi
  sleep 0.1
done
server_pid=
record "SIGTERM stops the server cleanly with exit status 0" "$stopped"
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/server.log"; then
  record "the server ($server_bin) saw no memory error, leak or undefined behaviour" fail \
    "$(grep -m1 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$tmp/server.log")"
else record "the server ($server_bin) saw no memory error, leak or undefined behaviour" ok; fi

if PORT=$http_port DATABASE_URL=$DATABASE_URL build/insatskatalog healthcheck; then
  record "healthcheck fails once the server is gone" fail
else record "healthcheck fails once the server is gone" ok; fi

if PORT=80x build/insatskatalog 2>"$tmp/config.err"; then record "a bad PORT is refused at start" fail
elif grep -q 'PORT must be an integer' "$tmp/config.err"; then record "a bad PORT is refused at start" ok
else record "a bad PORT is refused at start" fail "$(cat "$tmp/config.err")"; fi

if tests/lint/lint.sh >"$tmp/lint.log" 2>&1; then record "openapi.yaml passes the OpenAPI linter" ok
else record "openapi.yaml passes the OpenAPI linter" fail "$(tail -n 5 "$tmp/lint.log")"; fi

if command -v podman >/dev/null 2>&1 && [ -x deploy/image.sh ]; then
  if DATABASE_URL=$DATABASE_URL MIGRATION_DATABASE_URL=$MIGRATION_DATABASE_URL deploy/image.sh test >"$tmp/image.log" 2>&1; then record "container image test" ok
  else record "container image test" fail "$(tail -n 5 "$tmp/image.log")"; fi
else
  skipped=$((skipped + 1))
  echo "skip - container image test: podman is not installed (make image-test runs it where it is)"
fi

echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
