#!/usr/bin/env bash
# The embedded default: a private PostgreSQL 15 cluster under <checkout>/.data/, run as the
# unprivileged OS user `postgres`, on its own port and socket folder, never the system cluster.
#
#   deploy/local/pg.sh install   install PostgreSQL from Debian when initdb is absent
#   deploy/local/pg.sh up        install (if needed), init (if needed), start, create roles and databases
#   deploy/local/pg.sh start|stop|status
#   deploy/local/pg.sh reset     stop and delete .data/ (asks first; FORCE=1 skips the question)
#   deploy/local/pg.sh env       print the connection settings as shell exports
#   deploy/local/pg.sh psql ...  psql as the cluster's superuser
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="$ROOT/.data"
PGDATA="$DATA/pg"
RUNDIR="$DATA/run"
LOGDIR="$DATA/log"
ENVFILE="$DATA/local.env"
PGUSER_OS=postgres

say() { printf '[kinerja/local] %s\n' "$*" >&2; }
die() { printf '[kinerja/local] error: %s\n' "$*" >&2; exit 1; }

# The server programs: those of the cluster's own version once it exists, else PostgreSQL 15, else any.
bindir() {
  local want=15
  [ -f "$PGDATA/PG_VERSION" ] && want="$(cat "$PGDATA/PG_VERSION")"
  [ -x "/usr/lib/postgresql/$want/bin/initdb" ] && { echo "/usr/lib/postgresql/$want/bin"; return; }
  [ -f "$PGDATA/PG_VERSION" ] && return 1
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  return 1
}

as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }

# A port of this checkout's own, fixed at first use, so two checkouts never share a cluster
# (KINERJA_PG_PORT chooses it when the cluster is created).
port() {
  if [ -f "$DATA/port" ]; then cat "$DATA/port"; return; fi
  local p=${KINERJA_PG_PORT:-$(( 54000 + $(printf '%s' "$ROOT" | cksum | cut -d' ' -f1) % 1000 ))}
  mkdir -p "$DATA"; echo "$p" > "$DATA/port"; echo "$p"
}

cmd_install() {
  if bindir >/dev/null; then return; fi
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and this is not root: install Debian's 'postgresql' package"
  say "installing PostgreSQL from Debian (apt-get update && apt-get install postgresql)"
  export DEBIAN_FRONTEND=noninteractive
  # Debian would also create and start a system cluster on port 5432: this project needs none.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/kinerja.conf
  apt-get update -q >&2
  if apt-cache show postgresql-15 >/dev/null 2>&1; then
    apt-get install -y -q postgresql-15 postgresql-contrib >&2
  else
    apt-get install -y -q postgresql postgresql-contrib >&2
  fi
  bindir >/dev/null || die "initdb still not found after installing postgresql"
}

# The postgres user must be able to reach .data/ through every parent folder (traverse only).
ensure_traversable() {
  local d="$ROOT"
  while [ "$d" != "/" ]; do
    if ! as_pg test -x "$d"; then
      say "granting traverse (o+x) on $d so the postgres user can reach $DATA"
      chmod o+x "$d"
    fi
    d="$(dirname "$d")"
  done
}

gen_secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# The socket folder: .data/run, unless the checkout's path is so long that the socket's path would pass
# the 107 bytes a Unix socket path may have; then a folder of this port's own under /tmp.
rundir() {
  local p; p="$(port)"
  if [ $(( ${#DATA} + 20 )) -lt 100 ]; then echo "$DATA/run"; else echo "/tmp/kinerja-pg-$p"; fi
}

cmd_init() {
  cmd_install
  local bin; bin="$(bindir)"
  id "$PGUSER_OS" >/dev/null 2>&1 || die "OS user '$PGUSER_OS' is missing (Debian's postgresql package creates it)"
  mkdir -p "$DATA"; chmod 755 "$DATA"
  ensure_traversable
  if [ -f "$PGDATA/PG_VERSION" ]; then
    [ -f "$ENVFILE" ] || die "$ENVFILE is missing though the cluster exists: run 'make db-reset' to start afresh"
    return
  fi
  local p; p="$(port)"
  RUNDIR="$(rundir)"
  say "creating a private cluster in $PGDATA (port $p)"
  # Built in a side folder and moved into place when complete, so an interrupted first run leaves no
  # half-configured cluster behind.
  local tmp="$DATA/pg.tmp"
  rm -rf "$tmp"
  mkdir -p "$tmp" "$RUNDIR" "$LOGDIR"
  chown "$PGUSER_OS" "$tmp" "$RUNDIR" "$LOGDIR"; chmod 700 "$tmp"
  as_pg "$bin/initdb" -D "$tmp" -U postgres --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$LOGDIR/initdb.log" 2>&1 || { cat "$LOGDIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$tmp/postgresql.conf" <<CONF
# kinerja: private cluster
listen_addresses = '127.0.0.1'
port = $p
unix_socket_directories = '$RUNDIR'
max_connections = 200
shared_buffers = 1GB
fsync = on
CONF
  # Passwords are generated here, kept in .data/ (never tracked), readable by root only.
  umask 077
  cat >"$ENVFILE" <<ENV
KINERJA_DB_HOST=127.0.0.1
KINERJA_DB_PORT=$p
KINERJA_DB_NAME=kinerja
KINERJA_DB_APP_USER=kinerja_app
KINERJA_DB_APP_PASSWORD=$(gen_secret)
KINERJA_DB_OWNER_USER=kinerja_owner
KINERJA_DB_OWNER_PASSWORD=$(gen_secret)
KINERJA_DB_ADMIN_USER=kinerja_admin
KINERJA_DB_ADMIN_PASSWORD=$(gen_secret)
KINERJA_DB_SOCKET_DIR=$RUNDIR
ENV
  umask 022
  mv "$tmp" "$PGDATA"
}

running() { [ -f "$PGDATA/postmaster.pid" ] && as_pg "$(bindir)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

cmd_start() {
  cmd_init
  RUNDIR="$(rundir)"
  if running; then return; fi
  mkdir -p "$RUNDIR"; chown "$PGUSER_OS" "$RUNDIR"
  if (exec 3<>"/dev/tcp/127.0.0.1/$(port)") 2>/dev/null; then
    die "port $(port) on 127.0.0.1 is taken by another program (perhaps the cluster of a checkout once at this path, still running): stop it, or start afresh on another port: FORCE=1 make db-reset && KINERJA_PG_PORT=<free port> make db-start"
  fi
  say "starting PostgreSQL (log: $LOGDIR/postgres.log)"
  # Port and socket folder are passed here as well as in postgresql.conf: never the system's 5432.
  as_pg "$(bindir)/pg_ctl" -D "$PGDATA" -l "$LOGDIR/postgres.log" -o "-p $(port) -k $RUNDIR" -w -t 60 start >/dev/null \
    || { tail -20 "$LOGDIR/postgres.log" >&2; die "PostgreSQL did not start"; }
}

psql_su() { as_pg "$(bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$(rundir)" -p "$(port)" -U postgres "$@"; }

# Roles and databases: an owner that migrates (and, through a few audited SECURITY DEFINER functions,
# does platform work across cities, hence BYPASSRLS); the server's role kinerja_app and the CLI's role
# kinerja_admin (which alone may call the platform functions), both owning nothing and unable to
# bypass row-level security. Idempotent.
cmd_bootstrap() {
  [ -f "$ENVFILE" ] || die "$ENVFILE is missing: run 'make db-reset' to start afresh"
  # Clusters made before the CLI had a role of its own get one now.
  if ! grep -q '^KINERJA_DB_ADMIN_USER=' "$ENVFILE"; then
    printf 'KINERJA_DB_ADMIN_USER=kinerja_admin\nKINERJA_DB_ADMIN_PASSWORD=%s\n' "$(gen_secret)" >> "$ENVFILE"
  fi
  # shellcheck disable=SC1090
  . "$ENVFILE"
  psql_su -d postgres <<SQL >/dev/null
SELECT format('CREATE ROLE %I LOGIN', '$KINERJA_DB_OWNER_USER') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$KINERJA_DB_OWNER_USER') \gexec
SELECT format('CREATE ROLE %I LOGIN', '$KINERJA_DB_APP_USER') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$KINERJA_DB_APP_USER') \gexec
SELECT format('CREATE ROLE %I LOGIN', '$KINERJA_DB_ADMIN_USER') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$KINERJA_DB_ADMIN_USER') \gexec
ALTER ROLE $KINERJA_DB_OWNER_USER NOSUPERUSER CREATEDB NOCREATEROLE BYPASSRLS PASSWORD '$KINERJA_DB_OWNER_PASSWORD';
ALTER ROLE $KINERJA_DB_APP_USER NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '$KINERJA_DB_APP_PASSWORD';
ALTER ROLE $KINERJA_DB_ADMIN_USER NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD '$KINERJA_DB_ADMIN_PASSWORD';
GRANT SET ON PARAMETER session_replication_role TO $KINERJA_DB_OWNER_USER;
SELECT 'CREATE DATABASE kinerja OWNER $KINERJA_DB_OWNER_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'kinerja') \gexec
SELECT 'CREATE DATABASE kinerja_test OWNER $KINERJA_DB_OWNER_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'kinerja_test') \gexec
SQL
  for db in kinerja kinerja_test; do
    psql_su -d "$db" >/dev/null <<SQL
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO $KINERJA_DB_APP_USER, $KINERJA_DB_ADMIN_USER;
ALTER SCHEMA public OWNER TO $KINERJA_DB_OWNER_USER;
SQL
  done
}

cmd_up() { cmd_start; cmd_bootstrap; }

cmd_stop() {
  bindir >/dev/null || return 0
  if [ -f "$PGDATA/PG_VERSION" ] && running; then
    say "stopping PostgreSQL"
    as_pg "$(bindir)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null
  fi
}

cmd_status() {
  if [ ! -f "$PGDATA/PG_VERSION" ]; then echo "no cluster in $PGDATA"; return 0; fi
  if running; then echo "running on 127.0.0.1:$(port), data in $PGDATA"; else echo "stopped, data in $PGDATA"; fi
}

cmd_reset() {
  if [ "${FORCE:-0}" != 1 ]; then
    if [ ! -t 0 ]; then die "reset deletes $DATA: run with FORCE=1 to confirm without a terminal"; fi
    read -r -p "Delete the local cluster and all its data in $DATA? [y/N] " a
    case "$a" in y|Y|yes) ;; *) say "nothing deleted"; return 0;; esac
  fi
  cmd_stop
  rm -rf "$DATA"
  say "deleted $DATA"
}

cmd_env() {
  [ -f "$ENVFILE" ] || die "no local cluster yet: run 'make db-start'"
  sed 's/^/export /' "$ENVFILE"
}

case "${1:-}" in
  install) cmd_install ;;
  init) cmd_init ;;
  up) cmd_up ;;
  start) cmd_up ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  env) cmd_env ;;
  psql) shift; psql_su "$@" ;;
  *) echo "usage: $0 install|up|start|stop|status|reset|env|psql" >&2; exit 2 ;;
esac
