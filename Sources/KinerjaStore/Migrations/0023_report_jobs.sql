-- Reports too large to answer at once (the documents of many employees, a PDF of several): made in the
-- background by the server that took the request, into a file under its KINERJA_REPORT_DIR; the caller polls.
CREATE TABLE report_jobs (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    job_id       uuid NOT NULL,
    report       text NOT NULL,
    format       text NOT NULL CHECK (format IN ('csv', 'json', 'html', 'pdf')),
    request      jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    done         integer NOT NULL DEFAULT 0,
    total        integer NOT NULL DEFAULT 0,
    error        text,
    file_path    text,
    -- The server process making it: a job left 'running' by another (stopped) process has failed.
    server       uuid NOT NULL,
    key_id       uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    PRIMARY KEY (tenant_id, job_id)
);
SELECT guard_tenant_table('report_jobs');
GRANT SELECT, INSERT, UPDATE ON report_jobs TO kinerja_app, kinerja_admin;
CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON report_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable();
