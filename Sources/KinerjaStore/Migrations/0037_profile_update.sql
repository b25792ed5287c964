-- A city's profile replaced by a new, validated one (kinerja-admin tenant update-profile): its version goes up
-- by one, and the city's audit log records the versions, the top-level keys that changed and the profile it
-- replaced, so every version stays on record; the city's dashboard snapshots, computed under the old profile,
-- go. The same profile again changes nothing. An offboarded or purged city takes no writes: its profile stays.
-- p_dry_run: the same checks and answer, nothing written.
CREATE FUNCTION platform_update_profile(p_code text, p_profile jsonb, p_actor text, p_dry_run boolean)
RETURNS TABLE (profile_version integer, changed text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_id uuid; v_status text; v_old jsonb; v_version integer; v_changed text[];
BEGIN
    SELECT t.tenant_id, t.status, t.profile, t.profile_version INTO v_id, v_status, v_old, v_version
    FROM tenants t WHERE t.code = p_code FOR UPDATE;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no tenant with code %', p_code USING ERRCODE = 'no_data_found';
    END IF;
    IF v_status NOT IN ('active', 'suspended') THEN
        RAISE EXCEPTION 'city % is %: it takes no writes, its profile included', p_code, v_status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    SELECT coalesce(array_agg(k ORDER BY k COLLATE "C"), '{}') INTO v_changed
    FROM (SELECT jsonb_object_keys(v_old) AS k UNION SELECT jsonb_object_keys(p_profile)) keys
    WHERE v_old -> k IS DISTINCT FROM p_profile -> k;
    IF cardinality(v_changed) > 0 AND NOT p_dry_run THEN
        -- Row-level security binds the owner too: the city's rows are reached with the city set, for this
        -- transaction only.
        PERFORM set_config('kinerja.tenant_id', v_id::text, true);
        DELETE FROM dashboard_snapshots WHERE tenant_id = v_id;
        UPDATE tenants SET profile = p_profile, profile_version = v_version + 1, updated_at = now() WHERE tenant_id = v_id;
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        VALUES (v_id, p_actor, 'tenant.profile_update', p_code,
                jsonb_build_object('from_version', v_version::text, 'to_version', (v_version + 1)::text,
                                   'changed', array_to_string(v_changed, ', '), 'previous_profile', v_old::text));
    END IF;
    -- The version in force after the call (a dry run: the one it would be).
    RETURN QUERY SELECT v_version + CASE WHEN cardinality(v_changed) > 0 THEN 1 ELSE 0 END, v_changed;
END $$;
REVOKE ALL ON FUNCTION platform_update_profile FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_update_profile TO kinerja_admin;
