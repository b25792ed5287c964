-- The two calls integrators make most, each one statement: the city is set transaction-locally inside the
-- function, then the work runs under the same row-level security as any other statement of the application
-- (the functions run as their caller, never as the owner). A request pays one round trip instead of four or
-- more (BEGIN, set_config, the statements, COMMIT): PERFORMANCE.md, "What they mean". Their statements are
-- lookups by key, so each keeps one generic plan for the session instead of being planned again at every call
-- (planning the employee's join cost more than running it).

-- One employee, as `TenantTransaction.employee(nip:)` reads it. With p_within, only that employee or someone
-- below them in the atasan chain (what an atasan may see); with p_within null, any employee of the city.
CREATE FUNCTION employee_read(p_tenant uuid, p_nip text, p_within text)
RETURNS TABLE (nip text, name text, gelar_depan text, gelar_belakang text, employee_type text, jabatan_kind text,
               jabatan_level text, jabatan_name text, golongan text, unit_code text, unit_name text, atasan_nip text,
               status text, email text, birth_date text, gender text)
LANGUAGE plpgsql SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    PERFORM set_config('kinerja.tenant_id', p_tenant::text, true);
    -- Nested, so that a caller with no limit never runs the chain's query.
    IF p_within IS NOT NULL THEN
        IF p_within <> p_nip AND NOT EXISTS (
            WITH RECURSIVE up AS (
                SELECT e.atasan_nip FROM employees e WHERE e.tenant_id = p_tenant AND e.nip = p_nip
                UNION
                SELECT e.atasan_nip FROM employees e JOIN up ON e.nip = up.atasan_nip WHERE e.tenant_id = p_tenant
            )
            SELECT 1 FROM up WHERE up.atasan_nip = p_within)
        THEN
            RETURN;
        END IF;
    END IF;
    RETURN QUERY
        SELECT e.nip, e.name, e.gelar_depan, e.gelar_belakang, e.employee_type, e.jabatan_kind, e.jabatan_level,
               e.jabatan_name, e.golongan, u.code, u.name, e.atasan_nip, e.status, e.email, e.birth_date::text, e.gender::text
        FROM employees e JOIN org_units u ON u.tenant_id = e.tenant_id AND u.unit_id = e.unit_id
        WHERE e.tenant_id = p_tenant AND e.nip = p_nip;
END $$;

-- Realisasi reported against approved SKPs: each item checked and written as `reportRealisasi` describes (the
-- employee, the SKP in force, the IKI in it, an open period), its audit entry beside it. The caller has
-- already checked what needs no database (the actor, the value, the evidence). Items are objects:
--   {nip, year, iki (uuid), kind (monthly|quarterly), seq, label (M3, Q1), value (number or null),
--    value_text (how the audit entry writes the value), narrative, evidence (array)}.
-- One row per item: outcome 'ok' (reported_at, corrected), 'not_found' (what, detail is the key), 'state',
-- 'invalid' or 'error' (detail is the message). With p_each, every item runs in its own subtransaction, so a
-- refused or failing one leaves the others; without it, a database error ends the call as usual. With
-- p_all_or_nothing, nothing is written when any item is refused (the rows still say why); with p_undo,
-- nothing is written at all (an all-or-nothing batch whose caller already refused an item: the rest are
-- still checked, to say which would have been accepted).
CREATE FUNCTION realisasi_report(p_tenant uuid, p_actor text, p_each boolean, p_all_or_nothing boolean, p_undo boolean,
                                 p_items jsonb)
RETURNS TABLE (idx integer, outcome text, what text, detail text, reported_at timestamptz, corrected boolean)
LANGUAGE plpgsql SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    r record;
    v_refused boolean := false;
BEGIN
    PERFORM set_config('kinerja.tenant_id', p_tenant::text, true);
    IF NOT (p_all_or_nothing OR p_undo) THEN
        RETURN QUERY SELECT * FROM realisasi_report_items(p_tenant, p_actor, p_each, p_items);
        RETURN;
    END IF;
    -- A subtransaction only for a batch that may have to be undone whole.
    BEGIN
        FOR r IN SELECT * FROM realisasi_report_items(p_tenant, p_actor, p_each, p_items) LOOP
            idx := r.idx; outcome := r.outcome; what := r.what; detail := r.detail;
            reported_at := r.reported_at; corrected := r.corrected;
            v_refused := v_refused OR r.outcome <> 'ok';
            RETURN NEXT;
        END LOOP;
        IF v_refused OR p_undo THEN
            RAISE EXCEPTION 'kinerja: batch refused' USING ERRCODE = 'KN001';
        END IF;
    EXCEPTION WHEN SQLSTATE 'KN001' THEN
        NULL; -- every write of the block is undone; the rows returned above stay
    END;
END $$;

-- The items of realisasi_report in order, each in its own subtransaction with p_each.
CREATE FUNCTION realisasi_report_items(p_tenant uuid, p_actor text, p_each boolean, p_items jsonb)
RETURNS TABLE (idx integer, outcome text, what text, detail text, reported_at timestamptz, corrected boolean)
LANGUAGE plpgsql SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_item jsonb;
BEGIN
    idx := 0;
    FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
        IF p_each THEN
            BEGIN
                SELECT r.outcome, r.what, r.detail, r.reported_at, r.corrected
                  INTO outcome, what, detail, reported_at, corrected
                  FROM realisasi_report_one(p_tenant, p_actor, v_item) r;
            EXCEPTION WHEN OTHERS THEN
                outcome := 'error'; what := NULL; reported_at := NULL; corrected := NULL;
                detail := SQLERRM || ' (SQLSTATE ' || SQLSTATE || ')';
            END;
        ELSE
            SELECT r.outcome, r.what, r.detail, r.reported_at, r.corrected
              INTO outcome, what, detail, reported_at, corrected
              FROM realisasi_report_one(p_tenant, p_actor, v_item) r;
        END IF;
        RETURN NEXT;
        idx := idx + 1;
    END LOOP;
END $$;

-- One item of realisasi_report. A refusal is a row, not an error; a write that fails is an error.
CREATE FUNCTION realisasi_report_one(p_tenant uuid, p_actor text, p_item jsonb)
RETURNS TABLE (outcome text, what text, detail text, reported_at timestamptz, corrected boolean)
LANGUAGE plpgsql SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    v_nip text := p_item->>'nip';
    v_year integer := (p_item->>'year')::integer;
    v_iki uuid := (p_item->>'iki')::uuid;
    v_kind text := p_item->>'kind';
    v_seq integer := (p_item->>'seq')::integer;
    v_label text := p_item->>'label';
    v_known boolean;
    v_revision integer;
    v_has_iki boolean;
    v_status text;
    v_cadence text;
    v_detail jsonb;
BEGIN
    -- The employee, the SKP in force and the IKI in it, in one statement.
    SELECT EXISTS (SELECT 1 FROM employees e WHERE e.tenant_id = p_tenant AND e.nip = v_nip),
           (SELECT s.revision FROM skp s WHERE s.tenant_id = p_tenant AND s.nip = v_nip AND s.year = v_year AND s.status = 'approved'),
           EXISTS (SELECT 1 FROM skp s
                   JOIN skp_iki i ON i.tenant_id = s.tenant_id AND i.nip = s.nip AND i.year = s.year AND i.revision = s.revision
                   WHERE s.tenant_id = p_tenant AND s.nip = v_nip AND s.year = v_year AND s.status = 'approved'
                     AND i.iki_key = v_iki)
      INTO v_known, v_revision, v_has_iki;
    IF NOT v_known THEN
        RETURN QUERY SELECT 'not_found', 'employee', v_nip, NULL::timestamptz, NULL::boolean;
        RETURN;
    END IF;
    IF v_revision IS NULL THEN
        RETURN QUERY SELECT 'state', NULL::text,
            format('employee %s has no approved SKP for %s: realisasi is reported against an approved SKP', v_nip, v_year),
            NULL::timestamptz, NULL::boolean;
        RETURN;
    END IF;
    IF NOT v_has_iki THEN
        RETURN QUERY SELECT 'not_found', 'IKI', format('%s in the approved SKP of %s for %s', v_iki, v_nip, v_year),
            NULL::timestamptz, NULL::boolean;
        RETURN;
    END IF;
    SELECT p.status INTO v_status FROM periods p
    WHERE p.tenant_id = p_tenant AND p.year = v_year AND p.kind = v_kind AND p.sequence = v_seq
    FOR SHARE;
    IF v_status IS NULL THEN
        SELECT CASE p.kind WHEN 'monthly' THEN 'M1-M12' ELSE 'Q1-Q4' END INTO v_cadence FROM periods p
        WHERE p.tenant_id = p_tenant AND p.year = v_year AND p.kind <> 'annual' ORDER BY p.sequence LIMIT 1;
        RETURN QUERY SELECT 'invalid', NULL::text,
            format('period %s is not a period of %s in this city (its periods: %s)', v_label, v_year,
                   coalesce(v_cadence, 'none: the year is not open')),
            NULL::timestamptz, NULL::boolean;
        RETURN;
    END IF;
    IF v_status <> 'open' THEN
        RETURN QUERY SELECT 'state', NULL::text,
            format('period %s of %s is closed: it takes no more realisasi (city HR can reopen it, with a reason)', v_label, v_year),
            NULL::timestamptz, NULL::boolean;
        RETURN;
    END IF;
    INSERT INTO realisasi AS r (tenant_id, nip, year, iki_key, period_kind, period_seq, value, narrative, evidence, reported_by)
    VALUES (p_tenant, v_nip, v_year, v_iki, v_kind, v_seq, (p_item->>'value')::float8::numeric, p_item->>'narrative',
            coalesce(p_item->'evidence', '[]'::jsonb), p_actor)
    ON CONFLICT (tenant_id, nip, year, iki_key, period_kind, period_seq) DO UPDATE
       SET value = excluded.value, narrative = excluded.narrative, evidence = excluded.evidence,
           reported_at = now(), reported_by = excluded.reported_by
    RETURNING r.reported_at, (r.xmax <> 0) INTO reported_at, corrected;
    v_detail := jsonb_build_object('iki', v_iki::text, 'period', v_label,
                                   'evidence', jsonb_array_length(coalesce(p_item->'evidence', '[]'::jsonb))::text);
    IF p_item->>'value_text' IS NOT NULL THEN
        v_detail := v_detail || jsonb_build_object('value', p_item->>'value_text');
    END IF;
    INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
    VALUES (p_tenant, p_actor, CASE WHEN corrected THEN 'realisasi.correct' ELSE 'realisasi.report' END,
            v_nip || '/' || v_year, v_detail);
    outcome := 'ok';
    RETURN NEXT;
END $$;

REVOKE ALL ON FUNCTION employee_read, realisasi_report, realisasi_report_items, realisasi_report_one FROM PUBLIC;
GRANT EXECUTE ON FUNCTION employee_read, realisasi_report, realisasi_report_items, realisasi_report_one TO kinerja_app, kinerja_admin;
