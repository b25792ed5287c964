-- Public complaints (SP4N-LAPOR!) as each city receives them: the tracking id, the day received, the OPD and
-- officer it was routed to and when, the follow-up and the close (Complaints.swift checks the deadlines).
CREATE TABLE complaints (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    tracking_id  text NOT NULL CHECK (length(tracking_id) BETWEEN 1 AND 64),
    received_on  date NOT NULL,
    opd_code     text,
    officer_nip  char(18),
    routed_on    date,
    followed_up_on date,
    closed_on    date,
    subject      text NOT NULL DEFAULT '',
    updated_by   text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, tracking_id),
    FOREIGN KEY (tenant_id, officer_nip) REFERENCES employees (tenant_id, nip),
    CHECK (routed_on IS NULL OR routed_on >= received_on),
    CHECK (followed_up_on IS NULL OR (routed_on IS NOT NULL AND followed_up_on >= routed_on)),
    CHECK (closed_on IS NULL OR closed_on >= received_on)
);
CREATE INDEX complaints_received ON complaints (tenant_id, received_on);
SELECT guard_tenant_table('complaints');
GRANT SELECT, INSERT, UPDATE ON complaints TO kinerja_app, kinerja_admin;
CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON complaints
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable();
