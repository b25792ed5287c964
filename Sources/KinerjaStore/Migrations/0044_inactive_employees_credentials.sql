-- A credential that speaks for an employee (a login session, or a key HR made for one) is refused while the
-- employee is inactive: someone a SIASN import or a put marks as retired or moved out no longer reads or
-- writes the city with the role they had, until their session ends. As 0027's, with that one condition.
CREATE OR REPLACE FUNCTION auth_api_key(p_hash bytea)
RETURNS TABLE (tenant_id uuid, tenant_code text, tenant_status text, key_id uuid, role text, label text,
               employee_nip text, revoked boolean, scopes text[], expired boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE api_keys k SET last_used_at = now()
    WHERE k.key_hash = p_hash AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
      AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute');
    RETURN QUERY
        SELECT k.tenant_id, t.code, t.status, k.key_id, k.role, k.label, k.employee_nip::text,
               k.revoked_at IS NOT NULL OR coalesce(k.expires_at <= now(), false)
                   OR (k.employee_nip IS NOT NULL AND NOT EXISTS (
                           SELECT 1 FROM employees e
                           WHERE e.tenant_id = k.tenant_id AND e.nip = k.employee_nip AND e.status = 'active')),
               k.scopes,
               coalesce(k.expires_at <= now(), false)
        FROM api_keys k JOIN tenants t USING (tenant_id)
        WHERE k.key_hash = p_hash
        ORDER BY t.code;
END $$;
