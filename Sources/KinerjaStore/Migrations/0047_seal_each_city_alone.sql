-- One city whose seal fails (its head removed or moved back, so that the next position is taken) no longer
-- rolls back every city's round: each city seals in a subtransaction of its own, and a failure comes back as
-- that city's row with sealed = -1, which the server logs naming it; the other cities are sealed, and their
-- change feeds move on. A statement timeout still ends the whole round (it is not caught).
CREATE OR REPLACE FUNCTION audit_seal_all() RETURNS TABLE (tenant_id uuid, sealed integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE t uuid;
BEGIN
    FOR t IN SELECT DISTINCT a.tenant_id FROM audit_log a WHERE a.chain_seq IS NULL LOOP
        IF pg_try_advisory_xact_lock(hashtextextended('kinerja.audit_seal:' || t::text, 0)) THEN
            tenant_id := t;
            BEGIN
                sealed := audit_seal(t);
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'audit seal of city % failed: % (SQLSTATE %)', t, SQLERRM, SQLSTATE;
                sealed := -1;
            END;
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;
