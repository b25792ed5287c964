-- A regional person's entries (a password reset, a withdrawn grant, the person removed) go to the log of every
-- city granted that still has one, an offboarded city included. 0051 put the sessions those steps close in an
-- offboarded city's log (`user.session_closed`), but the entry that says why went only to active and suspended
-- cities, so an offboarded city's log showed sessions closed for no reason. A purged city has no log to write to.
CREATE OR REPLACE FUNCTION regional_audit(p_nip text, p_tenant uuid, p_actor text, p_action text, p_detail jsonb) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH logged AS (
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        SELECT t.tenant_id, p_actor, p_action, p_nip, p_detail || jsonb_build_object('regional', 'true')
        FROM regional_grants g JOIN tenants t ON t.tenant_id = g.tenant_id
        WHERE g.nip = p_nip AND t.status IN ('active', 'suspended', 'offboarded') AND (p_tenant IS NULL OR t.tenant_id = p_tenant)
        RETURNING 1
    )
    SELECT count(*)::integer FROM logged
$$;
