#!/usr/bin/env bash
# PgBouncer in transaction mode in front of the private cluster of deploy/local/pg.sh, to prove the server
# and the CLI work behind a transaction pooler (a connection may serve another client after every
# transaction, so nothing may live in the session: the store sets its city with set_config(..., true)).
#
#   deploy/local/pgbouncer.sh up     install Debian's pgbouncer (if needed), write its files under
#                                    .data/pgbouncer/, start it on the cluster's port + 1000
#   deploy/local/pgbouncer.sh stop
#   deploy/local/pgbouncer.sh env    the test settings through it: the app and admin roles via PgBouncer,
#                                    the owner (migrations, session advisory locks) straight to PostgreSQL
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="$ROOT/.data"
DIR="$DATA/pgbouncer"
ENVFILE="$DATA/local.env"

say() { printf '[kinerja/pgbouncer] %s\n' "$*" >&2; }
die() { printf '[kinerja/pgbouncer] error: %s\n' "$*" >&2; exit 1; }

load() {
  [ -f "$ENVFILE" ] || die "$ENVFILE is missing: run 'make db-start' first"
  # shellcheck disable=SC1090
  . "$ENVFILE"
  PORT=$(( KINERJA_DB_PORT + 1000 ))
}

cmd_install() {
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] && return
  [ "$(id -u)" = 0 ] || die "pgbouncer is not installed and this is not root: install Debian's 'pgbouncer' package"
  say "installing PgBouncer from Debian (apt-get install pgbouncer)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q pgbouncer >&2
  # Debian starts its own instance on 6432: this project needs none.
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then systemctl disable --now pgbouncer >/dev/null 2>&1 || true; fi
  if [ -f /var/run/postgresql/pgbouncer.pid ]; then kill "$(cat /var/run/postgresql/pgbouncer.pid)" 2>/dev/null || true; fi
}

running() { [ -f "$DIR/pgbouncer.pid" ] && kill -0 "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null; }

cmd_up() {
  load
  cmd_install
  if running; then return; fi
  mkdir -p "$DIR"
  umask 077
  # Plain passwords let PgBouncer answer SCRAM to its clients and log in to PostgreSQL with SCRAM itself.
  cat >"$DIR/userlist.txt" <<USERS
"$KINERJA_DB_APP_USER" "$KINERJA_DB_APP_PASSWORD"
"$KINERJA_DB_ADMIN_USER" "$KINERJA_DB_ADMIN_PASSWORD"
"$KINERJA_DB_OWNER_USER" "$KINERJA_DB_OWNER_PASSWORD"
USERS
  umask 022
  cat >"$DIR/pgbouncer.ini" <<INI
; Written by deploy/local/pgbouncer.sh: transaction pooling in front of the private cluster.
[databases]
* = host=127.0.0.1 port=$KINERJA_DB_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $DIR/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits,statement_timeout
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
  chown -R postgres "$DIR"
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then die "port $PORT on 127.0.0.1 is taken by another program"; fi
  say "starting PgBouncer on 127.0.0.1:$PORT (log: $DIR/pgbouncer.log)"
  # PgBouncer refuses to run as root.
  runuser -u postgres -- "$(command -v pgbouncer || echo /usr/sbin/pgbouncer)" -d -q "$DIR/pgbouncer.ini"
  for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return
    sleep 0.1
  done
  tail -20 "$DIR/pgbouncer.log" >&2
  die "PgBouncer did not start"
}

cmd_stop() {
  running || return 0
  kill "$(cat "$DIR/pgbouncer.pid")"
  for _ in $(seq 1 50); do running || return 0; sleep 0.1; done
}

cmd_env() {
  load
  local via="127.0.0.1:$PORT" direct="127.0.0.1:$KINERJA_DB_PORT"
  echo "export KINERJA_TEST_DATABASE_URL=postgres://$KINERJA_DB_APP_USER:$KINERJA_DB_APP_PASSWORD@$via/kinerja_test?prepared_statements=off"
  echo "export KINERJA_TEST_ADMIN_DATABASE_URL=postgres://$KINERJA_DB_ADMIN_USER:$KINERJA_DB_ADMIN_PASSWORD@$via/kinerja_test?prepared_statements=off"
  echo "export KINERJA_TEST_OWNER_DATABASE_URL=postgres://$KINERJA_DB_OWNER_USER:$KINERJA_DB_OWNER_PASSWORD@$direct/kinerja_test"
  echo "export KINERJA_TEST_THROUGH_PGBOUNCER=1"
}

case "${1:-}" in
  install) cmd_install ;;
  up) cmd_up ;;
  stop) cmd_stop ;;
  env) cmd_env ;;
  *) sed -n '2,11p' "$0" >&2; exit 2 ;;
esac
