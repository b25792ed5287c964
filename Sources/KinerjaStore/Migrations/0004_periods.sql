-- Performance periods: the year and its months or quarters (the city's cadence). A closed period takes no
-- more realisasi; reopening it needs a reason, and both are audited.
CREATE TABLE periods (
    tenant_id uuid NOT NULL REFERENCES tenants (tenant_id),
    year      integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    kind      text NOT NULL CHECK (kind IN ('annual', 'quarterly', 'monthly')),
    sequence  integer NOT NULL,
    starts_on date NOT NULL,
    ends_on   date NOT NULL,
    status    text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    opened_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz,
    PRIMARY KEY (tenant_id, year, kind, sequence),
    CHECK (starts_on <= ends_on),
    CHECK ((kind = 'annual' AND sequence = 0) OR (kind = 'quarterly' AND sequence BETWEEN 1 AND 4)
           OR (kind = 'monthly' AND sequence BETWEEN 1 AND 12)),
    CHECK ((status = 'closed') = (closed_at IS NOT NULL))
);

ALTER TABLE periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE periods FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON periods
    USING (tenant_id = (SELECT current_setting('kinerja.tenant_id')::uuid))
    WITH CHECK (tenant_id = (SELECT current_setting('kinerja.tenant_id')::uuid));

GRANT SELECT, INSERT, UPDATE ON periods TO kinerja_app, kinerja_admin;
