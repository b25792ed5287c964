#!/usr/bin/env bash
# A primary and its streaming hot standby, both small and private, to show and test that read-only work
# (reports, dashboards, overviews) can be served by a replica: the primary gets its roles from
# deploy/postgres/bootstrap.sql (as a production server would), the standby is `pg_basebackup -R` of it.
# It lives under .data/replica/ on two ports of its own, apart from the cluster of pg.sh.
#
#   deploy/local/replica.sh up       install PostgreSQL (pg.sh install) if needed; create (once) and start both
#   deploy/local/replica.sh env      the URLs: KINERJA_REPLICA_{OWNER,ADMIN,APP}_URL (primary), KINERJA_REPLICA_READ_URL
#   deploy/local/replica.sh pause    pause WAL replay on the standby (it then lags behind the primary)
#   deploy/local/replica.sh resume   resume replay
#   deploy/local/replica.sh stop-standby   stop the standby only (as if it failed); 'up' starts it again
#   deploy/local/replica.sh stop     stop the standby and the primary
#   deploy/local/replica.sh reset    stop both and delete .data/replica/
#   deploy/local/replica.sh port-taken PORT   exit 0 if any TCP socket holds PORT (a listener or a connection's end)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$ROOT/.data/replica"
ENVFILE="$DIR/replica.env"

say() { printf '[kinerja/replica] %s\n' "$*" >&2; }
die() { printf '[kinerja/replica] error: %s\n' "$*" >&2; exit 1; }
secret() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
as_pg() { runuser -u postgres -- "$@"; }

bin() {
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  return 1
}

load() {
  [ -f "$ENVFILE" ] || die "no replica pair yet: run 'deploy/local/replica.sh up'"
  # shellcheck disable=SC1090
  . "$ENVFILE"
}

# shellcheck source=deploy/local/ports.sh
. "$ROOT/deploy/local/ports.sh"
# The pair's ports: 20000-27999 (restore-check.sh takes 28000-29999).
pair_port() { free_port 20000 8000 || die "no free port found"; }

running() { [ -f "$1/postmaster.pid" ] && as_pg "$(bin)/pg_ctl" -D "$1" status >/dev/null 2>&1; }

start() {  # folder port
  running "$1" && return
  # The server outlives this script: it must not keep open what the caller gave it beyond stdin, stdout and
  # stderr (a caller that waits for those to close, or for a descriptor it watches, would wait for ever).
  ( for fd in /proc/self/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null; done
    exec runuser -u postgres -- "$(bin)/pg_ctl" -D "$1" -l "$1.log" -o "-p $2 -k $DIR/run" -w -t 60 start </dev/null >/dev/null 2>&1 ) \
    || { tail -20 "$1.log" >&2; die "PostgreSQL in $1 did not start"; }
}

su_psql() {  # port, then psql arguments
  local port=$1; shift
  as_pg "$(bin)/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR/run" -p "$port" -U postgres "$@"
}

create() {
  local b; b="$(bin)"
  local tmp="$DIR.tmp"
  rm -rf "$tmp"; mkdir -p "$tmp/run"
  chown -R postgres "$tmp"; chmod 755 "$tmp"
  local pport sport owner_pw app_pw admin_pw
  pport=$(pair_port); sport=$(pair_port)
  [ "$pport" != "$sport" ] || sport=$((pport + 1))
  owner_pw=$(secret); app_pw=$(secret); admin_pw=$(secret)
  say "creating a primary (port $pport) and its standby (port $sport) in $DIR"
  # The superuser over the socket only (trust, in this private folder); the roles and replication over TCP.
  as_pg "$b/initdb" -D "$tmp/primary" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 \
    --locale=C.UTF-8 --no-instructions >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; die "initdb failed"; }
  cat >>"$tmp/primary/postgresql.conf" <<CONF
# kinerja: the primary of the local replica pair
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
shared_buffers = 128MB
CONF
  echo "local replication postgres trust" >>"$tmp/primary/pg_hba.conf"
  DIR="$tmp" start "$tmp/primary" "$pport"
  DIR="$tmp" su_psql "$pport" -d postgres -v owner_password="$owner_pw" -v app_password="$app_pw" \
    -v admin_password="$admin_pw" -f "$ROOT/deploy/postgres/bootstrap.sql" >/dev/null
  # The standby: a base backup of the primary that follows it (-R writes primary_conninfo and standby.signal).
  as_pg "$b/pg_basebackup" -h "$tmp/run" -p "$pport" -U postgres -D "$tmp/standby" -R -X stream -c fast >/dev/null
  DIR="$tmp" start "$tmp/standby" "$sport"
  as_pg "$b/pg_ctl" -D "$tmp/standby" -m fast -w stop >/dev/null
  as_pg "$b/pg_ctl" -D "$tmp/primary" -m fast -w stop >/dev/null
  # The standby's connection to the primary names the socket folder: point it at the final place.
  sed -i "s#$tmp/run#$DIR/run#g" "$tmp/standby/postgresql.auto.conf"
  umask 077
  cat >"$tmp/replica.env" <<ENV
PRIMARY_PORT=$pport
STANDBY_PORT=$sport
OWNER_PASSWORD=$owner_pw
APP_PASSWORD=$app_pw
ADMIN_PASSWORD=$admin_pw
ENV
  umask 022
  mv "$tmp" "$DIR"
}

cmd_up() {
  "$ROOT/deploy/local/pg.sh" install
  [ -f "$ENVFILE" ] || create
  load
  start "$DIR/primary" "$PRIMARY_PORT"
  start "$DIR/standby" "$STANDBY_PORT"
  for _ in $(seq 1 100); do
    [ "$(su_psql "$STANDBY_PORT" -d postgres -Atc 'select pg_is_in_recovery()')" = t ] && return
    sleep 0.1
  done
  die "the standby is not in recovery"
}

cmd_env() {
  load
  local h="127.0.0.1"
  echo "export KINERJA_REPLICA_OWNER_URL=postgres://kinerja_owner:$OWNER_PASSWORD@$h:$PRIMARY_PORT/kinerja"
  echo "export KINERJA_REPLICA_ADMIN_URL=postgres://kinerja_admin:$ADMIN_PASSWORD@$h:$PRIMARY_PORT/kinerja"
  echo "export KINERJA_REPLICA_APP_URL=postgres://kinerja_app:$APP_PASSWORD@$h:$PRIMARY_PORT/kinerja"
  echo "export KINERJA_REPLICA_READ_URL=postgres://kinerja_app:$APP_PASSWORD@$h:$STANDBY_PORT/kinerja"
}

cmd_stop() {
  [ -f "$ENVFILE" ] || return 0
  local d
  for d in "$DIR/standby" "$DIR/primary"; do
    running "$d" && as_pg "$(bin)/pg_ctl" -D "$d" -m fast -w stop >/dev/null
  done
  return 0
}

case "${1:-}" in
  up) cmd_up ;;
  port-taken) [[ "${2:-}" =~ ^[0-9]+$ ]] || die "port-taken needs a port number"; port_taken "$2" ;;
  env) cmd_env ;;
  pause) load; su_psql "$STANDBY_PORT" -d postgres -c 'select pg_wal_replay_pause()' >/dev/null ;;
  resume) load; su_psql "$STANDBY_PORT" -d postgres -c 'select pg_wal_replay_resume()' >/dev/null ;;
  stop-standby) load; running "$DIR/standby" && as_pg "$(bin)/pg_ctl" -D "$DIR/standby" -m fast -w stop >/dev/null; true ;;
  stop) cmd_stop ;;
  reset) cmd_stop; rm -rf "$DIR" "$DIR.tmp" ;;
  *) sed -n '2,15p' "$0" >&2; exit 2 ;;
esac
