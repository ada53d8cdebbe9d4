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

server_status=0

# On exit, Ctrl-C or SIGTERM: stop the server (keeping its exit status) and the local PostgreSQL.
stop_all() {
  trap - INT TERM EXIT
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || server_status=$?
  fi
  server_pid=
  if [ "$started_pg" = yes ]; then
    echo "run: stopping the local PostgreSQL in $pg_dir" >&2
    deploy/pg.sh stop "$pg_dir" || true
  fi
}
on_signal() {
  stop_all
  exit "$server_status"
}

if port_in_use "$port"; then
  echo "run: port $port is already in use; choose another with: PORT=8081 make run" >&2
  exit 1
fi

if [ -z "${DATABASE_URL:-}" ]; then
  mkdir -p "$pg_dir"
  trap on_signal INT TERM; trap stop_all EXIT
  superuser_url=$(deploy/pg.sh start "$pg_dir" "${PG_PORT:-55432}" | tail -n 1)
  started_pg=yes
  # The server's role and the schema owner's (sql/0014_roles.sql), not the superuser.
  DATABASE_URL=${superuser_url/postgres@/insatskatalog_app@}
  MIGRATION_DATABASE_URL=${superuser_url/postgres@/insatskatalog_owner@}
  export DATABASE_URL MIGRATION_DATABASE_URL
  echo "run: using the local PostgreSQL at $DATABASE_URL (data in $pg_dir; migrations as insatskatalog_owner)" >&2
else
  trap on_signal INT TERM; trap stop_all EXIT
  echo "run: using DATABASE_URL; no local PostgreSQL is started" >&2
fi

build/insatskatalog-admin setup
if [ "${LOAD_EXAMPLES:-}" = 1 ] || { [ "$started_pg" = yes ] && [ "${LOAD_EXAMPLES:-}" != 0 ]; }; then
  build/insatskatalog-admin load-examples small
fi

# The server never needs the owner's URL.
unset MIGRATION_DATABASE_URL
# Generous rate limits for trying the API by hand (the server's own defaults
# are for a public address; see README, Security).
PORT=$port OPENAPI_PATH=${OPENAPI_PATH:-openapi.yaml} RATE_LIMIT_BURST=${RATE_LIMIT_BURST:-100000} \
  RATE_LIMIT_PER_SECOND=${RATE_LIMIT_PER_SECOND:-10000} build/insatskatalog &
server_pid=$!

# Until /healthz answers, a server that exits has failed to start: say so and
# pass its status on (make run then fails too).
ready=no
for _ in $(seq 1 300); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    status=0
    wait "$server_pid" || status=$?
    server_pid=
    echo "run: error: the server stopped while starting (exit status $status); its messages are above" >&2
    exit $((status == 0 ? 1 : status))
  fi
  if PORT=$port build/insatskatalog healthcheck >/dev/null 2>&1; then ready=yes; break; fi
  sleep 0.1
done
if [ "$ready" != yes ]; then
  echo "run: error: the server did not answer on port $port within 30 s" >&2
  exit 1
fi
echo "run: serving on http://localhost:$port (Ctrl-C stops the server and the local database)" >&2

# Ctrl-C or SIGTERM: stop_all stops the server and the local PostgreSQL, and
# this script exits with the server's status (0 after a clean stop).
status=0
wait "$server_pid" || status=$?
if [ "$status" -ne 0 ]; then
  echo "run: error: the server stopped with exit status $status; its messages are above" >&2
fi
exit "$status"
