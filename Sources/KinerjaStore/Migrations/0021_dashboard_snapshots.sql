-- The leader dashboard of a city for a year and period, kept as computed (Dashboard.swift): reading it is one
-- row, however large the city; it is computed again when older than the server's setting, or on request.
CREATE TABLE dashboard_snapshots (
    tenant_id   uuid NOT NULL,
    year        integer NOT NULL,
    period_kind text NOT NULL,
    period_seq  integer NOT NULL,
    computed_at timestamptz NOT NULL,
    body        jsonb NOT NULL,
    PRIMARY KEY (tenant_id, year, period_kind, period_seq),
    FOREIGN KEY (tenant_id, year, period_kind, period_seq) REFERENCES periods (tenant_id, year, kind, sequence)
);
SELECT guard_tenant_table('dashboard_snapshots');
GRANT SELECT, INSERT, UPDATE ON dashboard_snapshots TO kinerja_app, kinerja_admin;
CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON dashboard_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable();
