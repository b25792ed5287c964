-- An integrator key may be granted only some of the ingestion paths (attendance, complaints, realisasi,
-- employees); a key with no scopes listed may use them all, as integrator keys could before.
ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT '{}'
    CHECK (scopes <@ ARRAY['attendance', 'complaints', 'realisasi', 'employees']::text[]);

DROP FUNCTION auth_api_key(bytea);
CREATE FUNCTION auth_api_key(p_hash bytea)
RETURNS TABLE (tenant_id uuid, tenant_code text, tenant_status text, key_id uuid, role text, label text,
               employee_nip text, revoked boolean, scopes text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE api_keys k SET last_used_at = now()
    WHERE k.key_hash = p_hash AND k.revoked_at IS NULL
      AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute');
    RETURN QUERY
        SELECT k.tenant_id, t.code, t.status, k.key_id, k.role, k.label, k.employee_nip::text, k.revoked_at IS NOT NULL, k.scopes
        FROM api_keys k JOIN tenants t USING (tenant_id)
        WHERE k.key_hash = p_hash
        ORDER BY t.code;
END $$;
REVOKE ALL ON FUNCTION auth_api_key FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_api_key TO kinerja_app, kinerja_admin;
