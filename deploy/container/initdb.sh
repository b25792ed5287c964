#!/usr/bin/env bash
# Run once by the postgres image on an empty volume: the Kinerja roles and database (bootstrap.sql).
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U postgres -d postgres \
  -v owner_password="$KINERJA_OWNER_PASSWORD" -v app_password="$KINERJA_APP_PASSWORD" \
  -v admin_password="$KINERJA_ADMIN_PASSWORD" -f /kinerja/bootstrap.sql
