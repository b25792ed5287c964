-- The database and its three roles on a production PostgreSQL (15 or later), as a superuser, once:
--   pw() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
--   OWNER_PW=$(pw) APP_PW=$(pw) ADMIN_PW=$(pw)
--   psql -h HOST -U postgres -v owner_password="$OWNER_PW" -v app_password="$APP_PW" \
--        -v admin_password="$ADMIN_PW" -f deploy/postgres/bootstrap.sql
-- Then put the passwords in /etc/kinerja/migrate.env (owner) and /etc/kinerja/kinerja.env (app, and admin
-- on hosts where operators run kinerja-admin). Running it again resets the passwords and changes nothing else.
--   kinerja_owner  owns the schema and runs the migrations; does platform work across cities through a few
--                  audited SECURITY DEFINER functions, hence BYPASSRLS. Nothing else connects as it. It may
--                  set session_replication_role, which importing and purging one city need (kinerja-admin
--                  tenant import, tenant purge: they write past the triggers that guard daily changes).
--   kinerja_app    the server: owns nothing, bound by row-level security (the server refuses a role that
--                  could bypass it).
--   kinerja_admin  the CLI (kinerja-admin): owns nothing, bound by row-level security, alone may call the
--                  platform functions that onboard and supervise cities.
\set ON_ERROR_STOP on
SELECT 'CREATE ROLE kinerja_owner LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kinerja_owner') \gexec
SELECT 'CREATE ROLE kinerja_app LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kinerja_app') \gexec
SELECT 'CREATE ROLE kinerja_admin LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kinerja_admin') \gexec
ALTER ROLE kinerja_owner NOSUPERUSER NOCREATEDB NOCREATEROLE BYPASSRLS PASSWORD :'owner_password';
ALTER ROLE kinerja_app NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
ALTER ROLE kinerja_admin NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'admin_password';
GRANT SET ON PARAMETER session_replication_role TO kinerja_owner;
SELECT 'CREATE DATABASE kinerja OWNER kinerja_owner' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'kinerja') \gexec
\connect kinerja
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kinerja_app, kinerja_admin;
ALTER SCHEMA public OWNER TO kinerja_owner;
