-- Several employees of one city in one statement: the reads of one city that arrive while another of its reads
-- is running go to PostgreSQL together (`KinerjaDatabase.employee(tenant:nip:within:)`), one round trip for all
-- of them. A round trip, not the read itself, is most of what a read costs: Hummingbird answers a constant
-- about seven times faster than it answers `SELECT 1` through PostgresClient (PERFORMANCE.md).
--
-- Item i (0-based) asks for p_nips[i+1], limited by p_within[i+1] as `employee_read` is by p_within: only that
-- employee or someone below them in the atasan chain. No limit is the item's own NIP as its limit (an
-- employee is always within themselves); there is no other value for it, so a limit that names no one (null,
-- '') shows nothing. An item that is not found, or not visible, returns no row; the others return one row
-- each, with their i.
CREATE FUNCTION employee_read_many(p_tenant uuid, p_nips text[], p_within text[])
RETURNS TABLE (i integer, nip text, name text, gelar_depan text, gelar_belakang text, employee_type text,
               jabatan_kind text, jabatan_level text, jabatan_name text, golongan text, unit_code text, unit_name text,
               atasan_nip text, status text, email text, birth_date text, gender text)
LANGUAGE plpgsql SET search_path = public, pg_temp SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    IF cardinality(p_nips) IS DISTINCT FROM cardinality(p_within) THEN
        RAISE EXCEPTION 'employee_read_many: % NIPs and % limits', cardinality(p_nips), cardinality(p_within)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('kinerja.tenant_id', p_tenant::text, true);
    RETURN QUERY
        SELECT (w.o - 1)::integer, e.nip, e.name, e.gelar_depan, e.gelar_belakang, e.employee_type, e.jabatan_kind,
               e.jabatan_level, e.jabatan_name, e.golongan, u.code, u.name, e.atasan_nip, e.status, e.email,
               e.birth_date::text, e.gender::text
        FROM unnest(p_nips, p_within) WITH ORDINALITY AS w(nip, within, o)
        JOIN employees e ON e.tenant_id = p_tenant AND e.nip = w.nip
        JOIN org_units u ON u.tenant_id = e.tenant_id AND u.unit_id = e.unit_id
        WHERE w.within = w.nip OR EXISTS (
            WITH RECURSIVE up AS (
                SELECT a.atasan_nip FROM employees a WHERE a.tenant_id = p_tenant AND a.nip = w.nip
                UNION
                SELECT a.atasan_nip FROM employees a JOIN up ON a.nip = up.atasan_nip WHERE a.tenant_id = p_tenant
            )
            SELECT 1 FROM up WHERE up.atasan_nip = w.within);
END $$;

REVOKE ALL ON FUNCTION employee_read_many FROM PUBLIC;
GRANT EXECUTE ON FUNCTION employee_read_many TO kinerja_app, kinerja_admin;

-- employee_read stays: a server of the release before this one still calls it while this migration runs and
-- after a roll back (migrations add rather than remove).
