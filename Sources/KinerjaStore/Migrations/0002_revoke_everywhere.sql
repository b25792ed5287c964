-- Revoking a key revokes it in every city it covers, in one transaction. Callable only from inside a
-- city that holds the key (the current tenant setting), so a key id alone reaches nothing.
CREATE FUNCTION platform_revoke_api_key(p_key_id uuid, p_actor text)
RETURNS TABLE (tenant_code text) LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM api_keys k
                   WHERE k.key_id = p_key_id AND k.tenant_id = current_setting('kinerja.tenant_id')::uuid) THEN
        RAISE EXCEPTION 'no API key % in this city', p_key_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY
    WITH revoked AS (
        UPDATE api_keys k SET revoked_at = now()
        WHERE k.key_id = p_key_id AND k.revoked_at IS NULL
        RETURNING k.tenant_id, k.prefix
    ), logged AS (
        INSERT INTO audit_log (tenant_id, actor, action, subject)
        SELECT r.tenant_id, p_actor, 'apikey.revoke', r.prefix FROM revoked r
        RETURNING audit_log.tenant_id
    )
    SELECT t.code FROM logged l JOIN tenants t USING (tenant_id) ORDER BY t.code;
END $$;

REVOKE ALL ON FUNCTION platform_revoke_api_key FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_revoke_api_key TO kinerja_app;
