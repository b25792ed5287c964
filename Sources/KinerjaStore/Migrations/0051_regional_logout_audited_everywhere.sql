-- A regional session's logout, and the CLI closing a regional person's sessions, are audited in an offboarded
-- city too, as a city session's logout is there (0042): the session's row in that city ends with the rest, and
-- its log is the record of who could read the city until when. Before, only the active and suspended cities'
-- logs had the entry. A purged city has no log to write to.
CREATE OR REPLACE FUNCTION auth_regional_logout(p_key_id uuid) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH ended AS (
        UPDATE api_keys k SET revoked_at = now()
        WHERE k.key_id = p_key_id AND k.regional_nip IS NOT NULL AND k.revoked_at IS NULL
        RETURNING k.tenant_id, k.prefix, k.regional_nip
    ), logged AS (
        INSERT INTO audit_log (tenant_id, actor, action, subject)
        SELECT e.tenant_id, 'session:' || e.prefix, 'user.logout', e.regional_nip FROM ended e
        WHERE e.tenant_id IN (SELECT t.tenant_id FROM tenants t WHERE t.status IN ('active', 'suspended', 'offboarded'))
        RETURNING 1
    )
    SELECT count(*)::integer FROM ended
$$;

CREATE OR REPLACE FUNCTION regional_close_sessions(p_nip text, p_tenant uuid, p_actor text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH ended AS (
        UPDATE api_keys k SET revoked_at = now()
        WHERE k.regional_nip = p_nip AND k.revoked_at IS NULL AND (p_tenant IS NULL OR k.tenant_id = p_tenant)
        RETURNING k.tenant_id, k.key_id, k.prefix
    ), logged AS (
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        SELECT e.tenant_id, p_actor, 'user.session_closed', p_nip, jsonb_build_object('session', e.prefix, 'regional', 'true')
        FROM ended e
        WHERE e.tenant_id IN (SELECT t.tenant_id FROM tenants t WHERE t.status IN ('active', 'suspended', 'offboarded'))
        RETURNING 1
    )
    SELECT count(DISTINCT e.key_id)::integer FROM ended e
$$;
