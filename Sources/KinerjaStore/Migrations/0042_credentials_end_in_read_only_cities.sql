-- An offboarded city is read-only (0019), but its credentials must still be ended: city HR revoking a leaked
-- API key, a person logging out. Both failed there ("its data are read-only"), leaving a key that reads the
-- city for the whole retention period. They now run as the owner with the city setting cleared for their two
-- statements, which tenant_is_writable() lets through, as it lets the platform functions; each first checks that
-- the key belongs to the city the caller is in, and the setting is put back before returning. Every other
-- write to the city is refused as before.

-- Revoking a key revokes it in every city it covers, in one transaction (0002), read-only cities included.
CREATE OR REPLACE FUNCTION platform_revoke_api_key(p_key_id uuid, p_actor text)
RETURNS TABLE (tenant_code text) LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_tenant text := current_setting('kinerja.tenant_id');
BEGIN
    IF NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.key_id = p_key_id AND k.tenant_id = v_tenant::uuid) THEN
        RAISE EXCEPTION 'no API key % in this city', p_key_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM set_config('kinerja.tenant_id', '', true);
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
    PERFORM set_config('kinerja.tenant_id', v_tenant, true);
END $$;

-- Logging out: the session p_key_id of the caller's city ends now; its NIP, or nothing when it was no open
-- session of this city.
CREATE FUNCTION session_end(p_key_id uuid, p_actor text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_tenant text := current_setting('kinerja.tenant_id'); v_nip text;
BEGIN
    PERFORM set_config('kinerja.tenant_id', '', true);
    UPDATE api_keys SET revoked_at = now()
     WHERE tenant_id = v_tenant::uuid AND key_id = p_key_id AND kind = 'session' AND revoked_at IS NULL
    RETURNING coalesce(employee_nip, '') INTO v_nip;
    IF v_nip IS NOT NULL THEN
        INSERT INTO audit_log (tenant_id, actor, action, subject) VALUES (v_tenant::uuid, p_actor, 'user.logout', v_nip);
    END IF;
    PERFORM set_config('kinerja.tenant_id', v_tenant, true);
    RETURN v_nip;
END $$;

REVOKE ALL ON FUNCTION session_end FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_end TO kinerja_app, kinerja_admin;
