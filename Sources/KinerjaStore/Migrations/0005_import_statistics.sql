-- Right after a bulk import the planner's statistics for employees are stale until autovacuum gets to
-- them, and the next import's set-based checks then pick plans 50x slower. The application roles own no
-- table and may not ANALYZE; this function does it for them, only when many rows changed since the last one.
CREATE FUNCTION refresh_import_statistics()
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT relname FROM pg_stat_user_tables
             WHERE schemaname = 'public' AND relname IN ('employees', 'org_units')
               AND n_mod_since_analyze > 1000 + 0.1 * greatest(n_live_tup, 0) LOOP
        EXECUTE format('ANALYZE %I', r.relname);
    END LOOP;
END $$;

REVOKE ALL ON FUNCTION refresh_import_statistics FROM PUBLIC;
GRANT EXECUTE ON FUNCTION refresh_import_statistics TO kinerja_app, kinerja_admin;
