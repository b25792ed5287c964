-- Idempotency-Key on POST: per city and per credential, the first answer to a key is kept for a day and
-- replayed to the same request sent again; the same key with another request is refused. A row without a
-- status is a request still being answered (or one whose server stopped: taken over after a minute).
CREATE TABLE idempotency_keys (
    tenant_id    uuid NOT NULL REFERENCES tenants (tenant_id),
    key_id       uuid NOT NULL,
    idem_key     text NOT NULL CHECK (length(idem_key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL,
    method       text NOT NULL,
    path         text NOT NULL,
    status       integer,
    content_type text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (tenant_id, key_id, idem_key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (tenant_id, created_at);
SELECT guard_tenant_table('idempotency_keys');
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO kinerja_app, kinerja_admin;
CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON idempotency_keys
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable();
