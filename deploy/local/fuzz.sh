#!/usr/bin/env bash
# Fuzzing the API against its contract: schemathesis (from PyPI, in the virtualenv .tools/) generates requests
# from openapi.yaml, valid and invalid, for every operation, and checks each answer: no server error (5xx) and
# every response as the spec describes it (status, content type, schema). It runs against the debug server on a
# free port, on the local cluster, with a city of its own (fuzz-city: 300 demo employees, the year open, SKPs
# approved) and an hr_admin key of that city, so the generated writes land there. First, the spec's examples
# are checked against their schemas (deploy/local/spec-examples.py).
# Usage: [EXAMPLES=25] deploy/local/fuzz.sh   (make fuzz; make test runs a bounded pass)
set -euo pipefail
cd "$(dirname "$0")/../.."
EXAMPLES="${EXAMPLES:-25}"
ADMIN=.build/debug/kinerja-admin
SERVER=.build/debug/kinerja-server
[ -x "$ADMIN" ] && [ -x "$SERVER" ] || { echo "build first: make build" >&2; exit 1; }
if ! .tools/bin/schemathesis --version 2>/dev/null | grep -q 4.32.5; then
  echo "installing schemathesis from PyPI into .tools/"
  [ -x .tools/bin/pip ] || python3 -m venv .tools
  .tools/bin/pip install -q --disable-pip-version-check --retries 10 --timeout 60 schemathesis==4.32.5 hypothesis==6.170.17
fi
# The spec as integrators' tools read it: every example valid, every key a string under YAML 1.1.
.tools/bin/python deploy/local/spec-examples.py Sources/KinerjaAPI/openapi.yaml
"$ADMIN" db migrate >/dev/null
code=fuzz-city
if ! "$ADMIN" tenant list --format csv 2>/dev/null | grep -q "^$code,"; then
  echo "preparing $code: 300 demo employees, the year open, SKPs approved"
  tmp=$(mktemp); trap 'rm -f "$tmp"' EXIT
  "$ADMIN" demo siasn-csv --employees 300 --city fuzz --seed 11 > "$tmp"
  "$ADMIN" tenant onboard --code "$code" --name "Kota Fuzz" --adapter nasional >/dev/null 2>&1
  "$ADMIN" demo mark --tenant "$code" >/dev/null 2>&1
  "$ADMIN" import employees "$tmp" --tenant "$code" --format json >/dev/null 2>&1
  "$ADMIN" period open --tenant "$code" --year 2026 >/dev/null 2>&1
  "$ADMIN" skp demo-plan --tenant "$code" --year 2026 >/dev/null
fi
key=$("$ADMIN" apikey create --tenant "$code" --role hr_admin --label fuzz 2>/dev/null)
# 30000-31999: apart from the test servers' (10000-19999), the replica pair's (20000-27999) and the restore
# check's (28000-29999), and below the range the system hands out for connections' local ends.
. "$(dirname "$0")/ports.sh"
port=$(free_port 30000 2000) || { echo "no free port found in 30000-31999"; exit 1; }
log=$(mktemp)
"$SERVER" --http-port "$port" --log-level error --rate-limit-per-second 0 > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; "$ADMIN" apikey revoke --tenant "$code" "${key:0:12}" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$port/ready" >/dev/null || { echo "the server did not start:"; cat "$log"; exit 1; }
echo "schemathesis: $EXAMPLES examples per operation against http://127.0.0.1:$port (city $code)"
set +e
.tools/bin/schemathesis run "http://127.0.0.1:$port/openapi.yaml" \
  --header "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$EXAMPLES" --seed 1 --request-timeout 30 --no-color --warnings off
status=$?
set -e
if grep -q "request failed\|error" "$log"; then echo "server log:"; tail -20 "$log"; fi
exit $status
