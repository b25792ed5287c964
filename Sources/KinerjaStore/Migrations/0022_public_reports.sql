-- A city's published annual report (PublicReport.swift): aggregates only, computed when HR publishes the year
-- (`kinerja-admin report publish`), served to anyone at /public/{city}/laporan-kinerja/{year}.
CREATE TABLE public_reports (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    year         integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    published_at timestamptz NOT NULL,
    published_by text NOT NULL,
    body         jsonb NOT NULL,
    PRIMARY KEY (tenant_id, year)
);
SELECT guard_tenant_table('public_reports');
GRANT SELECT, INSERT, UPDATE ON public_reports TO kinerja_app, kinerja_admin;
CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON public_reports
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable();

-- The one read without a credential: a published year of a city whose profile publishes (and that still
-- exists as a city: not suspended, not purged). Nothing else of the city is reachable this way.
CREATE FUNCTION public_report(p_code text, p_year integer)
RETURNS TABLE (name text, adapter text, body jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.name, t.adapter, r.body FROM tenants t JOIN public_reports r ON r.tenant_id = t.tenant_id
    WHERE t.code = p_code AND r.year = p_year AND t.status IN ('active', 'offboarded')
      AND coalesce((t.profile -> 'reports' ->> 'publicAnnualReport')::boolean, false)
$$;
REVOKE ALL ON FUNCTION public_report FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public_report TO kinerja_app, kinerja_admin;
