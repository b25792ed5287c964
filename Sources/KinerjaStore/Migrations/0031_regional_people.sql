-- Regional BKN staff log in as people too. They are civil servants with a NIP, but not employees of any city
-- on the platform, so they are kept outside every city: a person (NIP, name, password) and the cities granted
-- to them. Their login opens one session over exactly those cities, with the role bkn_admin and its limits
-- (summaries, nothing about a person). The password rules are the employees' (scrypt by the application, a
-- lock after repeated failures); every login, failure, logout and change is written to the audit log of each
-- city the person is granted.
CREATE TABLE regional_people (
    nip             text PRIMARY KEY CHECK (nip ~ '^[0-9]{18}$'),
    name            text NOT NULL CHECK (length(btrim(name)) > 0),
    password_hash   bytea CHECK (length(password_hash) = 32),
    salt            bytea CHECK (length(salt) >= 16),
    params          text CHECK (params LIKE 'scrypt$%'),
    failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until    timestamptz,
    changed_at      timestamptz,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((password_hash IS NULL) = (salt IS NULL) AND (salt IS NULL) = (params IS NULL)
           AND (params IS NULL) = (changed_at IS NULL))
);

CREATE TABLE regional_grants (
    nip        text NOT NULL REFERENCES regional_people (nip) ON DELETE CASCADE,
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id),
    granted_by text NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (nip, tenant_id)
);

-- The platform's own tables: only the CLI's role reads and changes them; the server reaches them through
-- the functions below alone.
REVOKE ALL ON regional_people, regional_grants FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON regional_people, regional_grants TO kinerja_admin;

-- A regional session is one key (one id, one hash) with a row in each granted city, like a bkn_admin API key,
-- that knows whose it is.
ALTER TABLE api_keys ADD COLUMN regional_nip text;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_regional_session
    CHECK (regional_nip IS NULL OR (role = 'bkn_admin' AND kind = 'session' AND employee_nip IS NULL));
CREATE INDEX api_keys_regional ON api_keys (regional_nip) WHERE regional_nip IS NOT NULL AND revoked_at IS NULL;

-- The cities a person's session may cover and whose audit log records them: granted and still taking writes
-- (an offboarded or purged city takes none, a session row included).
CREATE FUNCTION regional_cities(p_nip text) RETURNS TABLE (tenant_id uuid, code text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.tenant_id, t.code FROM regional_grants g JOIN tenants t ON t.tenant_id = g.tenant_id
    WHERE g.nip = p_nip AND t.status IN ('active', 'suspended')
    ORDER BY t.code
$$;

-- A login without a city: the person's stored hash for the application to check the password against; no row
-- when there is no such person or no password is set.
CREATE FUNCTION auth_regional_lookup(p_nip text)
RETURNS TABLE (password_hash bytea, salt bytea, params text, locked_until timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT p.password_hash, p.salt, p.params, p.locked_until FROM regional_people p
    WHERE p.nip = p_nip AND p.password_hash IS NOT NULL
$$;

-- The outcome of the check, as auth_login_record for employees (migration 0033): a failure counts and the
-- p_max_failures-th in a row locks for p_lock; a success under no lock clears the count and opens one session over the person's
-- cities (none granted: no session, and an empty list says so). Returns the cities, the lock's end, the
-- session's end.
CREATE FUNCTION auth_regional_record(p_nip text, p_checked_hash bytea, p_ok boolean, p_key_id uuid, p_prefix text,
                                     p_key_hash bytea, p_ttl interval, p_max_failures integer, p_lock interval)
RETURNS TABLE (cities text[], locked_until timestamptz, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_locked timestamptz; v_failed integer; v_expires timestamptz; v_cities text[]; v_hash bytea;
BEGIN
    -- Under the person's lock, which the CLI's changes take first too: the outcome counts only for the hash
    -- the application checked (a reset in between makes it count for nothing), and the cities are the ones
    -- granted now.
    SELECT p.locked_until, p.failed_attempts, p.password_hash INTO v_locked, v_failed, v_hash
    FROM regional_people p WHERE p.nip = p_nip FOR UPDATE;
    IF NOT FOUND OR v_hash IS DISTINCT FROM p_checked_hash THEN
        RETURN QUERY SELECT NULL::text[], NULL::timestamptz, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_locked IS NOT NULL AND v_locked > now() THEN
        RETURN QUERY SELECT NULL::text[], v_locked, NULL::timestamptz;
        RETURN;
    END IF;
    IF NOT p_ok THEN
        v_failed := CASE WHEN v_locked IS NOT NULL THEN 1 ELSE v_failed + 1 END;
        v_locked := CASE WHEN v_failed >= p_max_failures THEN now() + p_lock END;
        UPDATE regional_people p SET failed_attempts = v_failed, locked_until = v_locked WHERE p.nip = p_nip;
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        SELECT c.tenant_id, 'login:' || p_nip, CASE WHEN v_locked IS NULL THEN 'user.login_failed' ELSE 'user.locked' END, p_nip,
               jsonb_build_object('failed_attempts', v_failed::text, 'regional', 'true')
        FROM regional_cities(p_nip) c;
        RETURN QUERY SELECT NULL::text[], v_locked, NULL::timestamptz;
        RETURN;
    END IF;
    UPDATE regional_people p SET failed_attempts = 0, locked_until = NULL WHERE p.nip = p_nip;
    SELECT coalesce(array_agg(c.code ORDER BY c.code), '{}') INTO v_cities FROM regional_cities(p_nip) c;
    IF cardinality(v_cities) = 0 THEN
        RETURN QUERY SELECT v_cities, NULL::timestamptz, NULL::timestamptz;
        RETURN;
    END IF;
    v_expires := now() + p_ttl;
    INSERT INTO api_keys (tenant_id, key_id, prefix, key_hash, role, label, kind, expires_at, regional_nip)
    SELECT c.tenant_id, p_key_id, p_prefix, p_key_hash, 'bkn_admin', 'session ' || p_nip, 'session', v_expires, p_nip
    FROM regional_cities(p_nip) c;
    INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
    SELECT c.tenant_id, 'login:' || p_nip, 'user.login', p_nip,
           jsonb_build_object('role', 'bkn_admin', 'session', p_prefix, 'regional', 'true')
    FROM regional_cities(p_nip) c;
    RETURN QUERY SELECT v_cities, NULL::timestamptz, v_expires;
END $$;

-- Logout of a regional session: its row in every city ends, whatever the city's state (an offboarded city is
-- still read); audited in the cities that take writes. Returns how many rows ended (0: not a regional
-- session, or already ended).
CREATE FUNCTION auth_regional_logout(p_key_id uuid) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH ended AS (
        UPDATE api_keys k SET revoked_at = now()
        WHERE k.key_id = p_key_id AND k.regional_nip IS NOT NULL AND k.revoked_at IS NULL
        RETURNING k.tenant_id, k.prefix, k.regional_nip
    ), logged AS (
        INSERT INTO audit_log (tenant_id, actor, action, subject)
        SELECT e.tenant_id, 'session:' || e.prefix, 'user.logout', e.regional_nip FROM ended e
        WHERE e.tenant_id IN (SELECT t.tenant_id FROM tenants t WHERE t.status IN ('active', 'suspended'))
        RETURNING 1
    )
    SELECT count(*)::integer FROM ended
$$;

-- For the CLI: ends a person's open sessions, in one city or (p_tenant null) all, whatever the city's state;
-- each ended row is audited in its city when it takes writes. Returns how many sessions (keys) ended.
CREATE FUNCTION regional_close_sessions(p_nip text, p_tenant uuid, p_actor text) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH ended AS (
        UPDATE api_keys k SET revoked_at = now()
        WHERE k.regional_nip = p_nip AND k.revoked_at IS NULL AND (p_tenant IS NULL OR k.tenant_id = p_tenant)
        RETURNING k.tenant_id, k.key_id, k.prefix
    ), logged AS (
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        SELECT e.tenant_id, p_actor, 'user.session_closed', p_nip, jsonb_build_object('session', e.prefix, 'regional', 'true')
        FROM ended e
        WHERE e.tenant_id IN (SELECT t.tenant_id FROM tenants t WHERE t.status IN ('active', 'suspended'))
        RETURNING 1
    )
    SELECT count(DISTINCT e.key_id)::integer FROM ended e
$$;

-- For the CLI: an audit entry about a person in each city granted to them (or in p_tenant alone).
CREATE FUNCTION regional_audit(p_nip text, p_tenant uuid, p_actor text, p_action text, p_detail jsonb) RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH logged AS (
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        SELECT c.tenant_id, p_actor, p_action, p_nip, p_detail || jsonb_build_object('regional', 'true')
        FROM regional_cities(p_nip) c WHERE p_tenant IS NULL OR c.tenant_id = p_tenant
        RETURNING 1
    )
    SELECT count(*)::integer FROM logged
$$;

-- For the CLI: every person (or one), with their granted cities by code (an offboarded or purged one included:
-- the grant stays on record), whether a password is set, the lock and their open sessions, counted per key.
CREATE FUNCTION regional_people_list(p_nip text)
RETURNS TABLE (nip text, name text, cities text[], has_password boolean, failed_attempts integer, locked_until timestamptz,
               sessions integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT p.nip, p.name,
           coalesce((SELECT array_agg(t.code ORDER BY t.code) FROM regional_grants g JOIN tenants t ON t.tenant_id = g.tenant_id
                     WHERE g.nip = p.nip), '{}'),
           p.password_hash IS NOT NULL, p.failed_attempts, p.locked_until,
           (SELECT count(DISTINCT k.key_id)::integer FROM api_keys k
            WHERE k.regional_nip = p.nip AND k.revoked_at IS NULL AND k.expires_at > now())
    FROM regional_people p
    WHERE p_nip IS NULL OR p.nip = p_nip
    ORDER BY p.nip
$$;

REVOKE ALL ON FUNCTION regional_cities, auth_regional_lookup, auth_regional_record, auth_regional_logout,
    regional_close_sessions, regional_audit, regional_people_list FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_regional_lookup, auth_regional_record, auth_regional_logout TO kinerja_app;
GRANT EXECUTE ON FUNCTION regional_cities, regional_close_sessions, regional_audit, regional_people_list TO kinerja_admin;
