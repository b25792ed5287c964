#!/usr/bin/env bash
# Prints what to try once the server is up, with an hr_admin key for Makassar. The key is made once and
# kept in .data/demo-key (root-only), so running `make run` again reuses it; a revoked key is replaced.
set -euo pipefail
ADMIN="$1"; HOST="$2"; PORT="$3"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KEYFILE="$ROOT/.data/demo-key"
key=""
if [ -s "$KEYFILE" ]; then
  key="$(cat "$KEYFILE")"
  prefix="${key:0:12}"
  "$ADMIN" apikey list --tenant makassar --format csv | grep -q "^$prefix,.*,active" || key=""
fi
if [ -z "$key" ]; then
  key="$("$ADMIN" apikey create --tenant makassar --role hr_admin --label "make run demo")"
  (umask 077; printf '%s\n' "$key" > "$KEYFILE")
fi
cat <<TXT

Kinerja is starting on http://$HOST:$PORT with four demo cities.
An hr_admin key for Makassar (kept in .data/demo-key):

  export TOKEN=$key
  curl -s http://$HOST:$PORT/v1/me -H "Authorization: Bearer \$TOKEN"
  curl -s "http://$HOST:$PORT/v1/employees?limit=3&q=siti" -H "Authorization: Bearer \$TOKEN"

More: README.md ("A five-minute tour"). Stop with Ctrl-C.

TXT
