-- The statement-level checks join the rows a statement touched (a transition table, which has no
-- statistics) with the table they refer to. When that table's statistics predate a large first load (the
-- first city of 100,000 planned on a fresh database), the planner can scan it once per touched row: planning
-- 100,000 SKPs took minutes instead of seconds. Probing the referenced table's key for each distinct touched
-- key is right for one row and for a whole city, so these checks always do that.
ALTER FUNCTION skp_content_is_editable() SET enable_seqscan = off;
ALTER FUNCTION skp_content_is_editable() SET enable_nestloop = on;
ALTER FUNCTION employees_references_exist() SET enable_seqscan = off;
ALTER FUNCTION employees_not_an_atasan() SET enable_seqscan = off;
ALTER FUNCTION org_units_not_in_use() SET enable_seqscan = off;

-- Within the transaction that bulk-writes a city's plans or feedback (the demo and benchmark generators),
-- each row's foreign-key check is planned on statistics that know nothing of the rows written a statement
-- earlier: 60,000 checks of RHK against a fresh SKP table took 90 s, one scan of it each. The application
-- roles may not ANALYZE; this function does, for the tables of those bulk writes only, and it sees the
-- transaction's own rows.
CREATE FUNCTION refresh_bulk_statistics(tables text[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF t NOT IN ('skp', 'skp_rhk', 'skp_iki', 'realisasi', 'behaviour_raters', 'behaviour_ratings') THEN
            RAISE EXCEPTION 'refresh_bulk_statistics: % is not a table of the bulk writes', t USING ERRCODE = 'invalid_parameter_value';
        END IF;
        EXECUTE format('ANALYZE %I', t);
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION refresh_bulk_statistics FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_bulk_statistics TO kinerja_app, kinerja_admin;
