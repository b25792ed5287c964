-- refresh_import_statistics (0005) analysed employees and org_units only when more than 10% of the table had
-- changed, as autovacuum does. On a deployment of many cities that misses exactly the case that matters: a
-- new city of 100,000 imported next to 1,000,000 employees is 9% of the table but all of that city's rows,
-- and the statistics still say the city has none. Every plan for the new city then joins its employees as if
-- there were one (planning its 360 feedback ran for more than 15 minutes instead of seconds). A city's
-- queries are estimated from its own rows, so the rule is now an absolute one: more than 1,000 rows changed
-- since the last analyse. ANALYZE samples at most 30,000 rows whatever the table's size (well under a
-- second), next to an import of thousands of rows.
CREATE OR REPLACE FUNCTION refresh_import_statistics()
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT relname FROM pg_stat_user_tables
             WHERE schemaname = 'public' AND relname IN ('employees', 'org_units')
               AND n_mod_since_analyze > 1000
             -- The order analyze_after_import takes them in: two sessions analysing wait for each other,
             -- never deadlock.
             ORDER BY relname LOOP
        EXECUTE format('ANALYZE %I', r.relname);
    END LOOP;
END $$;

-- The count of changed rows reaches the statistics view only when the importing session flushes it (up to
-- seconds after its commit), so a refresh right after an import may not see it. The import itself knows what
-- it changed: with more than 1,000 rows it analyses inside its own transaction, and the new statistics
-- commit with the rows.
CREATE FUNCTION analyze_after_import(p_changed integer)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF p_changed > 1000 THEN
        ANALYZE employees;
        ANALYZE org_units;
    END IF;
END $$;
REVOKE ALL ON FUNCTION analyze_after_import FROM PUBLIC;
GRANT EXECUTE ON FUNCTION analyze_after_import TO kinerja_app, kinerja_admin;
