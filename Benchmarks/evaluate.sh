#!/usr/bin/env bash
# Evaluation benchmark: `kinerja-admin evaluate run` on a city of N employees (default 100,000) with a year of
# approved, cascaded SKPs, realisasi for the quarters already ended and the atasan's 360 ratings, against a
# baseline measured in the same run on the same rows (PERFORMANCE.md): one SQL aggregate, weighted capaian and
# a category per employee, INSERT ... SELECT ... GROUP BY into a result table.
# Usage: Benchmarks/evaluate.sh [EMPLOYEES]. Uses the release build if there is one (make release), else the
# debug build; the local cluster must be running (make db-start).
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
# shellcheck source=Benchmarks/common.sh
. Benchmarks/common.sh

code="bench-eval-$(date +%s)"
echo "preparing $code: $N employees, plans, realisasi and the atasan's 360 ratings (not timed)"
"$BIN" demo siasn-csv --employees "$N" --city bench --seed 3 > "$dir/siasn.csv"
"$BIN" tenant onboard --code "$code" --name "Kota Bench" --adapter nasional 2>/dev/null
"$BIN" import employees "$dir/siasn.csv" --tenant "$code" --format json > /dev/null 2>&1
"$BIN" period open --tenant "$code" --year 2026 2>/dev/null
"$BIN" skp demo-plan --tenant "$code" --year 2026
"$BIN" feedback assign --tenant "$code" --year 2026 --period Y
tenant=$("${PSQL[@]}" -Atc "select tenant_id from tenants where code = '$code'")
"${PSQL[@]}" -c "
  insert into behaviour_ratings (tenant_id, year, period_kind, period_seq, ratee_nip, rater_nip, value, score)
  select r.tenant_id, r.year, r.period_kind, r.period_seq, r.ratee_nip, r.rater_nip, v, 3 + (hashtext(r.ratee_nip || v) & 1)
  from behaviour_raters r, unnest(array['berorientasi_pelayanan','akuntabel','kompeten','harmonis','loyal','adaptif','kolaboratif']) v
  where r.tenant_id = '$tenant' and r.source = 'atasan';
  analyze skp; analyze skp_rhk; analyze skp_iki; analyze realisasi; analyze behaviour_ratings; analyze behaviour_raters;"
rows=$("${PSQL[@]}" -Atc "select count(*) from realisasi where tenant_id = '$tenant'")

# Baseline: one aggregate over the same realisasi and targets, per employee, into a result table.
t0=$(now)
"${PSQL[@]}" -c "
  create unlogged table bench_eval_baseline as
  select x.nip, avg(x.value / nullif(i.target_value, 0)) * 100 as capaian,
         case when avg(x.value / nullif(i.target_value, 0)) >= 1.1 then 'Di Atas' when avg(x.value / nullif(i.target_value, 0)) >= 0.8
              then 'Sesuai' else 'Di Bawah' end as category
  from realisasi x join skp_iki i on i.tenant_id = x.tenant_id and i.nip = x.nip and i.year = x.year and i.iki_key = x.iki_key
  where x.tenant_id = '$tenant' and x.year = 2026 group by x.nip"
t1=$(now)
baseline=$(secs "$t0" "$t1")
"${PSQL[@]}" -c "drop table bench_eval_baseline"

t0=$(now); timed "$BIN" evaluate run --tenant "$code" --year 2026 --period Y; t1=$(now)
run=$(secs "$t0" "$t1"); rss=$(cat "$dir/rss")
t0=$(now); "$BIN" evaluate run --tenant "$code" --year 2026 --period Y 2>/dev/null; t1=$(now)
again=$(secs "$t0" "$t1")
cat <<TXT

Evaluation benchmark ($build build; CLI and PostgreSQL share this machine's $(nproc) cores)
  $N employees, $rows realisasi rows
  one SQL aggregate (baseline)          ${baseline} s
  evaluate run                          ${run} s      $(ratio "$run" "$baseline")x the baseline; CLI peak RSS $((rss / 1024)) MB
  evaluate run again (replaces proposals) ${again} s    $(ratio "$again" "$baseline")x
TXT
echo "(the city $code is left in place; remove the local data with FORCE=1 make db-reset)"
