-- Foundation: cities as tenants, org units, employees, API keys, the audit log.
--
-- Every tenant table: tenant_id first in the primary key and in every foreign key (the Citus
-- multi-tenant layout), row-level security ENABLED and FORCED, one policy comparing tenant_id to the
-- transaction-local setting kinerja.tenant_id. With the setting absent the cast fails: no tenant, no rows,
-- an error rather than an empty result.
--
-- The application role kinerja_app owns nothing and gets only the privileges granted below.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

GRANT USAGE ON SCHEMA public TO kinerja_app;
GRANT SELECT ON schema_migrations TO kinerja_app;

CREATE TABLE tenants (
    tenant_id       uuid PRIMARY KEY,
    code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9-]{1,39}$'),
    name            text NOT NULL CHECK (length(btrim(name)) > 0),
    adapter         text NOT NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    profile         jsonb NOT NULL,
    profile_version integer NOT NULL DEFAULT 1 CHECK (profile_version > 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org_units (
    tenant_id  uuid NOT NULL REFERENCES tenants (tenant_id),
    unit_id    uuid NOT NULL,
    parent_id  uuid,
    code       text NOT NULL CHECK (length(code) > 0),
    name       text NOT NULL CHECK (length(btrim(name)) > 0),
    kind       text NOT NULL CHECK (kind IN ('opd', 'bidang', 'seksi', 'upt', 'sekolah', 'puskesmas', 'kecamatan', 'kelurahan')),
    PRIMARY KEY (tenant_id, unit_id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES org_units (tenant_id, unit_id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX org_units_parent ON org_units (tenant_id, parent_id);

CREATE TABLE employees (
    tenant_id      uuid NOT NULL REFERENCES tenants (tenant_id),
    nip            char(18) NOT NULL CHECK (nip ~ '^[0-9]{18}$'),
    name           text NOT NULL CHECK (length(btrim(name)) > 0),
    gelar_depan    text,
    gelar_belakang text,
    employee_type  text NOT NULL CHECK (employee_type IN ('PNS', 'PPPK')),
    jabatan_kind   text NOT NULL CHECK (jabatan_kind IN ('struktural', 'fungsional', 'pelaksana')),
    jabatan_level  text CHECK (jabatan_level IN ('JPT', 'Administrator', 'Pengawas')),
    jabatan_name   text NOT NULL,
    golongan       text CHECK (golongan ~ '^(I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII|XIII|XIV|XV|XVI|XVII)(/[a-e])?$'),
    unit_id        uuid NOT NULL,
    atasan_nip     char(18),
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    email          text,
    birth_date     date NOT NULL,
    gender         char(1) NOT NULL CHECK (gender IN ('L', 'P')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, nip),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES org_units (tenant_id, unit_id),
    FOREIGN KEY (tenant_id, atasan_nip) REFERENCES employees (tenant_id, nip) DEFERRABLE INITIALLY DEFERRED,
    CHECK (atasan_nip IS DISTINCT FROM nip)
);
CREATE INDEX employees_unit ON employees (tenant_id, unit_id, nip);
CREATE INDEX employees_atasan ON employees (tenant_id, atasan_nip);
CREATE INDEX employees_name_trgm ON employees USING gin (lower(name) gin_trgm_ops);

CREATE TABLE api_keys (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    key_id       uuid NOT NULL,
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL CHECK (length(key_hash) = 32),
    role         text NOT NULL CHECK (role IN ('bkn_admin', 'hr_admin', 'atasan', 'pegawai', 'integrator')),
    label        text NOT NULL DEFAULT '',
    employee_nip char(18),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    PRIMARY KEY (tenant_id, key_id),
    UNIQUE (tenant_id, key_hash),
    FOREIGN KEY (tenant_id, employee_nip) REFERENCES employees (tenant_id, nip)
);
CREATE INDEX api_keys_hash ON api_keys (key_hash);

-- Append-only: the application may insert and read, never change or delete.
CREATE TABLE audit_log (
    tenant_id uuid NOT NULL REFERENCES tenants (tenant_id),
    entry_id  bigint GENERATED ALWAYS AS IDENTITY,
    at        timestamptz NOT NULL DEFAULT now(),
    actor     text NOT NULL,
    action    text NOT NULL,
    subject   text NOT NULL DEFAULT '',
    detail    jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, entry_id)
);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- Row-level security on every tenant table.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tenants', 'org_units', 'employees', 'api_keys', 'audit_log'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = (SELECT current_setting('kinerja.tenant_id')::uuid))
            WITH CHECK (tenant_id = (SELECT current_setting('kinerja.tenant_id')::uuid))$p$, t);
    END LOOP;
END $$;

GRANT SELECT ON tenants TO kinerja_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON org_units, employees TO kinerja_app;
GRANT SELECT, INSERT, UPDATE ON api_keys TO kinerja_app;
GRANT SELECT, INSERT ON audit_log TO kinerja_app;

-- Platform work: the one narrow, audited path that crosses cities. Each function runs as the owner,
-- does one thing, and writes its audit entry in the same transaction.
CREATE FUNCTION platform_onboard_tenant(p_tenant_id uuid, p_code text, p_name text, p_adapter text,
                                        p_profile jsonb, p_actor text)
RETURNS uuid LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO tenants (tenant_id, code, name, adapter, profile)
    VALUES (p_tenant_id, p_code, p_name, p_adapter, p_profile);
    INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
    VALUES (p_tenant_id, p_actor, 'tenant.onboard', p_code,
            jsonb_build_object('name', p_name, 'adapter', p_adapter, 'profile_version', 1));
    RETURN p_tenant_id;
END $$;

CREATE FUNCTION platform_set_tenant_status(p_code text, p_status text, p_actor text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE v_id uuid; v_old text;
BEGIN
    SELECT tenant_id, status INTO v_id, v_old FROM tenants WHERE code = p_code FOR UPDATE;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no tenant with code %', p_code USING ERRCODE = 'no_data_found';
    END IF;
    IF v_old <> p_status THEN
        UPDATE tenants SET status = p_status, updated_at = now() WHERE tenant_id = v_id;
        INSERT INTO audit_log (tenant_id, actor, action, subject, detail)
        VALUES (v_id, p_actor, 'tenant.' || CASE p_status WHEN 'suspended' THEN 'suspend' ELSE 'resume' END,
                p_code, jsonb_build_object('from', v_old, 'to', p_status));
    END IF;
    RETURN v_old;
END $$;

CREATE FUNCTION platform_tenants()
RETURNS TABLE (tenant_id uuid, code text, name text, adapter text, status text, profile_version integer,
               created_at timestamptz, employees bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.tenant_id, t.code, t.name, t.adapter, t.status, t.profile_version, t.created_at,
           (SELECT count(*) FROM employees e WHERE e.tenant_id = t.tenant_id)
    FROM tenants t ORDER BY t.code
$$;

-- Authentication: find the key by its hash before any tenant is known. Returns one row per city the key
-- is granted (several only for bkn_admin). Touches last_used_at at most once a minute.
CREATE FUNCTION auth_api_key(p_hash bytea)
RETURNS TABLE (tenant_id uuid, tenant_code text, tenant_status text, key_id uuid, role text, label text,
               employee_nip text, revoked boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE api_keys k SET last_used_at = now()
    WHERE k.key_hash = p_hash AND k.revoked_at IS NULL
      AND (k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute');
    RETURN QUERY
        SELECT k.tenant_id, t.code, t.status, k.key_id, k.role, k.label, k.employee_nip::text, k.revoked_at IS NOT NULL
        FROM api_keys k JOIN tenants t USING (tenant_id)
        WHERE k.key_hash = p_hash
        ORDER BY t.code;
END $$;

REVOKE ALL ON FUNCTION platform_onboard_tenant, platform_set_tenant_status, platform_tenants, auth_api_key FROM PUBLIC;
GRANT EXECUTE ON FUNCTION platform_onboard_tenant, platform_set_tenant_status, platform_tenants, auth_api_key TO kinerja_app;
