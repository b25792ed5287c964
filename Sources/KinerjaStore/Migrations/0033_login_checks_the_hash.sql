-- A login's outcome is recorded only for the password the application checked. The check (scrypt) takes tens
-- of milliseconds between reading the stored hash and recording the outcome; a password reset that commits in
-- between would otherwise let the old password open a session. The hash that was checked comes with the
-- outcome and must still be the stored one, read under the row's lock; if it is not, the attempt counts for
-- nothing (no failure, no session) and the caller answers as for a wrong password.
DROP FUNCTION auth_login_record(uuid, text, boolean, uuid, text, bytea, interval, integer, interval);
CREATE FUNCTION auth_login_record(p_tenant uuid, p_nip text, p_checked_hash bytea, p_ok boolean, p_key_id uuid, p_prefix text,
                                  p_key_hash bytea, p_ttl interval, p_max_failures integer, p_lock interval)
RETURNS TABLE (role text, locked_until timestamptz, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_locked timestamptz; v_failed integer; v_role text; v_expires timestamptz; v_hash bytea;
BEGIN
    SELECT c.locked_until, c.failed_attempts, c.password_hash INTO v_locked, v_failed, v_hash
    FROM credentials c WHERE c.tenant_id = p_tenant AND c.nip = p_nip FOR UPDATE;
    IF NOT FOUND OR v_hash IS DISTINCT FROM p_checked_hash THEN
        RETURN QUERY SELECT NULL::text, NULL::timestamptz, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_locked IS NOT NULL AND v_locked > now() THEN
        RETURN QUERY SELECT NULL::text, v_locked, NULL::timestamptz;
        RETURN;
    END IF;
    IF NOT p_ok THEN
        v_failed := CASE WHEN v_locked IS NOT NULL THEN 1 ELSE v_failed + 1 END;
        v_locked := CASE WHEN v_failed >= p_max_failures THEN now() + p_lock END;
        UPDATE credentials c SET failed_attempts = v_failed, locked_until = v_locked
        WHERE c.tenant_id = p_tenant AND c.nip = p_nip;
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        VALUES (p_tenant, 'login:' || p_nip, CASE WHEN v_locked IS NULL THEN 'user.login_failed' ELSE 'user.locked' END, p_nip,
                jsonb_build_object('failed_attempts', v_failed::text));
        RETURN QUERY SELECT NULL::text, v_locked, NULL::timestamptz;
        RETURN;
    END IF;
    UPDATE credentials c SET failed_attempts = 0, locked_until = NULL WHERE c.tenant_id = p_tenant AND c.nip = p_nip;
    v_role := CASE
        WHEN EXISTS (SELECT 1 FROM role_grants g WHERE g.tenant_id = p_tenant AND g.nip = p_nip AND g.role = 'hr_admin') THEN 'hr_admin'
        WHEN EXISTS (SELECT 1 FROM employees r WHERE r.tenant_id = p_tenant AND r.atasan_nip = p_nip AND r.status = 'active') THEN 'atasan'
        ELSE 'pegawai' END;
    v_expires := now() + p_ttl;
    INSERT INTO api_keys (tenant_id, key_id, prefix, key_hash, role, label, employee_nip, kind, expires_at)
    VALUES (p_tenant, p_key_id, p_prefix, p_key_hash, v_role, 'session', p_nip, 'session', v_expires);
    INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
    VALUES (p_tenant, 'login:' || p_nip, 'user.login', p_nip, jsonb_build_object('role', v_role, 'session', p_prefix));
    RETURN QUERY SELECT v_role, NULL::timestamptz, v_expires;
END $$;
REVOKE ALL ON FUNCTION auth_login_record FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_record TO kinerja_app;
