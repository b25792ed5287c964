-- Leaving the platform, one city at a time.
--
--   offboarded  the city's data stay, read-only, until retain_until (the retention its profile states);
--               reads go on, every write is refused by the database itself (below).
--   purged      after the retention, its rows are deleted; the tenants row stays as a tombstone (the code
--               is not given to another city) with the purge's own audit entry.
--
-- Purging and importing a city run as the owner with session_replication_role = replica (no user
-- triggers, no foreign-key triggers), granted to the owner by deploy/postgres/bootstrap.sql with
-- GRANT SET ON PARAMETER (PostgreSQL 15).

ALTER TABLE tenants DROP CONSTRAINT tenants_status_check;
ALTER TABLE tenants ADD CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended', 'offboarded', 'purged'));
ALTER TABLE tenants ADD COLUMN offboarded_at timestamptz, ADD COLUMN retain_until timestamptz;
ALTER TABLE tenants ADD CONSTRAINT tenants_offboarding_check
    CHECK ((status IN ('offboarded', 'purged')) = (offboarded_at IS NOT NULL AND retain_until IS NOT NULL));

-- Every write to an offboarded or purged city fails, whoever asks and through whatever path: one check per
-- statement on every tenant table. The application roles always name their city (kinerja.tenant_id);
-- the owner's platform functions do not, and are not stopped here.
CREATE FUNCTION tenant_is_writable() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_tenant uuid := nullif(current_setting('kinerja.tenant_id', true), '')::uuid;
    v_code text; v_status text; v_until timestamptz;
BEGIN
    IF v_tenant IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT code, status, retain_until INTO v_code, v_status, v_until FROM tenants WHERE tenant_id = v_tenant;
    IF v_status IN ('offboarded', 'purged') THEN
        RAISE EXCEPTION 'city % is %: its data are read-only%', v_code, v_status,
            CASE WHEN v_status = 'offboarded' THEN ' (kept until ' || to_char(v_until AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ')' ELSE '' END
            USING ERRCODE = 'read_only_sql_transaction';
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_migrations' LOOP
        EXECUTE format('CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable()', t);
    END LOOP;
END $$;

-- Offboarding: audited; the retention comes from the profile (the caller reads it) and is recorded.
CREATE FUNCTION platform_offboard_tenant(p_code text, p_retain_days integer, p_actor text)
RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_id uuid; v_status text; v_until timestamptz;
BEGIN
    IF p_retain_days IS NULL OR p_retain_days < 0 THEN
        RAISE EXCEPTION 'retention of % days is not allowed', p_retain_days USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT tenant_id, status INTO v_id, v_status FROM tenants WHERE code = p_code FOR UPDATE;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no tenant with code %', p_code USING ERRCODE = 'no_data_found';
    END IF;
    IF v_status IN ('offboarded', 'purged') THEN
        RAISE EXCEPTION 'city % is already %', p_code, v_status USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    v_until := now() + make_interval(days => p_retain_days);
    UPDATE tenants SET status = 'offboarded', offboarded_at = now(), retain_until = v_until, updated_at = now()
     WHERE tenant_id = v_id;
    INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
    VALUES (v_id, p_actor, 'tenant.offboard', p_code,
            jsonb_build_object('from', v_status, 'retain_days', p_retain_days, 'retain_until', v_until));
    RETURN v_until;
END $$;

-- Suspend and resume as before; resuming an offboarded city (before its purge) makes it writable again.
CREATE OR REPLACE FUNCTION platform_set_tenant_status(p_code text, p_status text, p_actor text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_id uuid; v_old text;
BEGIN
    IF p_status NOT IN ('active', 'suspended') THEN
        RAISE EXCEPTION 'status % cannot be set here', p_status USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT tenant_id, status INTO v_id, v_old FROM tenants WHERE code = p_code FOR UPDATE;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no tenant with code %', p_code USING ERRCODE = 'no_data_found';
    END IF;
    IF v_old = 'purged' THEN
        RAISE EXCEPTION 'city % was purged', p_code USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF v_old <> p_status THEN
        UPDATE tenants SET status = p_status, offboarded_at = NULL, retain_until = NULL, updated_at = now()
         WHERE tenant_id = v_id;
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        VALUES (v_id, p_actor, 'tenant.' || CASE p_status WHEN 'suspended' THEN 'suspend' ELSE 'resume' END,
                p_code, jsonb_build_object('from', v_old, 'to', p_status));
    END IF;
    RETURN v_old;
END $$;

DROP FUNCTION platform_tenants();
CREATE FUNCTION platform_tenants()
RETURNS TABLE (tenant_id uuid, code text, name text, adapter text, status text, profile_version integer,
               created_at timestamptz, employees bigint, retain_until timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.tenant_id, t.code, t.name, t.adapter, t.status, t.profile_version, t.created_at,
           (SELECT count(*) FROM employees e WHERE e.tenant_id = t.tenant_id), t.retain_until
    FROM tenants t ORDER BY t.code
$$;

DROP FUNCTION platform_tenant(text);
CREATE FUNCTION platform_tenant(p_code text)
RETURNS TABLE (tenant_id uuid, code text, name text, adapter text, status text, profile_version integer,
               created_at timestamptz, employees bigint, retain_until timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.tenant_id, t.code, t.name, t.adapter, t.status, t.profile_version, t.created_at,
           (SELECT count(*) FROM employees e WHERE e.tenant_id = t.tenant_id), t.retain_until
    FROM tenants t WHERE t.code = p_code
$$;

REVOKE ALL ON FUNCTION platform_offboard_tenant, platform_tenants, platform_tenant FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_offboard_tenant, platform_tenants, platform_tenant TO kinerja_admin;
