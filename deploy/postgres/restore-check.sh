#!/usr/bin/env bash
# A backup, restored and checked: `pg_dump -Fc` of a database of the local cluster (default kinerja_test),
# restored with `pg_restore` into a fresh PostgreSQL cluster made for the purpose under a scratch folder, its
# roles made by deploy/postgres/bootstrap.sql with new passwords. Then, on the restored copy: every table's
# row count equals the original's, `kinerja-admin db status` finds every migration applied with its checksum,
# and the CLI's role (bound by row-level security) lists the cities. The scratch cluster is removed at the end,
# also on failure. This is the README's "Backup and restore" procedure, run end to end.
#   deploy/postgres/restore-check.sh [DATABASE]        (root; the local cluster running: make db-start)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DB="${1:-kinerja_test}"
say() { printf '[restore-check] %s\n' "$*" >&2; }
die() { printf '[restore-check] error: %s\n' "$*" >&2; exit 1; }
secret() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# shellcheck disable=SC1090
. <("$ROOT/deploy/local/pg.sh" env)
version=$(cat "$ROOT/.data/pg/PG_VERSION")
BIN=/usr/lib/postgresql/$version/bin
[ -x "$BIN/initdb" ] || die "no PostgreSQL $version programs in $BIN"
ADMIN_CLI="${KINERJA_ADMIN_BIN:-$ROOT/.build/debug/kinerja-admin}"
[ -x "$ADMIN_CLI" ] || die "$ADMIN_CLI is missing: make build"

work=$(mktemp -d /tmp/kinerja-restore.XXXXXX)
chown postgres "$work"
as_pg() { runuser -u postgres -- "$@"; }
cleanup() {
  as_pg "$BIN/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# A free port for the scratch cluster, on 127.0.0.1 only: 28000-29999 (the replica pair takes 20000-27999).
# shellcheck source=deploy/local/ports.sh
. "$ROOT/deploy/local/ports.sh"
port=$(free_port 28000 2000) || die "no free port found"

src_psql() { PGPASSWORD="$KINERJA_DB_OWNER_PASSWORD" "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$KINERJA_DB_HOST" -p "$KINERJA_DB_PORT" -U "$KINERJA_DB_OWNER_USER" -d "$DB" "$@"; }
# The dump and the original's counts read one snapshot, held by a session kept open meanwhile: the database
# may be written while this runs (the test suite does).
coproc SNAP { src_psql -At 2>&1; }
echo "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT pg_export_snapshot();" >&"${SNAP[1]}"
read -r -t 30 snapshot <&"${SNAP[0]}" || die "could not hold a snapshot of $DB"
say "dumping $DB (pg_dump -Fc, as the owner role, snapshot $snapshot)"
PGPASSWORD="$KINERJA_DB_OWNER_PASSWORD" "$BIN/pg_dump" -Fc --snapshot="$snapshot" -h "$KINERJA_DB_HOST" -p "$KINERJA_DB_PORT" \
  -U "$KINERJA_DB_OWNER_USER" -d "$DB" -f "$work/backup.dump"
chown postgres "$work/backup.dump"
say "backup: $(du -h "$work/backup.dump" | cut -f1)"
# Every table of the public schema with its exact row count, sorted.
count_query=$(src_psql -Atc "SELECT string_agg(format('SELECT %L, count(*) FROM %I', c.relname, c.relname), ' UNION ALL ' ORDER BY c.relname)
                             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')")
before=$(printf 'BEGIN ISOLATION LEVEL REPEATABLE READ;\nSET TRANSACTION SNAPSHOT %s;\n%s;\nCOMMIT;\n' "'$snapshot'" "$count_query" \
         | src_psql -At -F ' ' -f - | sort)
echo "COMMIT;" >&"${SNAP[1]}"; exec {SNAP[1]}>&-; wait "$SNAP_PID" 2>/dev/null || true

say "a fresh cluster in $work/pg on port $port"
# The superuser connects over the socket only (trust, in the scratch folder); the roles over TCP with passwords.
secret > "$work/superuser.pw"; chown postgres "$work/superuser.pw"
as_pg "$BIN/initdb" -D "$work/pg" -U postgres -A scram-sha-256 --auth-local=trust -E UTF8 --no-instructions \
  --pwfile="$work/superuser.pw" >/dev/null
as_pg "$BIN/pg_ctl" -D "$work/pg" -l "$work/pg.log" -o "-p $port -k $work -c listen_addresses=127.0.0.1" -w -t 60 start >/dev/null \
  || { tail -20 "$work/pg.log" >&2; die "the scratch cluster did not start"; }
su_psql() { as_pg "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U postgres "$@"; }

owner_pw=$(secret); app_pw=$(secret); admin_pw=$(secret)
say "roles and database (deploy/postgres/bootstrap.sql)"
su_psql -d postgres -v owner_password="$owner_pw" -v app_password="$app_pw" -v admin_password="$admin_pw" \
  -f "$ROOT/deploy/postgres/bootstrap.sql" >/dev/null

say "restoring (pg_restore --exit-on-error)"
as_pg "$BIN/pg_restore" --exit-on-error -h "$work" -p "$port" -U postgres -d kinerja "$work/backup.dump"
su_psql -d kinerja -c "ANALYZE" >/dev/null

after=$(su_psql -d kinerja -At -F ' ' -c "$count_query" | sort)
tables=$(printf '%s\n' "$before" | wc -l)
rows=$(printf '%s\n' "$before" | awk '{ s += $2 } END { print s }')
if [ "$before" != "$after" ]; then
  diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
  die "row counts differ between $DB and its restored copy"
fi
say "row counts equal: $tables tables, $rows rows"

owner_url="postgres://kinerja_owner:$owner_pw@127.0.0.1:$port/kinerja"
admin_url="postgres://kinerja_admin:$admin_pw@127.0.0.1:$port/kinerja"
(cd "$work" && "$ADMIN_CLI" db status --owner-database-url "$owner_url" --database-url "$admin_url" >"$work/status.txt") \
  || { cat "$work/status.txt" >&2; die "db status on the restored copy: migrations pending or changed"; }
cities=$(cd "$work" && "$ADMIN_CLI" tenant list --database-url "$admin_url" --format csv | tail -n +2 | wc -l)
say "restored copy: migrations current, $cities cities listed by the CLI's role"
echo "restore check passed: $DB, $tables tables, $rows rows, $cities cities"
