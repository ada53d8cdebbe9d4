#!/usr/bin/env bash
# Manage a project-local PostgreSQL 15 cluster for development and tests.
#
#   deploy/pg.sh start  DIR [PORT]   init (if needed) + start, create database
#                                    `insatskatalog` if missing; prints the
#                                    DATABASE_URL as the last stdout line
#   deploy/pg.sh stop   DIR          fast clean stop; exit 0 if not running
#   deploy/pg.sh status DIR          exit 0 if running, 3 if not
#   deploy/pg.sh url    DIR [PORT]   print the DATABASE_URL only
#   deploy/pg.sh replica DIR PRIMARY_PORT PORT
#                                    a streaming replica of the cluster on
#                                    PRIMARY_PORT (pg_basebackup -R on first
#                                    use), started on PORT; prints its URL
#
# PORT defaults to $PG_PORT, else 55432. The server listens on 127.0.0.1:PORT
# only, with its unix socket in the cluster directory; authentication is
# `trust`. The database superuser is `postgres`, so the URL is
#
#   postgresql://postgres@127.0.0.1:PORT/insatskatalog
#
# start also creates the roles insatskatalog_owner (owns the database and the
# schema; migrations) and insatskatalog_app (the server's), see sql/0014_roles.sql;
# their URLs are that URL with the user replaced (deploy/run.sh, tests/run.sh).
#
# Only the URL goes to stdout (so `url=$(deploy/pg.sh start DIR | tail -1)`
# works); every other message goes to stderr.
#
# Layout: DIR/data (PGDATA), DIR/postgresql.log (server log), socket in DIR.
# DIR must be empty or a directory made by this script.
#
# Running as root: initdb/postgres refuse to run as root, so the cluster is
# owned by the unprivileged OS user `insatskatalog` (a system user created on
# first use; override with PG_OS_USER=name, e.g. PG_OS_USER=postgres) and the
# server tools are run through `runuser`. If that user cannot reach DIR (e.g. a
# checkout inside a mode-700 `mktemp -d` directory or under /root), the cluster
# lives in /tmp/insatskatalog-pg-<hash of DIR> instead; DIR/location records
# that path and DIR/data and DIR/postgresql.log are symlinks to it. No
# permissions outside DIR are changed. An existing cluster is always run as
# the OS user that owns its data directory.
#
# Other environment: PG_BIN (default /usr/lib/postgresql/15/bin).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DB_NAME=insatskatalog
DB_USER=postgres
SVC_USER=${PG_OS_USER:-insatskatalog}
DEFAULT_PORT=${PG_PORT:-55432}
RELOCATE_BASE=/tmp
# sun_path is 108 bytes including the terminating NUL.
MAX_SOCKET_PATH=107

msg() { echo "pg.sh: $*" >&2; }
die() { echo "pg.sh: error: $*" >&2; exit 1; }

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

IS_ROOT=0
[[ $(id -u) -eq 0 ]] && IS_ROOT=1

url_for() { echo "postgresql://${DB_USER}@127.0.0.1:$1/${DB_NAME}"; }

check_port_arg() {
  if ! [[ "$1" =~ ^[1-9][0-9]{0,4}$ ]] || (("$1" > 65535)); then
    die "invalid port '$1' (expected 1-65535)"
  fi
}

port_in_use() {
  timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Absolute, symlink-free path of an existing directory.
abs_dir() { (cd "$1" 2>/dev/null && pwd -P); }

# Sets RDIR (real cluster dir), PGDATA, LOGFILE for DIR (absolute).
resolve() {
  if [[ -f "$DIR/location" ]]; then
    RDIR=$(<"$DIR/location")
  else
    RDIR=$DIR
  fi
  PGDATA=$RDIR/data
  LOGFILE=$RDIR/postgresql.log
}

# A data dir we cannot read counts as a cluster, so pick_owner names its owner.
have_cluster() { [[ -f "$PGDATA/PG_VERSION" ]] || { [[ -d "$PGDATA" ]] && [[ ! -r "$PGDATA" ]]; }; }

# Decide which OS user runs the server tools (RUN_AS, empty = current user).
pick_owner() {
  RUN_AS=
  if have_cluster; then
    local owner
    owner=$(stat -c %U "$PGDATA")
    if ((IS_ROOT)); then
      [[ "$owner" != root ]] || die "cluster $PGDATA is owned by root; PostgreSQL cannot run as root (remove it and start again)"
      RUN_AS=$owner
    elif [[ "$owner" != "$(id -un)" ]]; then
      die "cluster $PGDATA belongs to user '$owner'; run this as '$owner' or as root"
    fi
  elif ((IS_ROOT)); then
    RUN_AS=$SVC_USER
  fi
}

# Run a command as the cluster owner, from / (its cwd may be unreachable),
# without the lock fd (the server must not inherit it).
as_owner() {
  if [[ -n "$RUN_AS" ]]; then
    (cd / && runuser -u "$RUN_AS" -- "$@" 9>&-)
  else
    "$@" 9>&-
  fi
}

ensure_svc_user() {
  getent passwd "$SVC_USER" >/dev/null && return 0
  [[ "$SVC_USER" == insatskatalog ]] || die "OS user '$SVC_USER' (PG_OS_USER) does not exist"
  command -v useradd >/dev/null || die "useradd not found; cannot create OS user '$SVC_USER'"
  msg "creating unprivileged system user '$SVC_USER' to own the cluster"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$SVC_USER" >&2 || die "could not create OS user '$SVC_USER'"
}

# Is the cluster running? Sets RUNNING_PORT when it is.
is_running() {
  RUNNING_PORT=
  have_cluster || return 1
  as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1 || return 1
  RUNNING_PORT=$(sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true)
  return 0
}

check_bin() {
  [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" && -x "$PG_BIN/psql" ]] ||
    die "PostgreSQL 15 server binaries not found in $PG_BIN (run deploy/install-deps.sh, or set PG_BIN)"
  if ((IS_ROOT)); then
    command -v runuser >/dev/null || die "running as root needs runuser (util-linux) to run PostgreSQL as '$SVC_USER'"
  fi
}

# Only allow DIR to be empty or hold what this script puts there.
check_dir_is_ours() {
  local f
  shopt -s nullglob dotglob
  for f in "$DIR"/*; do
    case ${f##*/} in
      data | postgresql.log | location | .pg.sh.lock) ;;
      *) die "$DIR is not empty and holds no cluster (found '${f##*/}'); give pg.sh an empty or dedicated directory" ;;
    esac
  done
  shopt -u nullglob dotglob
}

# For a new cluster when root: use DIR in place if the owner can reach it,
# otherwise relocate to a root-made directory under /tmp.
prepare_new_cluster_dir_as_root() {
  ensure_svc_user
  if [[ -f "$DIR/location" ]] || ! runuser -u "$SVC_USER" -- test -x "$DIR" 2>/dev/null; then
    local hash
    hash=$(printf '%s' "$DIR" | sha256sum | cut -c1-16)
    RDIR=$RELOCATE_BASE/insatskatalog-pg-$hash
    if [[ ! -f "$DIR/location" ]]; then
      msg "user '$SVC_USER' cannot reach $DIR; putting the cluster in $RDIR (recorded in $DIR/location)"
    fi
    if [[ -L "$RDIR" ]] || { [[ -e "$RDIR" ]] && [[ ! -d "$RDIR" ]]; }; then
      die "$RDIR exists and is not a plain directory; remove it and start again"
    fi
    if [[ -d "$RDIR" ]]; then
      local o
      o=$(stat -c %U "$RDIR")
      [[ "$o" == "$SVC_USER" || "$o" == root ]] || die "$RDIR is owned by '$o', not '$SVC_USER'; remove it and start again"
    else
      mkdir -m 700 "$RDIR"
    fi
    chown "$SVC_USER": "$RDIR"
    chmod 700 "$RDIR"
    printf '%s\n' "$RDIR" >"$DIR/location"
    [[ -e "$DIR/data" || -L "$DIR/data" ]] || ln -s "$RDIR/data" "$DIR/data"
    [[ -e "$DIR/postgresql.log" || -L "$DIR/postgresql.log" ]] || ln -s "$RDIR/postgresql.log" "$DIR/postgresql.log"
  else
    RDIR=$DIR
    chown "$SVC_USER": "$DIR"
    [[ ! -f "$DIR/postgresql.log" ]] || chown "$SVC_USER": "$DIR/postgresql.log"
    if [[ -d "$DIR/data" ]]; then chown "$SVC_USER": "$DIR/data"; fi
  fi
  PGDATA=$RDIR/data
  LOGFILE=$RDIR/postgresql.log
}

sql_quote() { printf "'%s'" "${1//\'/\'\'}"; }

write_conf() {
  local port=$1
  as_owner tee "$PGDATA/insatskatalog.conf" >/dev/null <<EOF
# Written by deploy/pg.sh on every start; edit pg.sh, not this file.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = $(sql_quote "$RDIR")
EOF
  if ! grep -q "^include_if_exists = 'insatskatalog.conf'" "$PGDATA/postgresql.conf"; then
    printf "\ninclude_if_exists = 'insatskatalog.conf'\n" | as_owner tee -a "$PGDATA/postgresql.conf" >/dev/null
  fi
}

psql_admin() {
  local port=$1
  shift
  PGCONNECT_TIMEOUT=10 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    "host=127.0.0.1 port=$port user=$DB_USER dbname=postgres" "$@"
}

ensure_database() {
  local port=$1 exists
  exists=$(psql_admin "$port" -tAc "select 1 from pg_database where datname = '$DB_NAME'") ||
    die "cannot connect to the cluster on 127.0.0.1:$port as '$DB_USER'"
  # A replica is read-only and has the primary's roles and database already.
  [[ -n "${REPLICA_OF:-}" ]] && return 0
  # The two roles of sql/0014_roles.sql (authentication here is trust, so no passwords).
  psql_admin "$port" >/dev/null <<'SQL' || die "could not create the roles insatskatalog_owner and insatskatalog_app"
SELECT 'CREATE ROLE insatskatalog_owner LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'insatskatalog_owner')
\gexec
SELECT 'CREATE ROLE insatskatalog_app LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'insatskatalog_app')
\gexec
SQL
  if [[ "$exists" != 1 ]]; then
    psql_admin "$port" -c "create database $DB_NAME owner insatskatalog_owner" >/dev/null ||
      die "could not create database $DB_NAME"
    msg "created database $DB_NAME (owner insatskatalog_owner)"
  else
    own_existing_database "$port"
  fi
}

# A database made before the two roles existed (a kept .local/pg) belongs to
# postgres: hand it and everything in schema public to insatskatalog_owner once.
own_existing_database() {
  local port=$1 owner
  owner=$(psql_admin "$port" -tAc "select pg_get_userbyid(datdba) from pg_database where datname = '$DB_NAME'")
  [[ "$owner" == insatskatalog_owner ]] && return 0
  msg "giving database $DB_NAME (owned by $owner) to insatskatalog_owner"
  psql_admin "$port" -c "alter database $DB_NAME owner to insatskatalog_owner" >/dev/null
  PGCONNECT_TIMEOUT=10 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "host=127.0.0.1 port=$port user=$DB_USER dbname=$DB_NAME" \
    >/dev/null <<'SQL' || die "could not give the objects in $DB_NAME to insatskatalog_owner"
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
               AND pg_get_userbyid(c.relowner) <> 'insatskatalog_owner' LOOP
        EXECUTE format('ALTER %s %s OWNER TO insatskatalog_owner',
                       CASE r.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.name);
    END LOOP;
    FOR r IN SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> 'insatskatalog_owner' LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO insatskatalog_owner', r.name);
    END LOOP;
    FOR r IN SELECT t.oid::regtype AS name, t.typtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
               AND pg_get_userbyid(t.typowner) <> 'insatskatalog_owner' LOOP
        EXECUTE format('ALTER %s %s OWNER TO insatskatalog_owner', CASE r.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                       r.name);
    END LOOP;
END;
$$;
SQL
}

cmd_start() {
  local port=${1:-$DEFAULT_PORT}
  check_port_arg "$port"
  check_bin
  mkdir -p "$DIR" || die "cannot create $DIR"
  DIR=$(abs_dir "$DIR") || die "cannot enter $DIR"
  lock_dir
  resolve

  if ! have_cluster; then
    check_dir_is_ours
    if ((IS_ROOT)); then
      prepare_new_cluster_dir_as_root
    else
      [[ -w "$DIR" ]] || die "$DIR is not writable by $(id -un)"
      if [[ -f "$DIR/location" ]]; then
        { mkdir -p "$RDIR" && chmod 700 "$RDIR"; } || die "cannot create $RDIR"
      fi
    fi
  fi
  pick_owner

  local sock="$RDIR/.s.PGSQL.$port"
  if ((${#sock} > MAX_SOCKET_PATH)); then
    die "unix socket path $sock is ${#sock} characters, over the limit of $MAX_SOCKET_PATH; use a shorter DIR"
  fi

  if is_running; then
    msg "cluster in $RDIR already running (port ${RUNNING_PORT:-?}); reusing it"
    if [[ -n "$RUNNING_PORT" && "$RUNNING_PORT" != "$port" ]]; then
      msg "warning: it listens on port $RUNNING_PORT, not $port; stop it first to change the port"
      port=$RUNNING_PORT
    fi
  else
    if port_in_use "$port"; then
      die "port $port on 127.0.0.1 is already in use by another process; choose another port, e.g. PG_PORT=$((port == 65535 ? port - 1 : port + 1)) (or deploy/pg.sh start DIR PORT)"
    fi
    if ! have_cluster; then
      local out
      if [[ -n "${REPLICA_OF:-}" ]]; then
        # A streaming replica: a base backup of the primary, with standby.signal
        # and primary_conninfo written by -R, so it follows the primary's WAL.
        msg "copying the primary on 127.0.0.1:$REPLICA_OF into $PGDATA${RUN_AS:+ (as OS user $RUN_AS)}"
        if ! out=$(as_owner "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$REPLICA_OF" -U "$DB_USER" -D "$PGDATA" \
          -R -X stream -c fast 2>&1); then
          printf '%s\n' "$out" >&2
          die "pg_basebackup from 127.0.0.1:$REPLICA_OF failed"
        fi
      else
        msg "initialising a new cluster in $PGDATA${RUN_AS:+ (as OS user $RUN_AS)}"
        if ! out=$(as_owner "$PG_BIN/initdb" -D "$PGDATA" -A trust -E UTF8 --locale=C.UTF-8 \
          -U "$DB_USER" --no-instructions 2>&1); then
          printf '%s\n' "$out" >&2
          die "initdb failed for $PGDATA"
        fi
      fi
    fi
    write_conf "$port"
    msg "starting PostgreSQL 15 on 127.0.0.1:$port (log: $LOGFILE)"
    if ! as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOGFILE" -w -t 60 start >/dev/null 2>&1; then
      tail -n 20 "$LOGFILE" >&2 2>/dev/null || true
      die "PostgreSQL failed to start (see $LOGFILE)"
    fi
  fi

  ensure_database "$port"
  url_for "$port"
}

# Serialise concurrent start/stop calls on the same DIR.
lock_dir() {
  command -v flock >/dev/null || return 0
  exec 9>>"$DIR/.pg.sh.lock" || die "cannot create $DIR/.pg.sh.lock"
  flock -w 120 9 || die "timed out waiting for another pg.sh on $DIR"
}

# For stop/status/url: resolve an existing DIR without creating anything.
open_existing() {
  if [[ -d "$DIR" ]]; then
    DIR=$(abs_dir "$DIR") || die "cannot enter $DIR"
    resolve
    return 0
  fi
  return 1
}

cmd_stop() {
  check_bin
  if ! open_existing || ! have_cluster; then
    msg "no cluster in $DIR; nothing to stop"
    return 0
  fi
  lock_dir
  pick_owner
  if ! is_running; then
    msg "cluster in $RDIR is not running"
    return 0
  fi
  as_owner "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null 2>&1 ||
    die "could not stop the cluster in $PGDATA (see $LOGFILE)"
  msg "stopped the cluster in $RDIR"
}

cmd_status() {
  check_bin
  if open_existing && have_cluster; then
    pick_owner
    if is_running; then
      msg "running: $RDIR on 127.0.0.1:${RUNNING_PORT:-?}"
      return 0
    fi
    msg "not running: $RDIR"
  else
    msg "no cluster in $DIR"
  fi
  return 3
}

cmd_url() {
  local port=${1:-}
  if [[ -z "$port" ]]; then
    port=$DEFAULT_PORT
    if open_existing && have_cluster && [[ -r "$PGDATA/postmaster.pid" ]]; then
      local p
      p=$(sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true)
      [[ -z "$p" ]] || port=$p
    fi
  fi
  check_port_arg "$port"
  url_for "$port"
}

(($# >= 2)) || usage
cmd=$1
DIR=$2
shift 2
[[ -n "$DIR" ]] || usage
case $cmd in
  start) (($# <= 1)) || usage; cmd_start "$@" ;;
  replica) (($# == 2)) || usage; REPLICA_OF=$1; check_port_arg "$REPLICA_OF"; cmd_start "$2" ;;
  stop) (($# == 0)) || usage; cmd_stop ;;
  status) (($# == 0)) || usage; cmd_status ;;
  url) (($# <= 1)) || usage; cmd_url "$@" ;;
  *) usage ;;
esac
