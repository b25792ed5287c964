-- refresh_bulk_statistics (0014) analyses a table a bulk write just filled, inside the write's transaction, so
-- that the write's next statements are planned for its rows. ANALYZE holds its lock on the table until that
-- transaction ends, so a second city's bulk write (a demo seed, say) waited at its own ANALYZE for the whole of
-- the first one's transaction, minutes for a large city, and a statement timeout there failed it. Now each
-- ANALYZE waits at most 5 s for the lock; past that, another transaction is refreshing the table's statistics
-- (the table is every city's) and this one goes on with them as they stand.
CREATE OR REPLACE FUNCTION refresh_bulk_statistics(tables text[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp SET lock_timeout = '5s' AS $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF t NOT IN ('skp', 'skp_rhk', 'skp_iki', 'realisasi', 'behaviour_raters', 'behaviour_ratings') THEN
            RAISE EXCEPTION 'refresh_bulk_statistics: % is not a table of the bulk writes', t USING ERRCODE = 'invalid_parameter_value';
        END IF;
        BEGIN
            EXECUTE format('ANALYZE %I', t);
        EXCEPTION WHEN lock_not_available THEN
            RAISE NOTICE 'refresh_bulk_statistics: % is being analysed by another transaction; its statistics stand', t;
        END;
    END LOOP;
END $$;
