-- A realisasi batch looks up each item's employee, SKP in force, IKI and period by key, one index probe per item.
-- In 0035, under the function's generic plan, the planner assumes a batch of 100 items (jsonb_array_elements),
-- so it hashed the employee and IKI subqueries and the join to the SKP in force. Every batch then read all of the city's employees,
-- approved SKPs and IKIs, whatever its size. In a 2,000-employee city that was 10,000 rows for a batch of 8,
-- and the reads grew with the city. The checks, the writes and the outcomes are those of 0035.
CREATE OR REPLACE FUNCTION realisasi_report_items(p_tenant uuid, p_actor text, p_each boolean, p_items jsonb)
RETURNS TABLE (idx integer, outcome text, what text, detail text, reported_at timestamptz, corrected boolean)
LANGUAGE plpgsql SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_outcome text[];
    v_what text[];
    v_detail text[];
    v_at timestamptz[];
    v_corrected boolean[];
BEGIN
    -- One item keeps the item path: its few small statements start faster than the whole batch's one.
    IF jsonb_array_length(p_items) > 1 THEN
    BEGIN
        -- Collected into arrays, not returned as they come: a failure part way must leave no rows behind.
        WITH items AS (
            SELECT (a.o - 1)::integer AS i, a.item, a.item->>'nip' AS nip, (a.item->>'year')::integer AS year,
                   (a.item->>'iki')::uuid AS iki, a.item->>'kind' AS kind, (a.item->>'seq')::integer AS seq,
                   a.item->>'label' AS label
            FROM jsonb_array_elements(p_items) WITH ORDINALITY AS a(item, o)
        ), found AS MATERIALIZED (
            -- Each item's own rows, looked up by key: a lateral lookup is an index probe per item, whatever the
            -- planner guesses of the number of items.
            SELECT it.*, e.known IS NOT NULL AS known, s.revision, k.has_iki IS NOT NULL AS has_iki, p.status
            FROM items it
            LEFT JOIN LATERAL (SELECT true AS known FROM employees e
                               WHERE e.tenant_id = p_tenant AND e.nip = it.nip LIMIT 1) e ON true
            -- The SKP in force (at most one approved per employee and year: skp_one_in_force).
            LEFT JOIN LATERAL (SELECT s.revision FROM skp s
                               WHERE s.tenant_id = p_tenant AND s.nip = it.nip AND s.year = it.year AND s.status = 'approved'
                               LIMIT 1) s ON true
            LEFT JOIN LATERAL (SELECT true AS has_iki FROM skp_iki k
                               WHERE k.tenant_id = p_tenant AND k.nip = it.nip AND k.year = it.year AND k.revision = s.revision
                                 AND k.iki_key = it.iki LIMIT 1) k ON true
            LEFT JOIN LATERAL (SELECT p.status FROM periods p
                               WHERE p.tenant_id = p_tenant AND p.year = it.year AND p.kind = it.kind AND p.sequence = it.seq
                               LIMIT 1) p ON true
        ), checked AS (
            SELECT f.i, f.item, f.nip, f.year, f.iki, f.kind, f.seq, f.label,
                   CASE WHEN NOT f.known THEN 'not_found'
                        WHEN f.revision IS NULL THEN 'state'
                        WHEN NOT f.has_iki THEN 'not_found'
                        WHEN f.status IS NULL THEN 'invalid'
                        WHEN f.status <> 'open' THEN 'state'
                        ELSE 'ok' END AS result,
                   CASE WHEN NOT f.known THEN 'employee'
                        WHEN f.revision IS NULL THEN NULL
                        WHEN NOT f.has_iki THEN 'IKI' END AS subject,
                   CASE WHEN NOT f.known THEN f.nip
                        WHEN f.revision IS NULL THEN
                            format('employee %s has no approved SKP for %s: realisasi is reported against an approved SKP', f.nip, f.year)
                        WHEN NOT f.has_iki THEN format('%s in the approved SKP of %s for %s', f.iki, f.nip, f.year)
                        WHEN f.status IS NULL THEN
                            format('period %s is not a period of %s in this city (its periods: %s)', f.label, f.year,
                                   coalesce((SELECT CASE p.kind WHEN 'monthly' THEN 'M1-M12' ELSE 'Q1-Q4' END FROM periods p
                                              WHERE p.tenant_id = p_tenant AND p.year = f.year AND p.kind <> 'annual'
                                              ORDER BY p.sequence LIMIT 1),
                                            'none: the year is not open'))
                        WHEN f.status <> 'open' THEN
                            format('period %s of %s is closed: it takes no more realisasi (city HR can reopen it, with a reason)',
                                   f.label, f.year) END AS why
            FROM found f
        ), written AS (
            INSERT INTO realisasi AS r (tenant_id, nip, year, iki_key, period_kind, period_seq, value, narrative, evidence, reported_by)
            SELECT p_tenant, c.nip, c.year, c.iki, c.kind, c.seq, (c.item->>'value')::float8::numeric, c.item->>'narrative',
                   coalesce(c.item->'evidence', '[]'::jsonb), p_actor
            FROM checked c WHERE c.result = 'ok' ORDER BY c.i
            ON CONFLICT (tenant_id, nip, year, iki_key, period_kind, period_seq) DO UPDATE
               SET value = excluded.value, narrative = excluded.narrative, evidence = excluded.evidence,
                   reported_at = now(), reported_by = excluded.reported_by
            RETURNING r.nip, r.year, r.iki_key, r.period_kind, r.period_seq, r.reported_at AS at, (r.xmax <> 0) AS again
        ), outcomes AS (
            SELECT c.*, w.at, w.again
            FROM checked c LEFT JOIN written w
              ON w.nip = c.nip AND w.year = c.year AND w.iki_key = c.iki AND w.period_kind = c.kind AND w.period_seq = c.seq
        ), audited AS (
            INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
            SELECT p_tenant, p_actor, CASE WHEN o.again THEN 'realisasi.correct' ELSE 'realisasi.report' END, o.nip || '/' || o.year,
                   jsonb_build_object('iki', o.iki::text, 'period', o.label,
                                      'evidence', jsonb_array_length(coalesce(o.item->'evidence', '[]'::jsonb))::text)
                   || CASE WHEN o.item->>'value_text' IS NOT NULL THEN jsonb_build_object('value', o.item->>'value_text')
                           ELSE '{}'::jsonb END
            FROM outcomes o WHERE o.result = 'ok' ORDER BY o.i
            RETURNING 1
        )
        SELECT array_agg(o.result ORDER BY o.i), array_agg(o.subject ORDER BY o.i), array_agg(o.why ORDER BY o.i),
               array_agg(o.at ORDER BY o.i), array_agg(o.again ORDER BY o.i)
          INTO v_outcome, v_what, v_detail, v_at, v_corrected
          FROM outcomes o;
    EXCEPTION WHEN OTHERS THEN
        IF left(SQLSTATE, 2) IN ('08', '53', '57', '58', 'XX') OR SQLSTATE IN ('40P01', '40001') THEN
            RAISE;
        END IF;
        v_outcome := NULL;
    END;
    END IF;
    IF v_outcome IS NOT NULL THEN
        RETURN QUERY SELECT (u.o - 1)::integer, u.a, u.b, u.c, u.d, u.e
                       FROM unnest(v_outcome, v_what, v_detail, v_at, v_corrected) WITH ORDINALITY AS u(a, b, c, d, e, o);
        RETURN;
    END IF;

    -- Item by item, each in its own subtransaction with p_each (0034).
    RETURN QUERY SELECT * FROM realisasi_report_item_by_item(p_tenant, p_actor, p_each, p_items);
END $$;

