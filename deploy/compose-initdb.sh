#!/bin/sh
# deploy/compose-initdb.sh: run once by the postgres image on an empty data
# directory (docker-entrypoint-initdb.d, see compose.yaml). Creates the two
# roles of deploy/OPERATIONS.md ("Database roles") and the database, owned by
# insatskatalog_owner; the migrations grant insatskatalog_app what it needs.
# The superuser is used for nothing else.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$INSATSKATALOG_OWNER_PASSWORD" \
  -v app_password="$INSATSKATALOG_APP_PASSWORD" <<'SQL'
CREATE ROLE insatskatalog_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE insatskatalog_app LOGIN PASSWORD :'app_password';
CREATE DATABASE insatskatalog OWNER insatskatalog_owner;
REVOKE ALL ON DATABASE insatskatalog FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE insatskatalog TO insatskatalog_app;
SQL
