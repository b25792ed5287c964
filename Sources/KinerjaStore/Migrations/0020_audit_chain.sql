-- A tamper-evident audit log: each city's entries form a hash chain.
--
-- Entries are written as before, in the transaction of the change they record, and sealed shortly after by
-- audit_seal (the server every few seconds, the CLI before it reads or exports a city's log): in one city,
-- one at a time, each unsealed entry gets the next chain position, the previous entry's hash and its own,
--     row_hash = sha256(prev_hash || audit_entry_text(entry)),   the first prev_hash 32 zero bytes,
-- and audit_heads keeps the city's last position and hash. Sealing after the fact keeps writers from queueing
-- behind one another on a per-city chain head (every change writes an entry); an entry is unsealed only
-- for those seconds. Editing an entry breaks its hash; removing one leaves a gap in the positions; removing
-- the newest ones disagrees with the head. `kinerja-admin audit verify` recomputes the chain outside the
-- database and names the first entry that does not hold.

ALTER TABLE audit_log ADD COLUMN chain_seq bigint, ADD COLUMN prev_hash bytea, ADD COLUMN row_hash bytea;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_sealed_whole
    CHECK ((chain_seq IS NULL) = (prev_hash IS NULL) AND (chain_seq IS NULL) = (row_hash IS NULL));
CREATE UNIQUE INDEX audit_log_chain ON audit_log (tenant_id, chain_seq) WHERE chain_seq IS NOT NULL;
CREATE INDEX audit_log_unsealed ON audit_log (tenant_id, entry_id) WHERE chain_seq IS NULL;

-- The application roles write entries without their seal or time: only these columns.
REVOKE INSERT ON audit_log FROM kinerja_app, kinerja_admin;
GRANT INSERT (tenant_id, actor, action, subject, detail) ON audit_log TO kinerja_app, kinerja_admin;

CREATE TABLE audit_heads (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (tenant_id),
    chain_seq bigint NOT NULL,
    row_hash  bytea NOT NULL,
    sealed_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_heads
    USING (tenant_id = (SELECT current_setting('kinerja.tenant_id')::uuid))
    WITH CHECK (tenant_id = (SELECT current_setting('kinerja.tenant_id')::uuid));
GRANT SELECT ON audit_heads TO kinerja_app, kinerja_admin;
CREATE TRIGGER tenant_writable BEFORE INSERT OR UPDATE OR DELETE ON audit_heads
    FOR EACH STATEMENT EXECUTE FUNCTION tenant_is_writable();

-- What an entry's hash covers, one field a line: its number, its time (UTC, microseconds), actor, action,
-- subject and detail (jsonb's own text: keys sorted, one spacing). Not its city: a city restored under
-- another code or id (tenant import --as) keeps a chain that verifies.
CREATE FUNCTION audit_entry_text(p_entry_id bigint, p_at timestamptz, p_actor text, p_action text, p_subject text,
                                 p_detail jsonb)
RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT p_entry_id::text || E'\n' || to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || E'\n'
           || p_actor || E'\n' || p_action || E'\n' || p_subject || E'\n' || p_detail::text
$$;

-- Append-only still, with one exception: sealing an unsealed entry, which sets the three chain columns and
-- nothing else (only the owner may update the table at all; audit_seal runs as the owner).
CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
       AND (NEW.tenant_id, NEW.entry_id, NEW.at, NEW.actor, NEW.action, NEW.subject, NEW.detail)
           IS NOT DISTINCT FROM (OLD.tenant_id, OLD.entry_id, OLD.at, OLD.actor, OLD.action, OLD.subject, OLD.detail) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;

-- Seals one city's unsealed entries in entry order; returns how many. One sealer per city at a time.
CREATE FUNCTION audit_seal(p_tenant uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_seq bigint; v_hash bytea; v_count integer := 0; r record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('kinerja.audit_seal:' || p_tenant::text, 0));
    SELECT chain_seq, row_hash INTO v_seq, v_hash FROM audit_heads WHERE tenant_id = p_tenant;
    IF v_seq IS NULL THEN
        v_seq := 0;
        v_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    END IF;
    FOR r IN SELECT entry_id, at, actor, action, subject, detail FROM audit_log
             WHERE tenant_id = p_tenant AND chain_seq IS NULL ORDER BY entry_id LOOP
        v_seq := v_seq + 1;
        UPDATE audit_log
           SET chain_seq = v_seq, prev_hash = v_hash,
               row_hash = sha256(v_hash || convert_to(audit_entry_text(r.entry_id, r.at, r.actor, r.action, r.subject, r.detail), 'UTF8'))
         WHERE tenant_id = p_tenant AND entry_id = r.entry_id
        RETURNING row_hash INTO v_hash;
        v_count := v_count + 1;
    END LOOP;
    IF v_count > 0 THEN
        INSERT INTO audit_heads (tenant_id, chain_seq, row_hash, sealed_at) VALUES (p_tenant, v_seq, v_hash, now())
        ON CONFLICT (tenant_id) DO UPDATE SET chain_seq = excluded.chain_seq, row_hash = excluded.row_hash,
                                              sealed_at = excluded.sealed_at;
    END IF;
    RETURN v_count;
END $$;

-- Every city with unsealed entries, each in its turn; a city another sealer holds is left to it.
CREATE FUNCTION audit_seal_all() RETURNS TABLE (tenant_id uuid, sealed integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE t uuid;
BEGIN
    FOR t IN SELECT DISTINCT a.tenant_id FROM audit_log a WHERE a.chain_seq IS NULL LOOP
        IF pg_try_advisory_xact_lock(hashtextextended('kinerja.audit_seal:' || t::text, 0)) THEN
            tenant_id := t;
            sealed := audit_seal(t);
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;

REVOKE ALL ON FUNCTION audit_seal, audit_seal_all FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal, audit_seal_all TO kinerja_app, kinerja_admin;

-- Entries written before this migration: sealed now, city by city, in entry order.
SELECT count(*) FROM audit_seal_all();
