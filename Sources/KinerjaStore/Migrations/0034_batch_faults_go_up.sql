-- In a realisasi batch each item has its own subtransaction, so that a refused item leaves the others. A fault
-- is not a refusal of the item: a connection or resource problem, a system or internal error (classes 08, 53,
-- 57, 58, XX), a deadlock or a serialization failure (40P01, 40001). These now end the whole call, with
-- nothing of it written, as they do for a batch of one, and the caller hears them as such (503, or 409 to
-- retry) instead of an item "rejected" with the fault as its reason.
CREATE OR REPLACE FUNCTION realisasi_report_items(p_tenant uuid, p_actor text, p_each boolean, p_items jsonb)
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
                IF left(SQLSTATE, 2) IN ('08', '53', '57', '58', 'XX') OR SQLSTATE IN ('40P01', '40001') THEN
                    RAISE;
                END IF;
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
