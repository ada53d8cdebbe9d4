#!/usr/bin/env bash
# deploy/run.sh: what `make run` does after building.
#
# Without DATABASE_URL: starts (or reuses) the project-local PostgreSQL in
# .local/pg on PG_PORT (default 55432), and stops it again on Ctrl-C.
# With DATABASE_URL: uses that database and starts none (MIGRATION_DATABASE_URL,
# when set, is what the migrations run as).
# Then migrates, loads the reference data and serves on PORT (default 8080).
# In the local PostgreSQL it also loads the small, generated and fictitious
# example provider data (sql/examples/generate.sql; rows with example = true);
# LOAD_EXAMPLES=1 loads it into a DATABASE_URL too, LOAD_EXAMPLES=0 never.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PORT:-8080}
pg_dir=.local/pg
started_pg=no
server_pid=

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_all() {
  trap - INT TERM EXIT
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$started_pg" = yes ]; then
    echo "run: stopping the local PostgreSQL in $pg_dir" >&2
    deploy/pg.sh stop "$pg_dir" || true
  fi
}

if port_in_use "$port"; then
  echo "run: port $port is already in use; choose another with: PORT=8081 make run" >&2
  exit 1
fi

if [ -z "${DATABASE_URL:-}" ]; then
  mkdir -p "$pg_dir"
  trap stop_all INT TERM EXIT
  superuser_url=$(deploy/pg.sh start "$pg_dir" "${PG_PORT:-55432}" | tail -n 1)
  started_pg=yes
  # The server's role and the schema owner's (sql/0014_roles.sql), not the superuser.
  DATABASE_URL=${superuser_url/postgres@/insatskatalog_app@}
  MIGRATION_DATABASE_URL=${superuser_url/postgres@/insatskatalog_owner@}
  export DATABASE_URL MIGRATION_DATABASE_URL
  echo "run: using the local PostgreSQL at $DATABASE_URL (data in $pg_dir; migrations as insatskatalog_owner)" >&2
else
  trap stop_all INT TERM EXIT
  echo "run: using DATABASE_URL; no local PostgreSQL is started" >&2
fi

build/insatskatalog-admin setup
if [ "${LOAD_EXAMPLES:-}" = 1 ] || { [ "$started_pg" = yes ] && [ "${LOAD_EXAMPLES:-}" != 0 ]; }; then
  build/insatskatalog-admin load-examples small
fi

echo "run: serving on http://localhost:$port (Ctrl-C stops the server and the local database)" >&2
# The server never needs the owner's URL.
unset MIGRATION_DATABASE_URL
# Generous rate limits for trying the API by hand (the server's own defaults
# are for a public address; see README, Security).
PORT=$port OPENAPI_PATH=${OPENAPI_PATH:-openapi.yaml} RATE_LIMIT_BURST=${RATE_LIMIT_BURST:-100000} \
  RATE_LIMIT_PER_SECOND=${RATE_LIMIT_PER_SECOND:-10000} build/insatskatalog &
server_pid=$!
wait "$server_pid" || true
