#!/usr/bin/env bash
# Import benchmark: 100,000 employees from a SIASN-style CSV, against baselines measured in the same run on
# the same file and the same database (PERFORMANCE.md):
#   - raw COPY of the file into an unlogged table (the floor),
#   - raw COPY of the file into a logged table keyed (tenant_id, nip) (the fair baseline),
#   - kinerja-admin import employees into an empty city (stream, check, stage, merge, one transaction),
#   - the same file again (everything unchanged).
# Usage: Benchmarks/import.sh [EMPLOYEES] (default 100000). Uses the release build if there is one
# (make release), else the debug build; the local cluster must be running (make db-start).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
# shellcheck source=Benchmarks/common.sh
. Benchmarks/common.sh
file="$dir/siasn.csv"
t0=$(now); "$BIN" demo siasn-csv --employees "$N" --city bench --seed 1 > "$file"; t1=$(now)
size=$(du -h "$file" | cut -f1)
echo "file: $N employees, $size, 34 SIASN columns (generated in $(secs "$t0" "$t1") s)"

# Baselines: the same file, raw COPY.
"${PSQL[@]}" <<SQL
drop table if exists bench_unlogged, bench_keyed;
create unlogged table bench_unlogged ($(head -1 "$file" | tr ',' '\n' | sed 's/.*/"&" text/' | paste -sd,));
create table bench_keyed (tenant_id uuid not null default '00000000-0000-0000-0000-000000000001',
  $(head -1 "$file" | tr ',' '\n' | sed 's/.*/"&" text/' | paste -sd,), primary key (tenant_id, "NIP"));
SQL
t0=$(now); "${PSQL[@]}" -c "\\copy bench_unlogged from '$file' csv header"; t1=$(now)
unlogged=$(secs "$t0" "$t1")
cols=$(head -1 "$file" | tr ',' '\n' | sed 's/.*/"&"/' | paste -sd,)
t0=$(now); "${PSQL[@]}" -c "\\copy bench_keyed ($cols) from '$file' csv header"; t1=$(now)
keyed=$(secs "$t0" "$t1")
"${PSQL[@]}" -c "drop table bench_unlogged, bench_keyed"

# The import into a new, empty city.
code="bench-$(date +%s)"
"$BIN" tenant onboard --code "$code" --name "Kota Bench" --adapter nasional 2>/dev/null
t0=$(now); timed "$BIN" import employees "$file" --tenant "$code" --format json > "$dir/first.json"; t1=$(now)
first=$(secs "$t0" "$t1"); rss1=$(cat "$dir/rss")
t0=$(now); timed "$BIN" import employees "$file" --tenant "$code" --format json > "$dir/again.json"; t1=$(now)
again=$(secs "$t0" "$t1"); rss2=$(cat "$dir/rss")

cat <<TXT

Import benchmark ($build build; load, CLI and PostgreSQL share this machine's $(nproc) cores)
  raw COPY, unlogged table             ${unlogged} s
  raw COPY, logged table keyed by NIP  ${keyed} s      (the baseline)
  import, new city                     ${first} s      $(ratio "$first" "$keyed")x the baseline, $(ratio "$first" "$unlogged")x unlogged COPY; CLI peak RSS $((rss1 / 1024)) MB
  import, same file again (unchanged)  ${again} s      $(ratio "$again" "$keyed")x the baseline; CLI peak RSS $((rss2 / 1024)) MB
  summary of the first import: $(tr -d ' \n' < "$dir/first.json" | cut -c1-160)
TXT
echo "(the city $code is left in place; remove the local data with FORCE=1 make db-reset)"
