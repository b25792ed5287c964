-- People log in with NIP and password. The password is hashed by the application (scrypt, a salt of its own
-- per employee); only the hash, the salt and the parameters are kept, with the failed attempts in a row and
-- the lock they lead to. A session is an API key that expires (kind 'session'); logout revokes it.
CREATE TABLE credentials (
    tenant_id       uuid NOT NULL REFERENCES tenants (tenant_id),
    nip             char(18) NOT NULL,
    password_hash   bytea NOT NULL CHECK (length(password_hash) = 32),
    salt            bytea NOT NULL CHECK (length(salt) >= 16),
    params          text NOT NULL CHECK (params LIKE 'scrypt$%'),
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    timestamptz,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    changed_by      text NOT NULL,
    PRIMARY KEY (tenant_id, nip),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip) ON DELETE CASCADE
);
SELECT guard_tenant_table('credentials');
GRANT SELECT, INSERT, UPDATE, DELETE ON credentials TO kinerja_admin;
CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON credentials
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable();

-- Roles beyond the employee record (pegawai; atasan of their reports): city HR, granted by the CLI.
CREATE TABLE role_grants (
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id),
    nip        char(18) NOT NULL,
    role       text NOT NULL CHECK (role IN ('hr_admin')),
    granted_by text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, nip, role),
    FOREIGN KEY (tenant_id, nip) REFERENCES employees (tenant_id, nip) ON DELETE CASCADE
);
SELECT guard_tenant_table('role_grants');
GRANT SELECT ON role_grants TO kinerja_app;
GRANT SELECT, INSERT, DELETE ON role_grants TO kinerja_admin;
CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON role_grants
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable();

ALTER TABLE api_keys ADD COLUMN kind text NOT NULL DEFAULT 'key' CHECK (kind IN ('key', 'session'));
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_session_expires CHECK ((kind = 'session') = (expires_at IS NOT NULL));
CREATE INDEX api_keys_sessions ON api_keys (tenant_id, employee_nip) WHERE kind = 'session' AND revoked_at IS NULL;

-- Authentication now tells an expired session from a revoked key.
DROP FUNCTION auth_api_key(bytea);
CREATE FUNCTION auth_api_key(p_hash bytea)
RETURNS TABLE (tenant_id uuid, tenant_code text, tenant_status text, key_id uuid, role text, label text,
               employee_nip text, revoked boolean, scopes text[], expired boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE api_keys k SET last_used_at = now()
    WHERE k.key_hash = p_hash AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
      AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute');
    RETURN QUERY
        SELECT k.tenant_id, t.code, t.status, k.key_id, k.role, k.label, k.employee_nip::text,
               k.revoked_at IS NOT NULL OR coalesce(k.expires_at <= now(), false), k.scopes,
               coalesce(k.expires_at <= now(), false)
        FROM api_keys k JOIN tenants t USING (tenant_id)
        WHERE k.key_hash = p_hash
        ORDER BY t.code;
END $$;
REVOKE ALL ON FUNCTION auth_api_key FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_api_key TO kinerja_app, kinerja_admin;

-- A login, before any city is chosen: the city by its code and the employee's stored hash, for the
-- application to check the password against. One row when the city exists; the employee's columns are null
-- when there is no such active employee with a password.
CREATE FUNCTION auth_login_lookup(p_code text, p_nip text)
RETURNS TABLE (tenant_id uuid, tenant_status text, password_hash bytea, salt bytea, params text, locked_until timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.tenant_id, t.status, c.password_hash, c.salt, c.params, c.locked_until
    FROM tenants t
    LEFT JOIN employees e ON e.tenant_id = t.tenant_id AND e.nip = p_nip AND e.status = 'active'
    LEFT JOIN credentials c ON c.tenant_id = e.tenant_id AND c.nip = e.nip
    WHERE t.code = p_code
$$;

-- The outcome of the password check. A failure counts, and the p_max_failures-th in a row locks the login
-- for p_lock; a success under no lock clears the count and opens a session (the key's hash, made by the
-- application) with the employee's role: hr_admin when granted, atasan when anyone reports to them, else
-- pegawai. Both audited. Returns the role (null on a failure or a lock) and the lock's end, if any.
CREATE FUNCTION auth_login_record(p_tenant uuid, p_nip text, p_ok boolean, p_key_id uuid, p_prefix text, p_key_hash bytea,
                                  p_ttl interval, p_max_failures integer, p_lock interval)
RETURNS TABLE (role text, locked_until timestamptz, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_locked timestamptz; v_failed integer; v_role text; v_expires timestamptz;
BEGIN
    SELECT c.locked_until, c.failed_attempts INTO v_locked, v_failed
    FROM credentials c WHERE c.tenant_id = p_tenant AND c.nip = p_nip FOR UPDATE;
    IF NOT FOUND THEN
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
REVOKE ALL ON FUNCTION auth_login_lookup, auth_login_record FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_login_lookup, auth_login_record TO kinerja_app;
